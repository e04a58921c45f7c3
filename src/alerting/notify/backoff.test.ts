import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

const opts = { initialMs: 500, maxMs: 60_000 };

describe("backoffDelay", () => {
  it.each([
    [1, 0.5, 500],
    [2, 0.5, 750],
    [3, 0.5, 1125],
    [1, 0, 250], // -50 %
    [1, 0.999, 749.5], // just under +50 %
    [50, 0.5, 60_000], // the base is capped
    [50, 0.999, 60_000], // and so is the jittered wait
    [1_000_000, 0.5, 60_000], // a row retried for ever stays finite and quick to compute
  ])("retry %i with random %f waits %f ms", (retry, r, want) => {
    expect(backoffDelay(retry, { ...opts, random: () => r })).toBeCloseTo(want, 6);
  });

  it("spreads retries of messages that failed together", () => {
    const waits = new Set(Array.from({ length: 20 }, () => backoffDelay(3, opts)));
    expect(waits.size).toBeGreaterThan(1);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(1125 * 0.5);
      expect(w).toBeLessThan(1125 * 1.5);
    }
  });

  it.each([
    [0, opts],
    [1.5, opts],
    [1, { initialMs: -1, maxMs: 10 }],
    [1, { initialMs: 1, maxMs: Number.NaN }],
  ])("refuses retry %s with %o", (retry, o) => {
    expect(() => backoffDelay(retry, o)).toThrow(RangeError);
  });
});
