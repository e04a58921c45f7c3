import { describe, expect, it } from "vitest";
import { bucketOf, bucketStart, CPU_BUCKETS, MEMORY_BUCKETS } from "./histogram.js";
import {
  AggregateUsage,
  confidenceDays,
  confidenceMultiplier,
  estimate,
  MIN_CPU_CORES,
  MIN_MEMORY_BYTES,
  SAFETY_MARGIN,
  verdict,
} from "./recommender.js";

const MIN = 60_000;
const DAY = 24 * 3600_000;
const T0 = 1000 * DAY;
const endOfBucket = (s: typeof CPU_BUCKETS, v: number) => bucketStart(s, bucketOf(s, v) + 1);

/** One sample a minute of `f(minute)` cores for `days` days. */
function cpuSeries(days: number, f: (i: number) => number, request = 0): AggregateUsage {
  const u = new AggregateUsage();
  for (let i = 0; i < days * 1440; i++) {
    u.addCpu(T0 + i * MIN, f(i), request);
  }
  return u;
}

describe("confidence", () => {
  it("is the history in days for one sample a minute, the smaller of span and count otherwise", () => {
    expect(confidenceDays(cpuSeries(1, () => 0.5))).toBeCloseTo(1, 2);
    const sparse = new AggregateUsage();
    sparse.addCpu(T0, 0.5);
    sparse.addCpu(T0 + 2 * DAY, 0.5);
    // Two days apart, but two samples are worth 2/1440 of a day.
    expect(confidenceDays(sparse)).toBeCloseTo(2 / 1440, 6);
    // At a 5-minute step each sample stands for five.
    expect(confidenceDays(sparse, 5 * MIN)).toBeCloseTo(10 / 1440, 6);
    expect(confidenceDays(new AggregateUsage())).toBe(0);
  });

  it("widens the bounds as the VPA documents: upper ×3 at 12 h, ×2 at 24 h, ×1.14 at a week", () => {
    expect(confidenceMultiplier(1, 1, 0.5)).toBeCloseTo(3, 12);
    expect(confidenceMultiplier(1, 1, 1)).toBeCloseTo(2, 12);
    expect(confidenceMultiplier(1, 1, 7)).toBeCloseTo(1.14, 2);
  });

  it("shrinks the lower bound as the VPA documents: ×0.6 at 5 min, ×0.9 at 30 min, ×0.95 at 60 min", () => {
    expect(confidenceMultiplier(0.001, -2, 5 / 1440)).toBeCloseTo(0.6, 1);
    expect(confidenceMultiplier(0.001, -2, 30 / 1440)).toBeCloseTo(0.91, 2);
    expect(confidenceMultiplier(0.001, -2, 60 / 1440)).toBeCloseTo(0.95, 2);
  });
});

describe("estimate", () => {
  it("on a steady 0.5 cores for 8 days: p90 +15 % target, bounds scaled by confidence", () => {
    const u = cpuSeries(8, () => 0.5, 0.5);
    const e = estimate(u);
    const base = endOfBucket(CPU_BUCKETS, 0.5) * (1 + SAFETY_MARGIN);
    expect(e.confidenceDays).toBeCloseTo(8, 2);
    expect(e.target.cpuCores).toBeCloseTo(base, 12);
    expect(e.lowerBound.cpuCores).toBeCloseTo(base * (1 + 0.001 / e.confidenceDays) ** -2, 12);
    expect(e.upperBound.cpuCores).toBeCloseTo(base * (1 + 1 / e.confidenceDays), 12);
  });

  it("targets the 90th percentile, bounds at the 50th and 95th, of a known distribution", () => {
    // Minute i uses (i mod 100 + 1)/100 cores: 0.01 … 1.00 evenly, for one day at one weight.
    const u = cpuSeries(1, (i) => ((i % 100) + 1) / 100);
    const e = estimate(u);
    const m = 1 + SAFETY_MARGIN;
    expect(e.target.cpuCores).toBeCloseTo(endOfBucket(CPU_BUCKETS, 0.9) * m, 2);
    expect(e.lowerBound.cpuCores / confidenceMultiplier(0.001, -2, e.confidenceDays)).toBeCloseTo(
      endOfBucket(CPU_BUCKETS, 0.5) * m,
      2,
    );
    expect(e.upperBound.cpuCores / confidenceMultiplier(1, 1, e.confidenceDays)).toBeCloseTo(
      endOfBucket(CPU_BUCKETS, 0.95) * m,
      2,
    );
  });

  it("takes memory from per-interval peaks, not from the average", () => {
    const u = cpuSeries(4, () => 0.2);
    // Each instance's daily peak: 400 MB on three days, 900 MB on one; usage mostly far lower.
    for (const [day, peak] of [
      [0, 400e6],
      [1, 400e6],
      [2, 400e6],
      [3, 900e6],
    ] as const) {
      u.addMemoryPeak(T0 + day * DAY, peak);
    }
    const e = estimate(u);
    // p90 of the decayed peaks: the newest (900 MB) weighs 8 of 15, so p50 and up land on it.
    expect(e.target.memoryBytes).toBeCloseTo(endOfBucket(MEMORY_BUCKETS, 900e6) * 1.15, 0);
    expect(e.lowerBound.memoryBytes / confidenceMultiplier(0.001, -2, e.confidenceDays)).toBeCloseTo(
      endOfBucket(MEMORY_BUCKETS, 900e6) * 1.15,
      0,
    );
  });

  it("weights CPU samples by the request at the time, at least 0.1 core", () => {
    const u = new AggregateUsage();
    // Nine samples of 0.1 cores under a 0 request (weight 0.1 each), one of 2 cores under 4 cores (weight 4).
    for (let i = 0; i < 9; i++) {
      u.addCpu(T0 + i * MIN, 0.1, 0);
    }
    u.addCpu(T0 + 9 * MIN, 2, 4);
    expect(u.cpu.histogram.totalWeight).toBeCloseTo(0.9 * 2 ** (-0 / DAY) + 4 * 2 ** ((9 * MIN) / DAY), 1);
    expect(u.cpu.percentile(0.5)).toBeGreaterThan(2);
  });

  it("never recommends below 25 millicores and 250 MiB", () => {
    const u = cpuSeries(2, () => 0.001);
    u.addMemoryPeak(T0, 1e6);
    const e = estimate(u);
    expect(e.target).toEqual({ cpuCores: MIN_CPU_CORES, memoryBytes: MIN_MEMORY_BYTES });
    expect(e.lowerBound).toEqual({ cpuCores: MIN_CPU_CORES, memoryBytes: MIN_MEMORY_BYTES });
  });
});

describe("verdict", () => {
  it("calls a request below the lower bound under-provisioned and above the upper bound over-provisioned", () => {
    expect(verdict(0.1, 0.2, 0.5, true)).toBe("under-provisioned");
    expect(verdict(1, 0.2, 0.5, true)).toBe("over-provisioned");
    expect(verdict(0.3, 0.2, 0.5, true)).toBe("ok");
    expect(verdict(0.2, 0.2, 0.5, true)).toBe("ok");
    expect(verdict(undefined, 0.2, 0.5, true)).toBe("undeclared");
    expect(verdict(1, 0.2, 0.5, false)).toBe("no-data");
  });
});
