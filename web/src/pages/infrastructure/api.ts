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
