// The HPA's behavior (kubernetes pkg/controller/podautoscaler/horizontal.go) as pure functions over
// an explicit per-service history: stabilization (stabilizeRecommendationWithBehaviors), rate
// policies (convertDesiredReplicasWithBehaviorRate and the scale-up/-down limits) and the record of
// scale events those limits look back on (storeScaleEvent).
import type { ScalingRules } from "../../config/autoscaling-schema.js";

export type Policy = { type: "Pods" | "Percent"; value: number; periodMs: number };
export type Rules = {
  stabilizationWindowMs: number;
  selectPolicy: "Max" | "Min" | "Disabled";
  policies: Policy[];
};
export type Behavior = { scaleUp: Rules; scaleDown: Rules };

/** SetDefaults_HorizontalPodAutoscalerBehavior: up at once (4 pods or 100 % per 15 s), down after 300 s. */
export const DEFAULT_BEHAVIOR: Behavior = {
  scaleUp: {
    stabilizationWindowMs: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodMs: 15_000 },
      { type: "Percent", value: 100, periodMs: 15_000 },
    ],
  },
  scaleDown: {
    stabilizationWindowMs: 300_000,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 100, periodMs: 15_000 }],
  },
};

/** A service's declared behavior with the HPA's defaults for whatever it leaves out. */
export function behaviorOf(b: { scaleUp?: ScalingRules; scaleDown?: ScalingRules } | undefined): Behavior {
  const rules = (r: ScalingRules | undefined, d: Rules): Rules => ({
    stabilizationWindowMs: r?.stabilizationWindow ?? d.stabilizationWindowMs,
    selectPolicy: r?.selectPolicy ?? d.selectPolicy,
    policies: r?.policies?.map((p) => ({ type: p.type, value: p.value, periodMs: p.period })) ?? d.policies,
  });
  return {
    scaleUp: rules(b?.scaleUp, DEFAULT_BEHAVIOR.scaleUp),
    scaleDown: rules(b?.scaleDown, DEFAULT_BEHAVIOR.scaleDown),
  };
}

type Recommendation = { replicas: number; at: number };
type ScaleEvent = { change: number; at: number; outdated: boolean };

/** What the HPA remembers per autoscaler: past recommendations and past scale events. */
export class ScalingHistory {
  readonly recommendations: Recommendation[] = [];
  readonly scaleUpEvents: ScaleEvent[] = [];
  readonly scaleDownEvents: ScaleEvent[] = [];
}

export type NormalizeArgs = {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: Behavior;
  now: number;
};

export type Normalized = {
  replicas: number;
  /** The stabilized recommendation, before the rate policies. */
  stabilized: number;
  /** ScaleUpStabilized / ScaleDownStabilized / ReadyForNewScale, then ScaleUpLimit, TooManyReplicas, … */
  stabilization: string;
  limit: string;
};

/**
 * stabilizeRecommendationWithBehaviors: the recommendation stays between the lowest of the
 * scale-up window and the highest of the scale-down window, anchored at the current count; the raw
 * recommendation is recorded (reusing a slot older than both windows).
 */
export function stabilize(history: ScalingHistory, a: NormalizeArgs): number {
  const upCutoff = a.now - a.behavior.scaleUp.stabilizationWindowMs;
  const downCutoff = a.now - a.behavior.scaleDown.stabilizationWindowMs;
  let up = a.desiredReplicas;
  let down = a.desiredReplicas;
  let oldIndex = -1;
  history.recommendations.forEach((rec, i) => {
    if (rec.at > upCutoff) {
      up = Math.min(rec.replicas, up);
    }
    if (rec.at > downCutoff) {
      down = Math.max(rec.replicas, down);
    }
    if (rec.at < upCutoff && rec.at < downCutoff) {
      oldIndex = i;
    }
  });
  let recommendation = a.currentReplicas;
  if (recommendation < up) {
    recommendation = up;
  }
  if (recommendation > down) {
    recommendation = down;
  }
  const sample = { replicas: a.desiredReplicas, at: a.now };
  if (oldIndex >= 0) {
    history.recommendations[oldIndex] = sample;
  } else {
    history.recommendations.push(sample);
  }
  return recommendation;
}

/** getReplicasChangePerPeriod: instances added (or removed) in the period ending now. */
function changeInPeriod(periodMs: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodMs;
  return events.reduce((sum, e) => (e.at > cutoff ? sum + e.change : sum), 0);
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, history: ScalingHistory, rules: Rules, now: number): number {
  if (rules.selectPolicy === "Disabled") {
    return current;
  }
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start =
      current -
      changeInPeriod(p.periodMs, history.scaleUpEvents, now) +
      changeInPeriod(p.periodMs, history.scaleDownEvents, now);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors (Percent truncates, as the Go int32 conversion does). */
export function scaleDownLimit(current: number, history: ScalingHistory, rules: Rules, now: number): number {
  if (rules.selectPolicy === "Disabled") {
    return current;
  }
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start =
      current -
      changeInPeriod(p.periodMs, history.scaleUpEvents, now) +
      changeInPeriod(p.periodMs, history.scaleDownEvents, now);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithBehaviorRate: the count the rate policies and min/max allow now. */
export function limitRate(history: ScalingHistory, a: NormalizeArgs): { replicas: number; limit: string } {
  if (a.desiredReplicas > a.currentReplicas) {
    const limit = Math.max(
      scaleUpLimit(a.currentReplicas, history, a.behavior.scaleUp, a.now),
      a.currentReplicas,
    );
    const allowed = Math.min(a.maxReplicas, limit);
    const why = a.maxReplicas > limit ? "ScaleUpLimit" : "TooManyReplicas";
    return a.desiredReplicas > allowed
      ? { replicas: allowed, limit: why }
      : { replicas: a.desiredReplicas, limit: "DesiredWithinRange" };
  }
  if (a.desiredReplicas < a.currentReplicas) {
    const limit = Math.min(
      scaleDownLimit(a.currentReplicas, history, a.behavior.scaleDown, a.now),
      a.currentReplicas,
    );
    const allowed = Math.max(a.minReplicas, limit);
    const why = a.minReplicas < limit ? "ScaleDownLimit" : "TooFewReplicas";
    return a.desiredReplicas < allowed
      ? { replicas: allowed, limit: why }
      : { replicas: a.desiredReplicas, limit: "DesiredWithinRange" };
  }
  return { replicas: a.desiredReplicas, limit: "DesiredWithinRange" };
}

/** normalizeDesiredReplicasWithBehaviors: stabilize, then apply the rate policies and bounds. */
export function normalize(history: ScalingHistory, a: NormalizeArgs): Normalized {
  const stabilized = stabilize(history, a);
  const stabilization =
    stabilized === a.desiredReplicas
      ? "ReadyForNewScale"
      : stabilized < a.desiredReplicas
        ? "ScaleUpStabilized"
        : "ScaleDownStabilized";
  const { replicas, limit } = limitRate(history, { ...a, desiredReplicas: stabilized });
  return { replicas, stabilized, stabilization, limit };
}

/**
 * storeScaleEvent: remembers a scale for the rate policies, reusing a slot older than the longest
 * policy period of that direction.
 */
export function recordScale(
  history: ScalingHistory,
  behavior: Behavior,
  from: number,
  to: number,
  now: number,
): void {
  if (to === from) {
    return;
  }
  const up = to > from;
  const events = up ? history.scaleUpEvents : history.scaleDownEvents;
  const longest = Math.max(
    0,
    ...(up ? behavior.scaleUp : behavior.scaleDown).policies.map((p) => p.periodMs),
  );
  for (const e of events) {
    if (e.at <= now - longest) {
      e.outdated = true;
    }
  }
  const event = { change: Math.abs(to - from), at: now, outdated: false };
  const slot = events.findIndex((e) => e.outdated);
  if (slot >= 0) {
    events[slot] = event;
  } else {
    events.push(event);
  }
}
