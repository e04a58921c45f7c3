import { describe, expect, it } from "vitest";
import {
  bucketOf,
  bucketStart,
  CPU_BUCKETS,
  DECAY_HALF_LIFE_MS,
  DecayingHistogram,
  exponentialBuckets,
  Histogram,
  MEMORY_BUCKETS,
} from "./histogram.js";

const DAY = 24 * 3600_000;
const T0 = 1000 * DAY; // a whole number of half-lives: the reference time is exactly T0

describe("exponential buckets", () => {
  it("start at 0, then first·(ratioⁱ − 1)/(ratio − 1), 5 % wider each", () => {
    expect(bucketStart(CPU_BUCKETS, 0)).toBe(0);
    expect(bucketStart(CPU_BUCKETS, 1)).toBeCloseTo(0.01, 12);
    expect(bucketStart(CPU_BUCKETS, 2)).toBeCloseTo(0.01 + 0.0105, 12);
    expect(bucketStart(MEMORY_BUCKETS, 1)).toBeCloseTo(1e7, 0);
    // Every value falls into the bucket whose range holds it.
    for (const v of [0.015, 0.3, 1, 7.5, 999]) {
      const b = bucketOf(CPU_BUCKETS, v);
      expect(bucketStart(CPU_BUCKETS, b)).toBeLessThanOrEqual(v * (1 + 1e-12));
      expect(bucketStart(CPU_BUCKETS, b + 1)).toBeGreaterThan(v);
    }
  });

  it("put values below the first boundary, negatives and NaN in bucket 0 and huge ones in the last", () => {
    expect(bucketOf(CPU_BUCKETS, 0.005)).toBe(0);
    expect(bucketOf(CPU_BUCKETS, -1)).toBe(0);
    expect(bucketOf(CPU_BUCKETS, NaN)).toBe(0);
    expect(bucketOf(CPU_BUCKETS, 1e9)).toBe(CPU_BUCKETS.numBuckets - 1);
    // The last bucket starts at or beyond maxValue (1000 cores).
    expect(bucketStart(CPU_BUCKETS, CPU_BUCKETS.numBuckets - 1)).toBeGreaterThanOrEqual(1000);
  });

  it("refuse a scheme that cannot grow", () => {
    expect(() => exponentialBuckets(10, 1, 1)).toThrow(/ratio/);
    expect(() => exponentialBuckets(0, 1)).toThrow(/maxValue/);
  });
});

describe("histogram percentiles", () => {
  it("are 0 when empty", () => {
    expect(new Histogram(CPU_BUCKETS).percentile(0.9)).toBe(0);
  });

  it("answer the end of the bucket the percentile falls in, for a known distribution", () => {
    const h = new Histogram(CPU_BUCKETS);
    // 0.01, 0.02, ..., 1.00 cores, equal weights: the p-th percentile is the sample at rank p·100.
    for (let i = 1; i <= 100; i++) {
      h.add(i / 100, 1);
    }
    for (const [p, sample] of [
      [0.5, 0.5],
      [0.9, 0.9],
      [0.95, 0.95],
    ] as const) {
      const got = h.percentile(p);
      expect(got).toBeCloseTo(bucketStart(CPU_BUCKETS, bucketOf(CPU_BUCKETS, sample) + 1), 12);
      // Never below the true percentile, at most one bucket (5 %) above it.
      expect(got).toBeGreaterThan(sample);
      expect(got).toBeLessThanOrEqual(sample * 1.05 + 0.01);
    }
    expect(h.percentile(1)).toBeGreaterThan(1);
  });

  it("follow the weights, not the count", () => {
    const h = new Histogram(CPU_BUCKETS);
    h.add(0.1, 1);
    h.add(2, 9);
    // 90 % of the weight is at 2 cores: the median is there.
    expect(h.percentile(0.5)).toBeGreaterThan(2);
    expect(h.percentile(0.1)).toBeLessThan(0.2);
  });

  it("ignore NaN, infinite and negative-weight samples", () => {
    const h = new Histogram(CPU_BUCKETS);
    h.add(NaN, 1);
    h.add(Infinity, 1);
    h.add(1, -1);
    expect(h.isEmpty()).toBe(true);
  });
});

describe("decaying histogram", () => {
  it("halves a sample's weight relative to one taken a half-life (24 h) later", () => {
    const d = new DecayingHistogram(CPU_BUCKETS);
    expect(d.halfLifeMs).toBe(DECAY_HALF_LIFE_MS);
    d.add(0.1, 1, T0);
    expect(d.histogram.totalWeight).toBeCloseTo(1, 12);
    d.add(1, 1, T0 + DAY);
    // The new sample weighs 2, the old one 1.
    expect(d.histogram.totalWeight).toBeCloseTo(3, 12);
    // Median threshold 1.5 lies in the newer sample's bucket; without decay it would be the older one's.
    expect(d.percentile(0.5)).toBeGreaterThan(1);
    const flat = new DecayingHistogram(CPU_BUCKETS);
    flat.add(0.1, 1, T0);
    flat.add(1, 1, T0);
    expect(flat.percentile(0.5)).toBeLessThan(0.2);
  });

  it("lets two days of recent load outweigh four days ago by four times", () => {
    const d = new DecayingHistogram(CPU_BUCKETS);
    d.add(0.1, 1, T0);
    d.add(1, 1, T0 + 2 * DAY);
    expect(d.histogram.totalWeight).toBeCloseTo(5, 12);
    // 1/5 of the weight is the old sample: up to p20 it answers, above it the new one.
    expect(d.percentile(0.21)).toBeGreaterThan(1);
    expect(d.percentile(0.2)).toBeLessThan(0.2);
  });

  it("moves its reference time beyond 100 half-lives without overflowing, and old samples fade out", () => {
    const d = new DecayingHistogram(CPU_BUCKETS);
    d.add(5, 1, T0);
    d.add(0.1, 1, T0 + 150 * DAY);
    expect(Number.isFinite(d.histogram.totalWeight)).toBe(true);
    // The old sample weighs 2^-150 of the new one: below epsilon, gone.
    expect(d.percentile(1)).toBeLessThan(0.2);
  });
});
