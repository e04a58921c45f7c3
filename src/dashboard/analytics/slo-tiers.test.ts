// The SLO over 30 days read from the downsampled tiers (what the API does: the tiered querier)
// agrees with the raw samples within the downsampling error of `increase` (docs/monitoring.md: at
// most one tier window's rise at each end of the window), and the burn rates over 1 h and 6 h,
// which the tiers do not serve at this size, are the raw answers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../monitoring/promql/engine.js";
import { promqlQuerier } from "../../monitoring/query.js";
import { Tsdb } from "../../monitoring/tsdb/tsdb.js";
import { querySlo, type SloScope } from "./slo-query.js";

const DAY = 86_400_000;
const STEP = 15_000;
const END = Date.UTC(2026, 0, 31);
/** Requests per 15 s step: 75 (5/s). */
const PER_STEP = 75;

let db: Tsdb;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-slo-tiers-"));
  db = Tsdb.open(dir, {
    blockDurationMs: DAY,
    keepAll: true,
    autoCompact: false,
    walFlushIntervalMs: 0,
    now: () => END + 60_000,
  });
  const n = (30 * DAY) / STEP;
  const base = {
    __name__: "lineops_router_requests_total",
    job: "lineops",
    service: "press",
    group: "stable",
  };
  let ok = 0;
  let bad = 0;
  let app = db.appender();
  for (let i = 0; i < n; i++) {
    const t = END - (n - 1 - i) * STEP;
    // 0.05 % errors, and one bad day of 1 % ten days before the end.
    const errorShare = i >= n - 10 * (DAY / STEP) && i < n - 9 * (DAY / STEP) ? 0.01 : 0.0005;
    ok += PER_STEP * (1 - errorShare);
    bad += PER_STEP * errorShare;
    app.append({ ...base, code: "200" }, t, ok);
    app.append({ ...base, code: "503" }, t, bad);
    if (i % 512 === 511) {
      app.commit();
      app = db.appender();
    }
  }
  app.commit();
  db.compact();
}, 180_000);

afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const scope = (maxSourceResolution: 0 | "auto"): SloScope => ({
  querier: promqlQuerier(new Engine(), db, { maxSourceResolution }),
  slo: { window: 30 * DAY, objective: 99.9, services: {} },
  services: ["press"],
});

describe("SLO over 30 days: tiers against raw samples", () => {
  it("agree within one tier window's rise at each end", async () => {
    const raw = (await querySlo(scope(0), { toMs: END })).services[0]!;
    const tiered = (await querySlo(scope("auto"), { toMs: END })).services[0]!;
    // The 1 h tier's window: 240 steps of 75 requests at each end.
    const bound = 2 * 240 * PER_STEP;
    expect(Math.abs(tiered.requests - raw.requests)).toBeLessThanOrEqual(bound);
    expect(raw.requests).toBeGreaterThan(30 * 86_400 * 5 * 0.99);
    // Errors: 0.05 % of those requests at the ends (the bad day is inside the window).
    expect(Math.abs(tiered.errors - raw.errors)).toBeLessThanOrEqual(bound * 0.0005 + 1);
    expect(Math.abs(tiered.availability! - raw.availability!)).toBeLessThan(1e-5);
    expect(Math.abs(tiered.budgetRemaining - raw.budgetRemaining)).toBeLessThan(0.01);
    // 0.05 % baseline plus a day at 1 %: a third of the month's 0.1 % budget spent by the bad day.
    expect(raw.budgetRemaining).toBeCloseTo(1 - (0.0005 * 29 + 0.01) / 30 / 0.001, 2);
    for (const [i, b] of raw.burnRates.entries()) {
      expect(tiered.burnRates[i]!.rate!).toBeCloseTo(b.rate!, 2);
    }
  }, 120_000);
});
