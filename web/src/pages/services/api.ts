// The Services page's reads: services with instances, front doors, weights and backends
// (GET /api/v1/services), a service's revisions, and an instance's log tail (operator). lineops's
// own routes answer bare JSON (only the Prometheus-compatible ones use the envelope).
import { api } from "../../api/client.js";

export type InstanceState = "starting" | "ready" | "unready" | "backoff" | "failed" | "stopping" | "stopped";

export type InstanceView = {
  id: string;
  service: string;
  revision: string;
  version: string;
  station?: string;
  state: InstanceState;
  reason?: string;
  pid?: number;
  host: string;
  port: number;
  restarts: number;
  startedAt?: number;
  readySince?: number;
  health?: "healthy" | "unhealthy" | "unknown";
  standby?: boolean;
};

export type BackendView = {
  instanceId: string;
  host: string;
  port: number;
  group: string;
  weight: number;
  draining: boolean;
  station?: string;
  revision?: string;
};

export type ServiceView = {
  name: string;
  version: string;
  revision: string;
  revisionNumber: number;
  url?: string;
  desired: number;
  instances: number;
  readyInstances: number;
  failedInstances: number;
  ready: boolean;
  dependsOn: string[];
  stations?: string[];
  error?: string;
  instanceList: InstanceView[];
  frontDoor: { host: string; port: number } | null;
  weights: Record<string, number> | null;
  backends: BackendView[];
  routingError?: string;
};

export type Revision = {
  service: string;
  hash: string;
  number: number;
  version: string;
  createdAt: number | string;
};

export type LogTail = { instance: string; lines: string[]; truncated: boolean };

/** The most lines the API gives per instance. */
export const MAX_TAIL = 1000;

export async function fetchServices(signal?: AbortSignal): Promise<ServiceView[]> {
  return (await api<{ services: ServiceView[] }>("/api/v1/services", { signal, envelope: false })).services;
}

export async function fetchRevisions(service: string, signal?: AbortSignal): Promise<Revision[]> {
  const path = `/api/v1/services/${encodeURIComponent(service)}/revisions`;
  return (await api<{ revisions: Revision[] }>(path, { signal, envelope: false })).revisions;
}

export function fetchLogTail(instance: string, tail: number, signal?: AbortSignal): Promise<LogTail> {
  return api<LogTail>(`/api/v1/instances/${encodeURIComponent(instance)}/logs`, {
    query: { tail },
    signal,
    envelope: false,
  });
}
