// Disk-full forecasts: a steady fall gives the exact time to zero with both estimators; a disk that
// fills no further, or grows, has no date; Holt follows a recent change of pace sooner than a fit.
import { describe, expect, it } from "vitest";
import { holtSecondsUntilEmpty, secondsUntilEmpty } from "./disk-forecast.js";

describe("secondsUntilEmpty", () => {
  it("divides what is left by the rate it goes", () => {
    expect(secondsUntilEmpty(1000, -10)).toBe(100);
    expect(secondsUntilEmpty(0, -10)).toBe(0);
  });
  it("has no date for a flat or growing free space, or non-numbers", () => {
    expect(secondsUntilEmpty(1000, 0)).toBeUndefined();
    expect(secondsUntilEmpty(1000, 5)).toBeUndefined();
    expect(secondsUntilEmpty(NaN, -1)).toBeUndefined();
    expect(secondsUntilEmpty(1000, NaN)).toBeUndefined();
  });
});

describe("holtSecondsUntilEmpty", () => {
  it("finds the zero of a steady linear fall, once its trend has settled", () => {
    // 100 000 bytes falling 10 per 60 s step: after 99 steps 99 010 are left, 9901 steps = 594 060 s.
    // Holt starts with no trend and learns it, so a long steady series lands within a few percent.
    const values = Array.from({ length: 100 }, (_, i) => 100_000 - 10 * i);
    const s = holtSecondsUntilEmpty(values, 60) ?? NaN;
    expect(Math.abs(s - 594_060) / 594_060).toBeLessThan(0.05);
  });
  it("reacts to a recent speed-up before a straight fit would", () => {
    const slow = Array.from({ length: 30 }, (_, i) => 10_000 - i);
    const fast = [...slow, ...Array.from({ length: 10 }, (_, i) => 9970 - 100 * (i + 1))];
    const h = holtSecondsUntilEmpty(fast, 1) ?? Infinity;
    // At the overall average pace (about 26/step) it would take ~340 steps; Holt sees nearer 100/step.
    expect(h).toBeLessThan(200);
    expect(h).toBeGreaterThan(50);
  });
  it("needs three points and a falling trend", () => {
    expect(holtSecondsUntilEmpty([5, 4], 1)).toBeUndefined();
    expect(holtSecondsUntilEmpty([1, 2, 3, 4], 1)).toBeUndefined();
    expect(holtSecondsUntilEmpty([NaN, 5, NaN, 4], 1)).toBeUndefined();
  });
});
