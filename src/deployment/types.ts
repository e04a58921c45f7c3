// The deployment engine's vocabulary: a release (a service spec at one revision), what the engine
// needs from its host (front doors, analysis runner, gate waiter) and what it answers. A leaf
// module: the engine's parts and the rollout import it, it imports none of them (types only).
import type { Logger } from "pino";
import type { AnalysisRef, AnalysisTemplate, Strategy } from "../config/deploy-schema.js";
import type { LineSpec, ServiceSpec } from "../config/line-schema.js";
import type { EventBus } from "../events/bus.js";
import type { Runtime } from "../runtime/types.js";
import type { DeploymentRepository } from "../store/deployments.js";
import type { Revision, RevisionRepository } from "../store/revisions.js";

/** A service spec as stored in a revision: the line.yaml entry with its working directory made absolute. */
export type StoredServiceSpec = ServiceSpec & { cwd: string };

/** One revision of a service together with the spec it records: what runs, or is to run. */
export type Release = { spec: StoredServiceSpec; revision: Revision };

/** The release a stored revision records (revisions store specs as the engine recorded them). */
export function releaseOf(revision: Revision): Release {
  return { spec: revision.spec as StoredServiceSpec, revision };
}

/** The stable per-service address that clients use (runtime/router implements it). */
export interface FrontDoors {
  listen(service: string, port?: number): Promise<{ host: string; port: number; url: string }>;
  setBackends(
    service: string,
    backends: {
      instanceId: string;
      host: string;
      port: number;
      station?: string;
      group?: string;
      revision?: string;
    }[],
  ): void;
  addressOf(service: string): { url: string } | undefined;
  /** Share of traffic per backend group, summing to 100 (routers without weights ignore groups). */
  setWeights?(service: string, weights: Record<string, number>): void;
  /** Takes the instance out of rotation and waits for its in-flight requests, up to timeoutMs. */
  drain?(instanceId: string, timeoutMs: number): Promise<unknown>;
  /** Keeps a client (by header or cookie) on the same revision group during a canary. */
  setStickiness?(service: string, stickiness: { header?: string; cookie?: string } | undefined): void;
  /** Resolves once every change made so far is in effect (a router in another process applies them later). */
  flush?(): Promise<void>;
}

/** Which router group each revision's instances are in, and the share of traffic per group. */
export type Traffic = { groups: Record<string, string>; weights: Record<string, number> };

export type AnalysisVerdict = {
  phase: "Successful" | "Failed" | "Inconclusive" | "Error" | "Cancelled";
  message: string;
};

/** Runs one analysis (templates + args) to a verdict; provided by deployment/analysis. */
export type AnalysisRunner = (
  templates: AnalysisTemplate[],
  ref: AnalysisRef,
  args: Record<string, string>,
  signal: AbortSignal,
  /** Each measurement: its one-line form and the measurement itself (queries, values, stats). */
  onProgress: (msg: string, measurement?: unknown) => void,
  extra?: { background?: boolean },
) => Promise<AnalysisVerdict>;

/** Waits until the service's deploy windows and state gates allow a deployment. */
export type GateWaiter = (
  service: string,
  gates: LineSpec["gates"][],
  signal: AbortSignal,
  onWaiting: (reasons: string[]) => void,
  override: AbortSignal,
) => Promise<"open" | "timeout" | "overridden" | "cancelled">;

/** Where each service's front door listens: allocated once, kept in the store across restarts. */
export interface FrontDoorPorts {
  /** The port declared in line.yaml wins (and is kept); else the kept one; else a new one, kept. */
  portFor(service: string, declared?: number): Promise<number>;
  /** Forgets the service's port (it left the line). */
  remove(service: string): unknown;
}

export type DeploymentEngineOptions = {
  runtime: Runtime;
  /** Without it a front door listens on its declared port or any free one (tests). */
  frontDoorPorts?: FrontDoorPorts;
  deployments: DeploymentRepository;
  analysis?: AnalysisRunner;
  gates?: GateWaiter;
  frontDoors: FrontDoors;
  revisions: RevisionRepository;
  bus: EventBus;
  logger: Logger;
  stopTimeoutMs: number;
  readyTimeoutMs: number;
  /** The configured line.yaml: reloadLine re-reads it; relative `cwd`s resolve from its directory. */
  lineFile?: string;
};

export type ServiceStatus = {
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
  /** Why the service could not be started (e.g. its front door's port is held by another process). */
  error?: string;
};

export type ApplyResult = {
  line: string;
  order: string[][];
  services: {
    name: string;
    revision: string;
    number: number;
    created: boolean;
    deployment?: string;
    phase?: string;
  }[];
  /** Set when a deployment of the plan failed: the plan halted and earlier ones were rolled back. */
  failed?: string;
};

export type PlanPreview = {
  order: string[][];
  services: {
    name: string;
    action: "create" | "deploy";
    fromVersion: string | undefined;
    toVersion: string;
    strategy: string;
    diff: { path: string; from: unknown; to: unknown }[];
  }[];
  removed: string[];
};

export type DeployRequest = {
  service: string;
  version?: string;
  /** Deploy an existing revision (hash or number) instead of a new version. */
  revision?: string;
  strategy?: Strategy;
  by: string;
  planId?: string;
};
