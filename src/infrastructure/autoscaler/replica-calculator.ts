// The HPA's replica calculator (kubernetes pkg/controller/podautoscaler/replica_calculator.go) as
// pure functions: one metric's desired instance count from per-instance readings, with the HPA's
// tolerance, its handling of instances that have no metric (missing) or are not ready yet, and the
// rule that a metric that cannot be read never lets the autoscaler scale down.

/** One instance as the calculator sees it: its readiness, its reading (if any) and its request. */
export type InstanceReading = {
  id: string;
  /** pending: not started yet (no process); running; ignored: stopping or failed (left out entirely). */
  phase: "pending" | "running" | "ignored";
  ready: boolean;
  /** When the instance started and when it last became ready (ms), for the CPU initialisation rules. */
  startedAt?: number;
  readySince?: number;
  /** The metric's per-instance value; undefined when the instance has none (a missing metric). */
  value?: number;
  /** When the value was measured (ms); the CPU rule ignores samples from before readiness. */
  valueAt?: number;
  /** The instance's request of the resource (resource utilisation only). */
  request?: number;
};

/** The HPA's defaults (kube-controller-manager flags). */
export const HPA_DEFAULTS = {
  tolerance: 0.1,
  /** --horizontal-pod-autoscaler-cpu-initialization-period */
  cpuInitializationPeriodMs: 5 * 60_000,
  /** --horizontal-pod-autoscaler-initial-readiness-delay */
  initialReadinessDelayMs: 30_000,
} as const;

export type MetricTarget =
  /** Utilisation in percent of each instance's request (the HPA's Utilization target). */
  | { kind: "utilization"; percent: number; cpu: boolean }
  /** An average value per instance (the HPA's AverageValue target on a Pods metric). */
  | { kind: "averageValue"; value: number; cpu: boolean };

export type CalculatorInput = {
  currentReplicas: number;
  target: MetricTarget;
  instances: readonly InstanceReading[];
  tolerance: number;
  now: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  /** How far back a CPU rate looks (its range), for "sample taken before the instance was ready". */
  metricWindowMs?: number;
};

export type Proposal =
  | {
      ok: true;
      replicas: number;
      /** Observed value / target before missing and unready instances were filled in. */
      usageRatio: number;
      /** The observed average (percent of request for utilisation, the value otherwise). */
      observed: number;
      readyCount: number;
      missing: number;
      unready: number;
      /** Why this count: "within tolerance", "ratio", "direction change prevented", … */
      why: string;
    }
  | { ok: false; error: string };

/**
 * Sorts instances as groupPods does: ignored ones are dropped; pending ones and (for CPU) ones not
 * ready yet are unready; instances without a reading are missing; the rest are ready.
 */
export function groupInstances(input: CalculatorInput): {
  ready: InstanceReading[];
  unready: InstanceReading[];
  missing: InstanceReading[];
} {
  const initMs = input.cpuInitializationPeriodMs ?? HPA_DEFAULTS.cpuInitializationPeriodMs;
  const delayMs = input.initialReadinessDelayMs ?? HPA_DEFAULTS.initialReadinessDelayMs;
  const windowMs = input.metricWindowMs ?? 60_000;
  const ready: InstanceReading[] = [];
  const unready: InstanceReading[] = [];
  const missing: InstanceReading[] = [];
  for (const i of input.instances) {
    if (i.phase === "ignored") {
      continue;
    }
    if (i.phase === "pending") {
      unready.push(i); // checked before the metric, as groupPods does
      continue;
    }
    if (i.value === undefined) {
      missing.push(i);
      continue;
    }
    if (input.target.cpu) {
      const started = i.startedAt ?? 0;
      let isUnready: boolean;
      if (started + initMs > input.now) {
        // Young instance: unready until ready, and its CPU sample must be from after readiness
        // (start-up burns CPU that says nothing about load).
        isUnready =
          !i.ready ||
          (i.readySince !== undefined && i.valueAt !== undefined && i.valueAt < i.readySince + windowMs);
      } else {
        // Older: unready only if it has not become ready since it started (within the readiness delay).
        isUnready = !i.ready && (i.readySince === undefined || started + delayMs > i.readySince);
      }
      if (isUnready) {
        unready.push(i);
        continue;
      }
    }
    ready.push(i);
  }
  return { ready, unready, missing };
}

/** Usage ratio and observed average over the readings given (values already chosen). */
function ratioOf(
  target: MetricTarget,
  readings: readonly { value: number; request?: number | undefined }[],
): { ratio: number; observed: number } | { error: string } {
  if (target.kind === "utilization") {
    let used = 0;
    let requested = 0;
    for (const r of readings) {
      if (r.request === undefined || r.request <= 0) {
        return { error: "an instance has no request of the resource (resources.cpu / resources.memory)" };
      }
      used += r.value;
      requested += r.request;
    }
    const observed = (used * 100) / requested;
    return { ratio: observed / target.percent, observed };
  }
  const sum = readings.reduce((s, r) => s + r.value, 0);
  const observed = sum / readings.length;
  return { ratio: observed / target.value, observed };
}

/** The desired count for one metric: GetResourceReplicas / calcPlainMetricReplicas. */
export function replicasForMetric(input: CalculatorInput): Proposal {
  const { target, tolerance, currentReplicas } = input;
  if (input.instances.filter((i) => i.phase !== "ignored").length === 0) {
    return { ok: false, error: "no instances to measure" };
  }
  const { ready, unready, missing } = groupInstances(input);
  if (ready.length === 0) {
    return { ok: false, error: "no metrics for any ready instance" };
  }
  const measured = ready.map((i) => ({ value: i.value as number, request: i.request }));
  const first = ratioOf(target, measured);
  if ("error" in first) {
    return { ok: false, error: first.error };
  }
  const usageRatio = first.ratio;
  const base = {
    ok: true as const,
    usageRatio,
    observed: first.observed,
    readyCount: ready.length,
    missing: missing.length,
    unready: unready.length,
  };
  const within = (r: number) => Math.abs(1 - r) <= tolerance;
  const rebalanceUnready = unready.length > 0 && usageRatio > 1;
  if (!rebalanceUnready && missing.length === 0) {
    if (within(usageRatio)) {
      return { ...base, replicas: currentReplicas, why: "within tolerance" };
    }
    return { ...base, replicas: Math.ceil(usageRatio * ready.length), why: "ratio" };
  }
  // Missing instances count conservatively: on a scale-down as if at the target (resource: at
  // max(100 %, target) of their request), on a scale-up as idle; unready ones as idle on a scale-up.
  const filled: { value: number; request?: number | undefined }[] = [...measured];
  if (missing.length > 0 && usageRatio !== 1) {
    for (const m of missing) {
      if (usageRatio < 1) {
        filled.push(
          target.kind === "utilization"
            ? { value: ((m.request ?? 0) * Math.max(100, target.percent)) / 100, request: m.request }
            : { value: target.value },
        );
      } else {
        filled.push({ value: 0, request: m.request });
      }
    }
  }
  if (rebalanceUnready) {
    for (const u of unready) {
      filled.push({ value: 0, request: u.request });
    }
  }
  const second = ratioOf(target, filled);
  if ("error" in second) {
    return { ok: false, error: second.error };
  }
  const newRatio = second.ratio;
  if (within(newRatio) || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return {
      ...base,
      replicas: currentReplicas,
      why: within(newRatio) ? "within tolerance" : "direction change prevented",
    };
  }
  const replicas = Math.ceil(newRatio * filled.length);
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) {
    return { ...base, replicas: currentReplicas, why: "direction change prevented" };
  }
  return { ...base, replicas, why: "ratio" };
}

/**
 * The count across metrics (computeReplicasForMetrics): the largest proposal. A metric that could
 * not be read blocks a scale-down (the autoscaler would shrink on partial data) but not a scale-up;
 * when none could be read there is no recommendation.
 */
export function replicasForMetrics(
  currentReplicas: number,
  proposals: readonly Proposal[],
): { replicas: number; metricIndex: number } | { error: string } {
  let best: { replicas: number; metricIndex: number } | undefined;
  const errors: string[] = [];
  proposals.forEach((p, i) => {
    if (!p.ok) {
      errors.push(p.error);
      return;
    }
    if (!best || p.replicas > best.replicas) {
      best = { replicas: p.replicas, metricIndex: i };
    }
  });
  if (!best) {
    return { error: `no metric could be read: ${errors.join("; ")}` };
  }
  if (errors.length > 0 && best.replicas < currentReplicas) {
    return { error: `not scaling down while a metric cannot be read: ${errors.join("; ")}` };
  }
  return best;
}
