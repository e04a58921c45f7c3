// One autoscaler step for one service (the HPA's reconcileAutoscaler after the metrics are in):
// bounds first, then the metrics' recommendation, stabilized and rate-limited by the behavior.
import { normalize, recordScale, type Behavior, type ScalingHistory } from "./behavior.js";

export type StepInput = {
  currentReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: Behavior;
  /** The metrics' recommendation (replicasForMetrics), or why there is none. */
  recommendation: { replicas: number } | { error: string };
  now: number;
};

export type Step = {
  /** The count to run: equal to currentReplicas when nothing changes. */
  desiredReplicas: number;
  /** The metrics' recommendation before stabilization and rate limits (undefined on an error). */
  recommendation?: number;
  stabilized?: number;
  /** A stable code for metrics and alerts: see REASONS. */
  reason: StepReason;
  message: string;
};

export const REASONS = [
  "scale_up",
  "scale_down",
  "no_change",
  "above_max",
  "below_min",
  "stabilized",
  "rate_limited",
  "metrics_unavailable",
  "scaled_to_zero",
  "rollout_in_progress",
  "scale_failed",
] as const;
export type StepReason = (typeof REASONS)[number];

/**
 * Decides the count and records the scale in `history` (for the rate policies) when it changes.
 * A service scaled to 0 by hand is left alone, as the HPA leaves a target scaled to 0.
 */
export function step(history: ScalingHistory, s: StepInput): Step {
  const current = s.currentReplicas;
  let out: Step;
  if (current === 0 && s.minReplicas > 0) {
    out = {
      desiredReplicas: 0,
      reason: "scaled_to_zero",
      message: "scaled to 0 by hand: autoscaling is paused until scaled up",
    };
  } else if (current > s.maxReplicas) {
    out = {
      desiredReplicas: s.maxReplicas,
      reason: "above_max",
      message: `current ${current} above maxReplicas ${s.maxReplicas}`,
    };
  } else if (current < s.minReplicas) {
    out = {
      desiredReplicas: s.minReplicas,
      reason: "below_min",
      message: `current ${current} below minReplicas ${s.minReplicas}`,
    };
  } else if ("error" in s.recommendation) {
    out = { desiredReplicas: current, reason: "metrics_unavailable", message: s.recommendation.error };
  } else {
    const recommendation = s.recommendation.replicas;
    const n = normalize(history, {
      currentReplicas: current,
      desiredReplicas: recommendation,
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      behavior: s.behavior,
      now: s.now,
    });
    const reason: StepReason =
      n.replicas > current
        ? "scale_up"
        : n.replicas < current
          ? "scale_down"
          : n.stabilized !== recommendation
            ? "stabilized"
            : n.limit !== "DesiredWithinRange"
              ? "rate_limited"
              : "no_change";
    const limited = n.limit === "DesiredWithinRange" ? "" : ` (${n.limit})`;
    out = {
      desiredReplicas: n.replicas,
      recommendation,
      stabilized: n.stabilized,
      reason,
      message: `recommended ${recommendation}, stabilized ${n.stabilized} (${n.stabilization}), applied ${n.replicas}${limited}`,
    };
  }
  if (out.desiredReplicas !== current) {
    recordScale(history, s.behavior, current, out.desiredReplicas, s.now);
  }
  return out;
}
