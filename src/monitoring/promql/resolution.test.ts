import { describe, expect, it } from "vitest";
import { maxResolutionMs, pickTier } from "./resolution.js";

const M = 60_000;
const H = 60 * M;
const TIERS = [M, H];
const tierFor = (...a: Parameters<typeof maxResolutionMs>) => pickTier(TIERS, maxResolutionMs(...a));

describe("resolution selection", () => {
  it("reads raw samples when max_source_resolution is 0, whatever the query", () => {
    expect(tierFor(0, H, 30 * 24 * H, "avg_over_time")).toBe(0);
    expect(tierFor(0, 24 * H, undefined, undefined)).toBe(0);
  });

  it("plain selectors follow Thanos's step / 5 in range queries and stay raw in instant ones", () => {
    expect(tierFor("auto", 4 * M, undefined, undefined)).toBe(0); // 48 s: below the 1 m tier
    expect(tierFor("auto", 5 * M, undefined, undefined)).toBe(M);
    expect(tierFor("auto", H, undefined, undefined)).toBe(M);
    expect(tierFor("auto", 5 * H, undefined, undefined)).toBe(H);
    expect(tierFor("auto", 0, undefined, undefined)).toBe(0);
  });

  it("range functions need ten tier points in their window, whatever the step", () => {
    expect(tierFor("auto", H, 5 * M, "rate")).toBe(0);
    expect(tierFor("auto", H, 10 * M, "rate")).toBe(M);
    expect(tierFor("auto", H, 9 * H, "avg_over_time")).toBe(M);
    expect(tierFor("auto", H, 10 * H, "avg_over_time")).toBe(H);
    expect(tierFor("auto", 0, 30 * 24 * H, "avg_over_time")).toBe(H); // instant avg_over_time(x[30d])
  });

  it("never answers from aggregates what they cannot answer", () => {
    for (const fn of [
      "quantile_over_time",
      "stddev_over_time",
      "stdvar_over_time",
      "mad_over_time",
      "changes",
      "irate",
      "idelta",
      "first_over_time",
      "ts_of_max_over_time",
      "double_exponential_smoothing",
    ]) {
      expect(tierFor("auto", 24 * H, 30 * 24 * H, fn), fn).toBe(0);
      expect(tierFor(H, 24 * H, 30 * 24 * H, fn), fn).toBe(0);
    }
  });

  it("an explicit max_source_resolution caps the tier (plain selectors as given)", () => {
    expect(tierFor(M, 24 * H, 30 * 24 * H, "avg_over_time")).toBe(M);
    expect(tierFor(H, 0, undefined, undefined)).toBe(H);
    expect(tierFor(H, H, 5 * H, "sum_over_time")).toBe(M); // the window still bounds it
    expect(tierFor(30_000, H, undefined, undefined)).toBe(0);
  });

  it("picks the coarsest tier not above the bound", () => {
    expect(pickTier([M, H], 59_999)).toBe(0);
    expect(pickTier([H, M], 2 * H)).toBe(H);
    expect(pickTier([], Infinity)).toBe(0);
  });
});
