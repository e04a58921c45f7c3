import { describe, expect, it } from "vitest";
import {
  addTo,
  bucketOf,
  bucketValue,
  quantile,
  summarize,
  type Histogram,
  type LoadWindow,
} from "./timeline.js";

function win(from: number, over: Partial<LoadWindow> = {}): LoadWindow {
  return {
    from,
    to: from + 1000,
    total: 100,
    failed: 0,
    skipped: 0,
    byCause: {},
    latency: { [bucketOf(10)]: 100 },
    firstFailAt: null,
    lastFailAt: null,
    okSentAt: [from + 1, from + 500],
    ...over,
  };
}

describe("latency histogram", () => {
  it("puts a value in a bucket whose middle is within 5 % of it", () => {
    for (const ms of [0.3, 1, 7.7, 250, 5000]) {
      expect(Math.abs(bucketValue(bucketOf(ms)) - ms) / ms).toBeLessThan(0.05);
    }
  });

  it("reads the 99th percentile of 1..1000 ms as about 990 ms", () => {
    const h: Histogram = {};
    for (let ms = 1; ms <= 1000; ms++) {
      addTo(h, ms);
    }
    expect(quantile(h, 0.99)).toBeGreaterThan(960);
    expect(quantile(h, 0.99)).toBeLessThan(1020);
    expect(quantile({}, 0.99)).toBe(0);
  });
});

describe("summarize", () => {
  it("adds up the windows that ended in the span and merges their latencies", () => {
    const ws = [win(0), win(1000, { latency: { [bucketOf(500)]: 100 } }), win(2000)];
    const s = summarize(ws, 1000, 2000);
    expect(s.total).toBe(100);
    expect(s.latencyMs.p99).toBeGreaterThan(450);
    expect(s.recoverySeconds).toBeNull();
  });

  it("measures recovery from the first failure to the first success after the last one", () => {
    const ws = [
      win(0),
      win(1000, { failed: 40, firstFailAt: 1600, lastFailAt: 1990, byCause: { "conn ECONNREFUSED": 40 } }),
      // Failing throughout, no success at all.
      win(2000, { failed: 100, firstFailAt: 2000, lastFailAt: 2999, okSentAt: [] }),
      // The last failure sent at 3100, success from 3150 on.
      win(3000, { failed: 10, firstFailAt: 3000, lastFailAt: 3100, okSentAt: [3050, 3150, 3300] }),
      win(4000),
    ];
    const s = summarize(ws, 0, 5000);
    expect(s.failed).toBe(150);
    expect(s.byCause).toEqual({ "conn ECONNREFUSED": 40 });
    expect(s.recoverySeconds).toBe(1.6);
    expect(s.recovered).toBe(true);
  });

  it("takes the next window's first success when the failing window ended on a failure", () => {
    const ws = [
      win(0, { failed: 5, firstFailAt: 100, lastFailAt: 999 }),
      win(1000, { okSentAt: [1200, 1300] }),
    ];
    expect(summarize(ws, 0, 2000).recoverySeconds).toBe(1.1);
  });

  it("dates the outage's end by the last failure SENT, even when it finished in a later window", () => {
    // A request sent at 900 timed out and was counted at 2900, after successes sent at 950 and later.
    const ws = [
      win(0, { failed: 1, firstFailAt: 100, lastFailAt: 100, okSentAt: [] }),
      win(1000, { okSentAt: [950, 1500] }),
      win(2000, { failed: 1, firstFailAt: 900, lastFailAt: 900, okSentAt: [2100] }),
    ];
    expect(summarize(ws, 0, 3000).recoverySeconds).toBe(0.9);
  });

  it("says so when the span ends still failing", () => {
    const ws = [win(0, { failed: 100, firstFailAt: 0, lastFailAt: 999, okSentAt: [] })];
    const s = summarize(ws, 0, 1000);
    expect(s.recovered).toBe(false);
    expect(s.recoverySeconds).toBe(1);
  });
});
