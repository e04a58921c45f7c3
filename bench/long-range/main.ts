// Long-range benchmark (issue P9, Deliver 6): 30-day range queries at a 1 h step, read from raw
// samples (max_source_resolution=0) and from the downsampled tiers (auto), in one process over one
// TSDB: time (median of N after a warm-up), samples read, the tier each answered from, and the
// largest difference between the two answers. Data: src/monitoring/test-support/long-range-data.ts,
// 15 s samples cut into the default 2 h blocks with their 1 m and 1 h tiers.
// Progress on stderr; the last stdout line is one JSON object.
// Run: npm run bench:long-range -- --json [--quick] [--series N (10)] [--runs N (5)] [--days N (30)]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseFlags, turnOn } from "../common/args.js";
import { onExitCleanup } from "../common/children.js";
import { machineInfo } from "../common/machine.js";
import { argsOrExit, runMain } from "../common/main.js";
import { labelsKey } from "../../src/monitoring/model.js";
import { Engine, type QueryResult, type SourceResolution } from "../../src/monitoring/promql/engine.js";
import { DAY_MS, fillLongRange } from "../../src/monitoring/test-support/long-range-data.js";
import { Tsdb } from "../../src/monitoring/tsdb/tsdb.js";

type Args = { json: boolean; quick: boolean; series: number; runs: number; days: number };
const USAGE =
  "usage: bench/long-range/main.ts [--json] [--quick] [--series N (10)] [--runs N (5)] [--days N (30)]";

function parseArgs(argv: string[]): Args {
  const a = parseFlags<Args>(
    argv,
    { json: false, quick: false, series: 10, runs: 5, days: 30 },
    {
      "--json": turnOn("json"),
      "--quick": turnOn("quick"),
      "--series": (x, v) => (x.series = v.positive()),
      "--runs": (x, v) => (x.runs = v.positive()),
      "--days": (x, v) => (x.days = v.positive()),
    },
    USAGE,
  );
  return a.quick ? { ...a, series: Math.min(a.series, 2), runs: Math.min(a.runs, 2) } : a;
}

const H = 3600_000;
const INTERVAL = 15_000;
const QUERIES = [
  "avg_over_time(lr_gauge[1d])",
  "max_over_time(lr_gauge[1h])",
  "sum(rate(lr_requests_total[1h]))",
  "increase(lr_requests_total[1d])",
  "lr_gauge",
  // Not answerable from aggregates: raw on both sides (the cost of a query the tiers cannot help).
  "stddev_over_time(lr_gauge[1d])",
];

const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function maxDiff(a: QueryResult, b: QueryResult): number {
  if (a.resultType !== "matrix" || b.resultType !== "matrix") {
    return NaN;
  }
  const other = new Map(b.result.map((s) => [labelsKey(s.metric), new Map(s.values)]));
  let d = 0;
  for (const s of a.result) {
    const o = other.get(labelsKey(s.metric));
    for (const [t, v] of s.values) {
      const w = o?.get(t);
      if (w !== undefined) {
        d = Math.max(d, Math.abs(w - v));
      }
    }
  }
  return d;
}

async function main(a: Args): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lineops-bench-long-range-"));
  onExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const end = Math.floor(Date.now() / H) * H;
  const start = end - a.days * DAY_MS;
  const db = Tsdb.open(dir, { keepAll: true, autoCompact: false, now: () => end + 60_000 });
  try {
    log(`generating ${a.days} days × ${a.series} series × 2 metrics at 15 s, cutting 2 h blocks ...`);
    const t0 = performance.now();
    const { samples } = fillLongRange(db, {
      series: a.series,
      days: a.days,
      intervalMs: INTERVAL,
      endMs: end,
    });
    log(
      `  ${samples} samples, ${db.blocks().length} blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const engine = new Engine({ timeoutMs: 600_000 });
    const run = async (q: string, src: SourceResolution) => {
      const once = async () => {
        const t = performance.now();
        const r = await engine.rangeQuery(db, q, start, end, H, { maxSourceResolution: src, stats: true });
        return { r, ms: performance.now() - t };
      };
      const warm = await once();
      const times: number[] = [];
      for (let i = 0; i < a.runs; i++) {
        times.push((await once()).ms);
      }
      return { ms: median(times), r: warm.r };
    };
    const results: Record<string, unknown>[] = [];
    for (const q of QUERIES) {
      const raw = await run(q, 0);
      const tier = await run(q, "auto");
      const row = {
        query: q,
        rawMs: Math.round(raw.ms * 10) / 10,
        tierMs: Math.round(tier.ms * 10) / 10,
        speedup: Math.round((raw.ms / tier.ms) * 10) / 10,
        rawSamplesRead: raw.r.stats!.samplesRead,
        tierSamplesRead: tier.r.stats!.samplesRead,
        tierResolutionsMs: tier.r.stats!.resolutionsMs,
        maxDiff: maxDiff(raw.r, tier.r),
      };
      log(
        `  ${q}: raw ${row.rawMs} ms (${row.rawSamplesRead} read), tiers ${row.tierMs} ms ` +
          `(${row.tierSamplesRead} read at ${row.tierResolutionsMs.join("/")} ms), max diff ${row.maxDiff.toPrecision(3)}`,
      );
      results.push(row);
    }
    const out = {
      bench: "long-range",
      machine: machineInfo(),
      params: { days: a.days, series: a.series, metrics: 2, intervalMs: INTERVAL, stepMs: H, runs: a.runs },
      results,
    };
    process.stdout.write(`${a.json ? JSON.stringify(out) : JSON.stringify(out, null, 2)}\n`);
  } finally {
    db.close();
  }
}

const args = argsOrExit(parseArgs);
runMain("long-range", () => main(args));
