// What the autoscaler needs of the services it scales, and what it records. The deployment engine
// implements ScaleTarget (main.ts passes it in): infrastructure never imports deployment.
import type { AutoscalingSpec } from "../../config/autoscaling-schema.js";
import type { StepReason } from "./decide.js";

/** The scale seam: instance count per service, apart from revisions and rollouts. */
export interface ScaleTarget {
  hasService(service: string): boolean;
  /** Services that declare an autoscaler, with their resource requests (for utilisation targets). */
  autoscaled(): {
    service: string;
    autoscaling: AutoscalingSpec;
    resources?: { cpu?: number | string; memory?: number | string };
  }[];
  /** Desired count, live and ready instances of the current revision, whether a rollout owns the count. */
  replicas(service: string): { desired: number; current: number; ready: number; rolling: boolean };
  /** Sets the count; resolves once reached (or deferred to the end of a rollout). */
  scale(
    service: string,
    replicas: number,
    by: string,
  ): Promise<{ from: number; replicas: number; deferred: boolean }>;
}

/** One metric's reading in a decision: what it observed against which target, and its proposal. */
export type MetricDecision = {
  metric: string;
  target: number;
  /** Percent of request (utilisation) or the per-instance average. */
  observed?: number;
  usageRatio?: number;
  proposal?: number;
  ready?: number;
  missing?: number;
  unready?: number;
  error?: string;
};

/** One autoscaler decision: its inputs, the recommendation, the count applied and why. */
export type AutoscalerDecision = {
  service: string;
  at: number;
  currentReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  metrics: MetricDecision[];
  /** The largest metric proposal, before stabilization and rate limits. */
  recommendation?: number;
  stabilized?: number;
  desiredReplicas: number;
  /** Whether a scale was started (the count changed). */
  applied: boolean;
  reason: StepReason;
  message: string;
};
