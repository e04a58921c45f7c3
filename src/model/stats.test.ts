import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { holt, linearFit, mad, mannWhitneyU, median, normalCdf, robustZ } from "./stats.js";

describe("trend statistics", () => {
  it("fits a line exactly", () => {
    const ts = [0, 1000, 2000, 3000];
    const fit = linearFit(ts, [1, 3, 5, 7]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
  });

  it("smooths a linear series to its level and slope", () => {
    const { level, trend } = holt([10, 12, 14, 16, 18, 20], 0.5, 0.5);
    expect(level).toBeGreaterThan(17);
    expect(trend).toBeGreaterThan(1);
  });

  it("computes median, MAD and robust z", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(robustZ(2, [1, 1, 2, 2, 4, 6, 9])).toBe(0);
    expect(robustZ(10, [1, 1, 2, 2, 4, 6, 9])).toBeCloseTo(8 / 1.4826, 10);
    expect(robustZ(5, [5, 5, 5])).toBe(0);
    expect(robustZ(6, [5, 5, 5])).toBe(Infinity);
  });

  it("Mann-Whitney U matches a worked example", () => {
    // Two samples with no overlap: U = 0, strongly significant for n = 10 each.
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const b = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
    const r = mannWhitneyU(a, b);
    expect(r.u).toBe(0);
    expect(r.z).toBeLessThan(-3.5);
    expect(r.pValue).toBeLessThan(0.001);
    // Identical distributions: no evidence.
    expect(mannWhitneyU([1, 2, 3, 4], [1, 2, 3, 4]).pValue).toBeCloseTo(1, 5);
  });

  it("U of a plus U of b is n1*n2, for any samples", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }),
        (a, b) => {
          const ua = mannWhitneyU(a, b).u;
          const ub = mannWhitneyU(b, a).u;
          expect(ua + ub).toBeCloseTo(a.length * b.length, 9);
        },
      ),
    );
  });

  it("normal CDF is accurate", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
  });
});
