import { describe, expect, it } from "vitest";
import { BURN_WINDOWS, budgetFigures, burnRate, burnThreshold } from "./slo.js";

const DAY_MS = 86_400_000;

describe("error budget", () => {
  it("the workbook's thresholds are the budget shares spent in each window of a 30-day budget", () => {
    for (const w of BURN_WINDOWS) {
      expect(burnThreshold(w.budgetShare, 30 * DAY_MS, w.ms)).toBeCloseTo(w.threshold, 10);
    }
    expect(BURN_WINDOWS.map((w) => [w.window, w.shortWindow, w.threshold])).toEqual([
      ["1h", "5m", 14.4],
      ["6h", "30m", 6],
      ["3d", "6h", 1],
    ]);
  });

  it("at 99.5 %, 10 errors in 10,000 requests spend a fifth of the budget", () => {
    const f = budgetFigures(99.5, 10_000, 10);
    expect(f.availability).toBeCloseTo(0.999, 12);
    expect(f.allowedErrors).toBeCloseTo(50, 9);
    expect(f.budgetRemaining).toBeCloseTo(0.8, 12);
  });

  it("overspending goes below zero; no requests spend nothing and have no availability", () => {
    expect(budgetFigures(99.9, 1000, 3).budgetRemaining).toBeCloseTo(-2, 9);
    expect(budgetFigures(99.9, 0, 0)).toMatchObject({ availability: null, budgetRemaining: 1 });
    // A tier's counter estimate can put errors above requests: clamped, never an availability below 0.
    expect(budgetFigures(99, 5, 9)).toMatchObject({ errors: 5, availability: 0 });
  });

  it("a burn rate is the error ratio over the allowed ratio", () => {
    expect(burnRate(99.9, 0.0144)).toBeCloseTo(14.4, 9);
    expect(burnRate(99.5, 0.005)).toBeCloseTo(1, 9);
    expect(burnRate(99.9, null)).toBeNull();
  });
});
