// The Infrastructure page's one read: GET /api/v1/infrastructure/health (docs/infrastructure.md),
// the summary of this host, node_exporter targets, the runtime and each instance's resources.
import { api } from "../../api/client.js";

export type DiskHealth = {
  mountpoint: string;
  device: string;
  fstype: string;
  sizeBytes?: number;
  availBytes?: number;
  usedRatio?: number;
  fullInSeconds?: number;
  holtFullInSeconds?: number;
  trendBytesPerSecond?: number;
  trendSpanSeconds?: number;
};

export type NetworkHealth = {
  device: string;
  receiveBytesPerSecond?: number;
  transmitBytesPerSecond?: number;
  errorsPerSecond?: number;
  dropsPerSecond?: number;
};

export type NodeHealth = {
  job: string;
  instance: string;
  source: "host" | "scrape";
  up: boolean;
  lastSampleAgeSeconds?: number;
  nodename?: string;
  kernel?: string;
  cpu: { cores?: number; utilisation?: number; load1?: number };
  memory: { totalBytes?: number; availableBytes?: number; utilisation?: number };
  disks: DiskHealth[];
  network: NetworkHealth[];
};

export type InstanceResources = {
  id: string;
  service: string;
  station?: string;
  revision: string;
  version: string;
  state: string;
  restarts: number;
  pid?: number;
  cpuCores?: number;
  residentBytes?: number;
  threads?: number;
  openFds?: number;
};

export type InfrastructureHealth = {
  evaluatedAt: number;
  nodes: NodeHealth[];
  runtime: {
    backend: string;
    instances: number;
    byState: Record<string, number>;
    restarting: number;
    failed: number;
    restartsTotal: number;
    crashes15m: Record<string, number>;
  };
  instances: InstanceResources[];
  truncated: Record<string, number>;
};

export function fetchInfrastructureHealth(signal?: AbortSignal): Promise<InfrastructureHealth> {
  return api<InfrastructureHealth>("/api/v1/infrastructure/health", { signal });
}

// Right-sizing and capacity planning (docs/right-sizing.md): GET /api/v1/infrastructure/recommendations
// and /api/v1/infrastructure/capacity.

export type Amounts = { cpuCores: number; memoryBytes: number };
export type Verdict = "under-provisioned" | "over-provisioned" | "ok" | "undeclared" | "no-data";

export type ServiceRecommendation = {
  service: string;
  declared: { cpuCores?: number; memoryBytes?: number };
  target?: Amounts;
  lowerBound?: Amounts;
  upperBound?: Amounts;
  cpu: Verdict;
  memory: Verdict;
  evidence: {
    fromMs: number;
    toMs: number;
    stepSeconds: number;
    firstSampleMs?: number;
    lastSampleMs?: number;
    cpuSamples: number;
    memoryPeaks: number;
    instances: number;
    confidenceDays: number;
  };
  problem?: string;
};

export type RecommendationReport = { evaluatedAt: number; services: ServiceRecommendation[] };

export type Headroom = { allocatable?: number; requested: number; free?: number; ratio?: number };
export type PackingSummary = {
  algorithm: "first-fit-decreasing" | "best-fit-decreasing";
  nodeCount: number;
  lowerBound: number;
  unplaceable: string[];
  nodes: { cpuCores: number; memoryBytes: number; instances: number; services: Record<string, number> }[];
};

export type CapacityReport = {
  evaluatedAt: number;
  host: { instance: string; cpu: Headroom; memory: Headroom };
  requests: {
    service: string;
    instances: number;
    cpuCores?: number;
    memoryBytes?: number;
    source: "declared" | "recommended" | "none";
  }[];
  packing?: {
    node: Amounts;
    nodeSource: "host" | "given";
    lines: number;
    instances: number;
    missing: string[];
    firstFit: PackingSummary;
    bestFit: PackingSummary;
  };
  packingProblem?: string;
};

export function fetchRecommendations(signal?: AbortSignal): Promise<RecommendationReport> {
  return api<RecommendationReport>("/api/v1/infrastructure/recommendations", { signal });
}

/** `nodeCpu` ("4", "3500m") and `nodeMemory` ("16Gi") as the API reads them; empty: this host's size. */
export function fetchCapacity(
  q: { lines: string; nodeCpu: string; nodeMemory: string },
  signal?: AbortSignal,
): Promise<CapacityReport> {
  const p = new URLSearchParams({ lines: q.lines });
  if (q.nodeCpu.trim() !== "") {
    p.set("nodeCpu", q.nodeCpu.trim());
  }
  if (q.nodeMemory.trim() !== "") {
    p.set("nodeMemory", q.nodeMemory.trim());
  }
  return api<CapacityReport>(`/api/v1/infrastructure/capacity?${p.toString()}`, { signal });
}
