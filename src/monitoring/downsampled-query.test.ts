// Raw samples against the downsampled tiers over 30 days of synthetic data: the same queries agree
// within the error docs/monitoring.md "Resolution selection" documents, and read far fewer points.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelsKey } from "./model.js";
import { Engine, type QueryResult } from "./promql/engine.js";
import {
  COUNTER_STEP_MAX,
  DAY_MS,
  GAUGE_AMPLITUDE,
  GAUGE_NOISE,
  fillLongRange,
  gaugeChange,
} from "./test-support/long-range-data.js";
import { Tsdb } from "./tsdb/tsdb.js";

const M = 60_000;
const H = 60 * M;
const INTERVAL = 15_000;
const END = Date.UTC(2026, 0, 31);
const START = END - 30 * DAY_MS;
/** The gauge lies in 50 ± (amplitude + noise). */
const GAUGE_SPAN = 2 * (GAUGE_AMPLITUDE + GAUGE_NOISE);
const GAUGE_MAX = 50 + GAUGE_AMPLITUDE + GAUGE_NOISE;
/** The most a counter rises within one tier window of `res` ms. */
const counterRise = (res: number) => (res / INTERVAL) * COUNTER_STEP_MAX;

let db: Tsdb;
let dir: string;
const engine = new Engine();

beforeAll(() => {
  // Not tmpDir(): it removes its directories after each test, and this one serves them all.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-downsampled-"));
  db = Tsdb.open(dir, {
    blockDurationMs: DAY_MS, // 30 raw blocks (2 h blocks would make 360: slower, same answers)
    keepAll: true,
    autoCompact: false,
    walFlushIntervalMs: 0,
    now: () => END + M,
  });
  fillLongRange(db, { series: 3, days: 30, intervalMs: INTERVAL, endMs: END });
}, 180_000);

afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Points = Map<string, Map<number, number>>;

function points(r: QueryResult): Points {
  const out: Points = new Map();
  if (r.resultType === "matrix") {
    for (const s of r.result) {
      out.set(labelsKey(s.metric), new Map(s.values.map(([t, v]) => [t, v])));
    }
  } else if (r.resultType === "vector") {
    for (const s of r.result) {
      out.set(labelsKey(s.metric), new Map([[s.value[0], s.value[1]]]));
    }
  }
  return out;
}

/** Compares raw and tier answers point by point: the largest difference, and steps only one has. */
function compare(raw: QueryResult, tier: QueryResult) {
  const a = points(raw);
  const b = points(tier);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  let maxDiff = 0;
  let onlyOne = 0;
  let compared = 0;
  for (const [k, pa] of a) {
    const pb = b.get(k)!;
    for (const [t, v] of pa) {
      const w = pb.get(t);
      if (w === undefined) {
        onlyOne++;
        continue;
      }
      compared++;
      maxDiff = Math.max(maxDiff, Math.abs(w - v));
    }
    for (const t of pb.keys()) {
      if (!pa.has(t)) {
        onlyOne++;
      }
    }
  }
  return { maxDiff, onlyOne, compared };
}

async function both(query: string, stepMs: number) {
  const run = (maxSourceResolution: "auto" | 0) =>
    stepMs > 0
      ? engine.rangeQuery(db, query, START, END, stepMs, { maxSourceResolution, stats: true })
      : engine.instantQuery(db, query, END, { maxSourceResolution, stats: true });
  const raw = await run(0);
  const tier = await run("auto");
  return { raw, tier, ...compare(raw, tier) };
}

describe("30 days, raw samples against the tiers", () => {
  // Each case: the query, its step, the tier auto picks, and the documented bound of the difference.
  const cases: [string, number, number, number][] = [
    // avg: the edge windows shift the span by at most one tier window at each end.
    ["avg_over_time(lr_gauge[1d])", H, H, ((2 * H) / DAY_MS) * GAUGE_SPAN],
    // count/sum: at most one tier window's samples gained or lost at each edge.
    ["count_over_time(lr_gauge[2h])", H, M, (2 * M) / INTERVAL],
    ["sum_over_time(lr_gauge[2h])", H, M, ((2 * M) / INTERVAL) * GAUGE_MAX],
    // min/max: extremes of a span shifted by at most one tier window.
    ["max_over_time(lr_gauge[6h])", H, M, gaugeChange(M)],
    ["min_over_time(lr_gauge[6h])", H, M, gaugeChange(M)],
    ["last_over_time(lr_gauge[1h])", H, M, gaugeChange(M)],
    // counters: each end of the window moves by at most one tier window's rise (resets recovered).
    ["increase(lr_requests_total[1d])", H, H, 2 * counterRise(H)],
    ["rate(lr_requests_total[1h])", H, M, (2 * counterRise(M)) / 3600],
    // a plain selector: the tier's last sample is at most one tier window older.
    ["lr_gauge", H, M, gaugeChange(M)],
    // an instant query over all 30 days.
    ["avg_over_time(lr_gauge[30d])", 0, H, ((2 * H) / (30 * DAY_MS)) * GAUGE_SPAN],
  ];

  for (const [query, step, tierMs, bound] of cases) {
    it(`${query} at step ${step / M} m agrees within ${bound.toPrecision(3)} reading the ${tierMs / M} m tier`, async () => {
      const r = await both(query, step);
      expect(r.raw.stats!.resolutionsMs).toEqual([0]);
      expect(r.tier.stats!.resolutionsMs).toEqual([tierMs]);
      expect(r.compared).toBeGreaterThan(0);
      expect(r.maxDiff).toBeLessThanOrEqual(bound);
      // Steps answered by one side only: where a window first holds enough points.
      expect(r.onlyOne).toBeLessThanOrEqual(3 * 2);
      expect(r.tier.stats!.samplesRead).toBeLessThan(r.raw.stats!.samplesRead / 2);
    });
  }

  it("answers from raw samples what aggregates cannot, identically", async () => {
    for (const q of [
      "quantile_over_time(0.9, lr_gauge[1d])",
      "changes(lr_gauge[1d])",
      "irate(lr_requests_total[1h])",
    ]) {
      const r = await both(q, H);
      expect(r.tier.stats!.resolutionsMs, q).toEqual([0]);
      expect(r.maxDiff, q).toBe(0);
      expect(r.onlyOne, q).toBe(0);
    }
  });

  it("mixes tiers and raw samples within one query as each selector allows", async () => {
    const r = await engine.rangeQuery(
      db,
      "avg_over_time(lr_gauge[1d]) - quantile_over_time(0.5, lr_gauge[1d]) + rate(lr_requests_total[1h])",
      START,
      END,
      H,
      { maxSourceResolution: "auto", stats: true },
    );
    expect(r.stats!.resolutionsMs).toEqual([0, M, H]);
  });

  it("an explicit max_source_resolution caps the tier", async () => {
    const r = await engine.rangeQuery(db, "avg_over_time(lr_gauge[1d])", START, END, H, {
      maxSourceResolution: M,
      stats: true,
    });
    expect(r.stats!.resolutionsMs).toEqual([M]);
  });
});
