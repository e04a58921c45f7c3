// The HPA's algorithm against the Kubernetes documentation's worked examples
// (kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/ and its walkthrough) and the
// rules of replica_calculator.go / horizontal.go: tolerance, missing and not-ready instances,
// the maximum across metrics, stabilization and the behavior policies.
import { describe, expect, it } from "vitest";
import { behaviorOf, DEFAULT_BEHAVIOR, normalize, ScalingHistory, type Behavior } from "./behavior.js";
import { step } from "./decide.js";
import {
  replicasForMetric,
  replicasForMetrics,
  type InstanceReading,
  type MetricTarget,
} from "./replica-calculator.js";

const NOW = 10_000_000;
const OLD = NOW - 3_600_000; // started an hour ago: past the CPU initialisation period

const ready = (id: string, value: number | undefined, request?: number): InstanceReading => ({
  id,
  phase: "running",
  ready: true,
  startedAt: OLD,
  readySince: OLD + 1000,
  ...(value === undefined ? {} : { value, valueAt: NOW }),
  ...(request === undefined ? {} : { request }),
});

const average = (value: number): MetricTarget => ({ kind: "averageValue", value, cpu: false });
const cpuUtil = (percent: number): MetricTarget => ({ kind: "utilization", percent, cpu: true });

function replicas(target: MetricTarget, instances: InstanceReading[], currentReplicas = instances.length) {
  const p = replicasForMetric({ currentReplicas, target, instances, tolerance: 0.1, now: NOW });
  if (!p.ok) {
    throw new Error(p.error);
  }
  return p;
}

describe("replica calculator (docs: desiredReplicas = ceil[currentReplicas * currentMetricValue / desiredMetricValue])", () => {
  it("doubles at 200m against a 100m target and halves at 50m", () => {
    const two = [ready("a", 0.2), ready("b", 0.2)];
    expect(replicas(average(0.1), two).replicas).toBe(4);
    const four = ["a", "b", "c", "d"].map((id) => ready(id, 0.05));
    expect(replicas(average(0.1), four).replicas).toBe(2);
  });

  it("walkthrough: one php-apache pod at 305 % of its CPU request against a 50 % target -> 7", () => {
    const p = replicas(cpuUtil(50), [ready("php", 0.61, 0.2)]);
    expect(p.observed).toBeCloseTo(305);
    expect(p.replicas).toBe(7);
  });

  it("skips any change while the ratio is within the tolerance (0.1 by default)", () => {
    const three = ["a", "b", "c"].map((id) => ready(id, 108));
    expect(replicas(average(100), three).replicas).toBe(3); // ratio 1.08
    expect(
      replicas(
        average(100),
        ["a", "b", "c"].map((id) => ready(id, 111)),
      ).replicas,
    ).toBe(4); // 1.11
    const p = replicasForMetric({
      currentReplicas: 3,
      target: average(100),
      instances: three,
      tolerance: 0.05,
      now: NOW,
    });
    expect(p.ok && p.replicas).toBe(4); // a tighter tolerance acts on 1.08
  });

  it("a missing metric counts as the target on a scale-down: the count shrinks less", () => {
    // Ready: 2 at 50 of target 100 -> ratio 0.5; missing one counts as 100 -> (50+50+100)/3/100
    const p = replicas(average(100), [ready("a", 50), ready("b", 50), ready("c", undefined)]);
    expect(p.usageRatio).toBe(0.5);
    expect(p.missing).toBe(1);
    expect(p.replicas).toBe(2); // ceil(0.667 * 3) = 2, where the two readings alone would say 1
    // Resource utilisation: a missing instance counts as max(100 %, target) of its request.
    const r = replicas(cpuUtil(50), [
      ready("a", 0.05, 1),
      ready("b", 0.05, 1),
      ready("c", 0.05, 1),
      ready("d", undefined, 1),
    ]);
    expect(r.usageRatio).toBeCloseTo(0.1);
    // (0.15 + 1.0) / 4 cores = 28.75 % -> ratio 0.575 -> ceil(0.575 * 4) = 3
    expect(r.replicas).toBe(3);
  });

  it("a missing metric counts as 0 on a scale-up: the count grows less", () => {
    const p = replicas(average(100), [ready("a", 200), ready("b", 200), ready("c", undefined)]);
    // (200 + 200 + 0) / 3 = 133 -> ratio 1.33 -> ceil(1.33 * 3) = 4, where 3 at ratio 2 would say 6
    expect(p.replicas).toBe(4);
  });

  it("not-ready instances are set aside, and count as 0 on a scale-up (CPU)", () => {
    const starting: InstanceReading = {
      id: "c",
      phase: "running",
      ready: false,
      startedAt: NOW - 10_000,
      value: 0.9,
      valueAt: NOW,
      request: 1,
    };
    // Ready ones at 100 % of request, target 50 %: ratio 2; the unready one (its start-up burst of
    // 90 % left out) counts 0 -> (1 + 1 + 0) / 3 = 66.7 % -> ratio 1.33 -> ceil(1.33 * 3) = 4.
    const p = replicas(cpuUtil(50), [ready("a", 1, 1), ready("b", 1, 1), starting]);
    expect(p.unready).toBe(1);
    expect(p.replicas).toBe(4);
    // Scaling down: not-ready instances are simply left out.
    const down = replicas(cpuUtil(50), [ready("a", 0.1, 1), ready("b", 0.1, 1), starting]);
    expect(down.replicas).toBe(1); // ratio 0.2 over the 2 ready: ceil(0.2 * 2) = 1
    // A pending instance (not started) is unready for every metric.
    const pending: InstanceReading = { id: "p", phase: "pending", ready: false };
    // Ratio 3 on the ready one; the pending one counts 0: (300 + 0) / 2 = 150 -> ceil(1.5 * 2) = 3.
    expect(replicas(average(100), [ready("a", 300), pending]).replicas).toBe(3);
  });

  it("keeps the count when filling in would reverse the direction", () => {
    // Ratio 1.2 on the ready one; with a missing one at 0 the ratio drops to 0.6: no scale at all.
    const p = replicas(average(100), [ready("a", 120), ready("b", undefined)]);
    expect(p.replicas).toBe(2);
    expect(p.why).toBe("direction change prevented");
  });

  it("stopping and failed instances are ignored entirely", () => {
    const gone: InstanceReading = { id: "x", phase: "ignored", ready: false, value: 0 };
    expect(replicas(average(100), [ready("a", 200), gone], 2).replicas).toBe(2);
  });

  it("takes the largest proposal; an unreadable metric blocks only a scale-down", () => {
    const up = replicas(average(100), [ready("a", 300)]);
    const down = replicas(average(100), [ready("a", 10)]);
    expect(replicasForMetrics(1, [down, up])).toEqual({ replicas: 3, metricIndex: 1 });
    expect(replicasForMetrics(1, [{ ok: false, error: "no data" }, up])).toEqual({
      replicas: 3,
      metricIndex: 1,
    });
    expect(replicasForMetrics(2, [{ ok: false, error: "no data" }, down])).toMatchObject({
      error: expect.stringContaining("not scaling down"),
    });
    expect(replicasForMetrics(2, [{ ok: false, error: "no data" }])).toMatchObject({
      error: expect.stringContaining("no data"),
    });
  });

  it("refuses utilisation without a request, and an empty service", () => {
    expect(
      replicasForMetric({
        currentReplicas: 1,
        target: cpuUtil(50),
        instances: [ready("a", 1)],
        tolerance: 0.1,
        now: NOW,
      }),
    ).toMatchObject({
      ok: false,
      error: expect.stringContaining("request"),
    });
    expect(
      replicasForMetric({ currentReplicas: 0, target: average(1), instances: [], tolerance: 0.1, now: NOW }),
    ).toMatchObject({ ok: false });
  });
});

/** Runs the autoscaler every periodMs with a constant recommendation; returns the counts applied. */
function run(
  behavior: Behavior,
  from: number,
  recommendation: number,
  periodMs: number,
  steps: number,
  min = 1,
  max = 100,
) {
  const history = new ScalingHistory();
  let current = from;
  const counts: number[] = [];
  for (let k = 0; k < steps; k++) {
    const s = step(history, {
      currentReplicas: current,
      minReplicas: min,
      maxReplicas: max,
      behavior,
      recommendation: { replicas: recommendation },
      now: NOW + k * periodMs,
    });
    current = s.desiredReplicas;
    counts.push(current);
  }
  return counts;
}

describe("behavior (docs: scaling policies, stabilization window, default behavior)", () => {
  it("80 -> 10 with Pods 4/60 s and Percent 10/60 s (Max): 8 first, 10 % rounded up while above 40, then 4 at a time", () => {
    const behavior = behaviorOf({
      scaleDown: {
        stabilizationWindow: 0,
        selectPolicy: "Max",
        policies: [
          { type: "Pods", value: 4, period: 60_000 },
          { type: "Percent", value: 10, period: 60_000 },
        ],
      },
    });
    const counts = run(behavior, 80, 10, 60_000, 20);
    expect(counts.slice(0, 2)).toEqual([72, 64]); // 8 removed, then 7.2 rounded up to 8
    let prev = 80;
    for (const c of counts) {
      const removed = prev - c;
      if (prev > 10) {
        expect(removed).toBe(Math.min(prev - 10, Math.max(4, Math.ceil(prev * 0.1))));
      }
      prev = c;
    }
    expect(counts.at(-1)).toBe(10);
    // Inside one period only one step of change is allowed: a second pass 1 s later removes nothing.
    const history = new ScalingHistory();
    const first = step(history, {
      currentReplicas: 80,
      minReplicas: 1,
      maxReplicas: 100,
      behavior,
      recommendation: { replicas: 10 },
      now: NOW,
    });
    const again = step(history, {
      currentReplicas: first.desiredReplicas,
      minReplicas: 1,
      maxReplicas: 100,
      behavior,
      recommendation: { replicas: 10 },
      now: NOW + 1000,
    });
    expect([first.desiredReplicas, again.desiredReplicas]).toEqual([72, 72]);
    expect(again.reason).toBe("rate_limited");
  });

  it("selectPolicy Min picks the policy with the smallest change; Disabled forbids the direction", () => {
    const min = behaviorOf({
      scaleDown: {
        stabilizationWindow: 0,
        selectPolicy: "Min",
        policies: [
          { type: "Pods", value: 4, period: 60_000 },
          { type: "Percent", value: 10, period: 60_000 },
        ],
      },
    });
    expect(run(min, 80, 10, 60_000, 2)).toEqual([76, 72]);
    const disabled = behaviorOf({ scaleDown: { selectPolicy: "Disabled" } });
    expect(run(disabled, 8, 2, 60_000, 3)).toEqual([8, 8, 8]);
  });

  it("default scale-up: at most the larger of 4 instances or 100 % per 15 s", () => {
    expect(run(DEFAULT_BEHAVIOR, 1, 20, 15_000, 4)).toEqual([5, 10, 20, 20]);
    expect(run(DEFAULT_BEHAVIOR, 1, 20, 15_000, 3, 1, 8)).toEqual([5, 8, 8]); // never above max
  });

  it("scale-down waits for the stabilization window (default 300 s): the highest recommendation in it wins", () => {
    const history = new ScalingHistory();
    const at = (k: number) => NOW + k * 15_000;
    const args = (current: number, desired: number, k: number) => ({
      currentReplicas: current,
      desiredReplicas: desired,
      minReplicas: 1,
      maxReplicas: 10,
      behavior: DEFAULT_BEHAVIOR,
      now: at(k),
    });
    expect(normalize(history, args(5, 5, 0)).replicas).toBe(5);
    expect(normalize(history, args(5, 2, 1)).replicas).toBe(5); // 5 recommended 15 s ago
    expect(normalize(history, args(5, 3, 10)).replicas).toBe(5);
    // 300 s after the recommendation of 5 it falls out of the window: the highest left is 3.
    expect(normalize(history, args(5, 2, 21)).replicas).toBe(3);
    // Oscillation between 4 and 6 never scales down within the window: no flapping.
    const flap = new ScalingHistory();
    let current = 6;
    let events = 0;
    for (let k = 0; k < 40; k++) {
      const s = step(flap, {
        currentReplicas: current,
        minReplicas: 1,
        maxReplicas: 10,
        behavior: DEFAULT_BEHAVIOR,
        recommendation: { replicas: k % 2 === 0 ? 6 : 4 },
        now: at(k),
      });
      events += s.desiredReplicas === current ? 0 : 1;
      current = s.desiredReplicas;
    }
    expect(events).toBe(0);
  });

  it("bounds come first: above max is cut to max, below min raised to min, scaled to 0 by hand stays", () => {
    const s = (current: number) =>
      step(new ScalingHistory(), {
        currentReplicas: current,
        minReplicas: 2,
        maxReplicas: 5,
        behavior: DEFAULT_BEHAVIOR,
        recommendation: { replicas: 3 },
        now: NOW,
      });
    expect(s(9)).toMatchObject({ desiredReplicas: 5, reason: "above_max" });
    expect(s(1)).toMatchObject({ desiredReplicas: 2, reason: "below_min" });
    expect(s(0)).toMatchObject({ desiredReplicas: 0, reason: "scaled_to_zero" });
    const noMetrics = step(new ScalingHistory(), {
      currentReplicas: 3,
      minReplicas: 2,
      maxReplicas: 5,
      behavior: DEFAULT_BEHAVIOR,
      recommendation: { error: "no data" },
      now: NOW,
    });
    expect(noMetrics).toMatchObject({ desiredReplicas: 3, reason: "metrics_unavailable" });
  });
});
