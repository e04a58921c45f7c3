import { describe, expect, it } from "vitest";
import { latencies, percentile, summarize } from "./stats.js";
import type { RoundTimes } from "./target.js";

describe("percentile", () => {
  it("is nearest-rank: p99 of 60 values is the 60th, p50 the 30th", () => {
    const values = Array.from({ length: 60 }, (_, i) => 60 - i);
    expect(percentile(values, 99)).toBe(60);
    expect(percentile(values, 50)).toBe(30);
    expect(percentile(values, 0)).toBe(1);
  });

  it("is null without values", () => {
    expect(percentile([], 50)).toBeNull();
  });
});

describe("latencies", () => {
  const round = (over: Partial<RoundTimes>): RoundTimes => ({
    flippedAt: 100,
    scrapedAt: {},
    deliveredAt: {},
    sinceStartsAt: {},
    ...over,
  });

  it("measures from the scrape, the flip and startsAt, per system, and counts undelivered rounds as misses", () => {
    const rounds = [
      round({ scrapedAt: { lineops: 300 }, deliveredAt: { lineops: 350 }, sinceStartsAt: { lineops: 20 } }),
      round({ scrapedAt: { lineops: 400, baseline: 150 }, deliveredAt: { baseline: 1150 } }),
    ];
    const lo = latencies(rounds, "lineops");
    expect(lo).toEqual({ fromScrape: [50], fromFlip: [250], fromEval: [20], misses: 1 });
    const base = latencies(rounds, "baseline");
    expect(base).toEqual({ fromScrape: [1000], fromFlip: [1050], fromEval: [], misses: 1 });
    expect(summarize(base)).toMatchObject({ deliveryP50Ms: 1000, deliveryP99Ms: 1000, delivered: 1 });
  });
});
