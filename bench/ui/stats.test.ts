import { describe, expect, it } from "vitest";
import { quantile, ratio, scrapeToScreen, spread } from "./stats.js";

describe("quantile", () => {
  it("takes the nearest rank of the sorted values", () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.9)).toBe(5);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.99,
      ),
    ).toBe(99);
    expect(quantile([7], 0)).toBe(7);
    expect(quantile([], 0.5)).toBeNull();
  });

  it("summarises runs with median, p90 and min, rounded to 0.1 ms", () => {
    expect(spread([10.04, 30, 20])).toEqual({ medianMs: 20, p90Ms: 30, minMs: 10, runs: [10, 30, 20] });
    expect(spread([])).toEqual({ medianMs: null, p90Ms: null, minMs: null, runs: [] });
  });

  it("divides only real numbers", () => {
    expect(ratio(150, 100)).toBe(1.5);
    expect(ratio(1, 3)).toBe(0.333);
    expect(ratio(null, 1)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
  });
});

describe("scrapeToScreen", () => {
  it("charges each number the time until it or a newer one is on screen", () => {
    const served = new Map([
      [1, 1000],
      [2, 2000],
      [3, 3000],
      [4, 4000],
    ]);
    // A page that polls every 2.5 s: shows 2 at 2100 (1 was never shown: superseded), 3 at 4600.
    const shown = [
      { value: 2, at: 2100 },
      { value: 3, at: 4600 },
    ];
    expect(scrapeToScreen(served, shown)).toEqual({ latencies: [1100, 100, 1600], misses: [4] });
  });

  it("does not count a value shown before the number was served", () => {
    const served = new Map([[5, 1000]]);
    expect(scrapeToScreen(served, [{ value: 9, at: 999 }])).toEqual({ latencies: [], misses: [5] });
    expect(scrapeToScreen(served, [{ value: 5, at: 1000 }])).toEqual({ latencies: [0], misses: [] });
  });
});
