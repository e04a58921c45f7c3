// The Deployments page's calls to lineops's deployment API (docs/api.md "Deployments") and the wire
// shapes it reads, written out here: the web app does not import the server's sources.
import { api } from "../../api/client.js";

export type Phase =
  | "Pending"
  | "WaitingForGate"
  | "Progressing"
  | "Paused"
  | "RollingBack"
  | "Succeeded"
  | "RolledBack"
  | "Failed"
  | "Aborted";

export const TERMINAL: readonly Phase[] = ["Succeeded", "RolledBack", "Failed", "Aborted"];

export function isTerminal(p: Phase): boolean {
  return TERMINAL.includes(p);
}

export type AnalysisRef = { templates: string[]; args?: Record<string, string> };

export type CanaryStep =
  | { setWeight: number }
  | { setStations: string[] }
  | { pause: { duration?: number } }
  | { analysis: AnalysisRef };

/** As line.yaml's `strategy` after defaults (durations in ms). */
export type Strategy =
  | { type: "rolling"; maxSurge: number; maxUnavailable: number; minReadySeconds: number }
  | {
      type: "blueGreen";
      prePromotionAnalysis?: AnalysisRef;
      autoPromote: boolean;
      autoPromoteTimeout?: number;
      scaleDownDelay: number;
    }
  | { type: "canary"; steps: CanaryStep[]; analysis?: AnalysisRef }
  | { type: "recreate" };

export type RolloutState = {
  traffic?: { groups: Record<string, string>; weights: Record<string, number> };
  switched?: boolean;
  stations?: string[];
  analyses?: { step: number; templates: string[]; phase: string; message: string }[];
  waitingFor?: string[];
};

export type Deployment = {
  id: string;
  planId?: string;
  service: string;
  fromRevision?: string;
  toRevision: string;
  strategy: Strategy;
  phase: Phase;
  step: number;
  state: RolloutState;
  reason?: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
};

export type DeploymentEvent = {
  id: number;
  deploymentId: string;
  at: number;
  kind: string;
  message: string;
  data?: unknown;
};

export type DeploymentDetail = Deployment & { events: DeploymentEvent[] };

/** One analysis measurement as a `measurement` event's data carries it. */
export type Measurement = {
  step?: number;
  background?: boolean;
  template: string;
  metric: string;
  kind: "metric" | "comparison" | "kpi";
  seq: number;
  startedAt: number;
  finishedAt: number;
  phase: string;
  message: string;
  query: string;
  values: string[];
  baselineQuery?: string;
  baselineValues?: string[];
  stats?: {
    u: number;
    z: number;
    pValue: number;
    n1: number;
    n2: number;
    canaryMedian: number;
    baselineMedian: number;
  };
};

export type Revision = {
  service: string;
  hash: string;
  number: number;
  version: string;
  spec: unknown;
  createdAt: number;
};

export type ServiceStatus = {
  name: string;
  version: string;
  revision: string;
  revisionNumber: number;
  desired: number;
  instances: number;
  readyInstances: number;
  stations?: string[];
};

export type Instance = {
  id: string;
  service: string;
  revision: string;
  version: string;
  station?: string;
  state: string;
  standby?: boolean;
};

export type Dora = {
  windowDays: number;
  deployments: number;
  deploymentsPerDay: number;
  leadTimeSecondsMedian: number | null;
  changeFailureRate: number | null;
  timeToRestoreSecondsMedian: number | null;
};

export type Action = "promote" | "pause" | "resume" | "abort";

const plain = { envelope: false } as const;
const seg = encodeURIComponent;

export async function listDeployments(
  service: string | undefined,
  signal?: AbortSignal,
): Promise<Deployment[]> {
  const r = await api<{ deployments: Deployment[] }>("/api/v1/deployments", {
    ...plain,
    query: { service },
    ...(signal ? { signal } : {}),
  });
  return r.deployments;
}

export function getDeployment(id: string, after = 0, signal?: AbortSignal): Promise<DeploymentDetail> {
  return api<DeploymentDetail>(`/api/v1/deployments/${seg(id)}`, {
    ...plain,
    query: { after },
    ...(signal ? { signal } : {}),
  });
}

export function control(id: string, action: Action): Promise<Deployment> {
  return api<Deployment>(`/api/v1/deployments/${seg(id)}/${action}`, { ...plain, method: "POST" });
}

export type DeployInput = { service: string; version?: string; revision?: string; strategy?: unknown };

export function deploy(input: DeployInput): Promise<Deployment> {
  return api<Deployment>("/api/v1/deployments", { ...plain, method: "POST", body: input });
}

/** Aborts the service's running deployment, or deploys its previous revision (or `revision`). */
export function rollback(service: string, revision?: string): Promise<Deployment> {
  return api<Deployment>(`/api/v1/services/${seg(service)}/rollback`, {
    ...plain,
    method: "POST",
    body: revision === undefined ? {} : { revision },
  });
}

export async function revisions(service: string, signal?: AbortSignal): Promise<Revision[]> {
  const r = await api<{ revisions: Revision[] }>(`/api/v1/services/${seg(service)}/revisions`, {
    ...plain,
    ...(signal ? { signal } : {}),
  });
  return r.revisions;
}

export async function services(signal?: AbortSignal): Promise<ServiceStatus[]> {
  const r = await api<{ services: ServiceStatus[] }>("/api/v1/status", {
    ...plain,
    ...(signal ? { signal } : {}),
  });
  return r.services;
}

export async function instances(service: string, signal?: AbortSignal): Promise<Instance[]> {
  const r = await api<{ instances: Instance[] }>("/api/v1/instances", {
    ...plain,
    query: { service },
    ...(signal ? { signal } : {}),
  });
  return r.instances;
}

export function dora(signal?: AbortSignal): Promise<Dora> {
  return api<Dora>("/api/v1/dora", { ...plain, ...(signal ? { signal } : {}) });
}
