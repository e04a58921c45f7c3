// The Infrastructure page's one read: GET /api/v1/infrastructure/health (docs/infrastructure.md),
// the summary of this host, node_exporter targets, the runtime and each instance's resources.
import { api } from "../../api/client.js";
import type {
  CapacityReport,
  InfrastructureHealthSummary,
  RecommendationReport,
  ResourceAmounts,
} from "../../api/types.js";

// The server's own types (web/src/api/types.ts), under the names the page uses.
export type {
  CapacityReport,
  DiskHealth,
  Headroom,
  InstanceResources,
  NetworkHealth,
  NodeHealth,
  PackingSummary,
  RecommendationReport,
  ServiceRecommendation,
  Verdict,
} from "../../api/types.js";
export type InfrastructureHealth = InfrastructureHealthSummary;
export type Amounts = ResourceAmounts;

export function fetchInfrastructureHealth(signal?: AbortSignal): Promise<InfrastructureHealth> {
  return api<InfrastructureHealth>("/api/v1/infrastructure/health", { signal });
}

// Right-sizing and capacity planning (docs/right-sizing.md): GET /api/v1/infrastructure/recommendations
// and /api/v1/infrastructure/capacity.

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
