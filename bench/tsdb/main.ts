// TSDB micro-benchmark: ingest N series x M samples of scrape-like data (1000 metrics x N/1000
// targets, 15 s interval), then report append throughput, commit cost, RSS per series, and bytes
// per sample of a cut block, and the longest event-loop stall while the block is cut (--sync: the
// blocking compact(); default: compactAsync() with scrapes and a query running every 100 ms
// meanwhile, whose results are checked for missing or doubled samples).
// Run: node --expose-gc --import tsx bench/tsdb/main.ts [--series N] [--samples M] [--sync].
// Prints progress, then one JSON line.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Tsdb } from "../../src/monitoring/tsdb/tsdb.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const SERIES = arg("series", 200_000);
const SAMPLES = arg("samples", 120);
const STEP = 15_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function rss(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-bench-tsdb-"));
const blockMs = 15 * 60_000; // so 120 samples at 15 s span 2 blocks and one is cut
const rss0 = rss();
const db = Tsdb.open(dir, { blockDurationMs: blockMs, autoCompact: false, walFlushIntervalMs: 1000 });
const t0 = Math.ceil(Date.now() / blockMs) * blockMs - 10 * blockMs;
const targets = Math.max(1, Math.floor(SERIES / 1000));
const perTarget = Math.min(SERIES, 1000);

// Value models (share of series via --noisy): constant gauges, slow counters, and noisy gauges with
// one decimal (incompressible for XOR: about 6-8 bytes a sample, as in Prometheus).
const NOISY = arg("noisy", 0.2);
const counters = new Float64Array(SERIES);
let seed = 42;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
function value(i: number): number {
  const f = (i % 100) / 100;
  if (f < (1 - NOISY) / 2) {
    return i % 17;
  }
  if (f < 1 - NOISY) {
    counters[i]! += rnd() < 0.3 ? Math.floor(rnd() * 20) : 0;
    return counters[i]!;
  }
  return Math.round(rnd() * 1000) / 10;
}

const refs = new Float64Array(SERIES);
let appendNs = 0;
let commitNs = 0;
let commits = 0;
const started = process.hrtime.bigint();
for (let k = 0; k < SAMPLES; k++) {
  for (let tg = 0; tg < targets; tg++) {
    const t = t0 + k * STEP + (rnd() < 0.05 ? 1 : 0); // occasional 1 ms scrape jitter
    const app = db.appender();
    const a0 = process.hrtime.bigint();
    for (let m = 0; m < perTarget; m++) {
      const i = tg * perTarget + m;
      if (k === 0) {
        refs[i] = app.append(
          { __name__: `metric_${m}`, instance: `host-${tg}:9100`, job: "node" },
          t,
          value(i),
        );
      } else {
        app.appendRef(refs[i]!, t, value(i));
      }
    }
    const c0 = process.hrtime.bigint();
    app.commit();
    const c1 = process.hrtime.bigint();
    appendNs += Number(c0 - a0);
    commitNs += Number(c1 - c0);
    commits++;
  }
  if (k % 20 === 0) {
    console.log(`round ${k}/${SAMPLES}: head series ${db.stats().numSeries}`);
  }
}
const ingestS = Number(process.hrtime.bigint() - started) / 1e9;
db.flushWal();
const total = SERIES * SAMPLES;
const rssHead = rss();
const st = db.stats();
console.log(
  `ingested ${total} samples in ${ingestS.toFixed(1)} s; rss ${(rssHead / 2 ** 20).toFixed(0)} MiB`,
);

// --- the block cut, with an event-loop probe ------------------------------------------------------
const SYNC = process.argv.includes("--sync");
const PROBE_MS = 5;
const loopDelay = monitorEventLoopDelay({ resolution: PROBE_MS });

/** A PROBE_MS interval whose longest gap beyond PROBE_MS is the longest event-loop stall it saw. */
function stallProbe() {
  let maxMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxMs = Math.max(maxMs, now - last - PROBE_MS);
    last = now;
  }, PROBE_MS);
  return {
    /** The longest stall since the start or the last reset. */
    maxMs: () => maxMs,
    reset: () => {
      maxMs = 0;
    },
    stop: () => clearInterval(timer),
  };
}

const probe = stallProbe();
const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// The same probe with nothing running: on a shared machine, descheduling alone causes gaps.
await tick(50);
probe.reset();
await tick(2000);
const idleMaxGapMs = probe.maxMs();
probe.reset();
loopDelay.enable();

// Concurrent work (async mode): one target scraped every 100 ms at the next 15 s step, and a query
// of metric_7 over everything, which must return every sample exactly once.
const metric7 = [{ name: "__name__", type: "=" as const, value: "metric_7" }];
let scrapes = 0;
let scrapeMaxMs = 0;
let queryMaxMs = 0;
let queryChecks = 0;
let queryErrors = 0;
let scraping = false;
const scrape = () => {
  const tg = scrapes % targets;
  const t = t0 + (SAMPLES + Math.floor(scrapes / targets)) * STEP;
  const s0 = performance.now();
  const app = db.appender();
  for (let m = 0; m < perTarget; m++) {
    app.appendRef(refs[tg * perTarget + m]!, t, value(tg * perTarget + m));
  }
  app.commit();
  scrapes++;
  const s1 = performance.now();
  const n = db
    .querier()
    .select(metric7, t0, Infinity)
    .reduce((a, s) => a + s.samples().ts.length, 0);
  const s2 = performance.now();
  const expected = SAMPLES * targets + (perTarget > 7 ? scrapes : 0); // one metric_7 a scrape
  if (n !== expected) {
    queryErrors++;
    if (queryErrors <= 3) {
      console.log(`query during compaction: ${n} samples of metric_7, want ${expected}`);
    }
  }
  queryChecks++;
  scrapeMaxMs = Math.max(scrapeMaxMs, s1 - s0);
  queryMaxMs = Math.max(queryMaxMs, s2 - s1);
};
const scraper = SYNC
  ? undefined
  : setInterval(() => {
      if (!scraping) {
        scraping = true;
        scrape();
        scraping = false;
      }
    }, 100);

const c0 = Date.now();
const cut = SYNC ? db.compact() : await db.compactAsync();
const compactS = (Date.now() - c0) / 1000;
await tick(50);
probe.stop();
if (scraper) {
  clearInterval(scraper);
}
loopDelay.disable();
const stallMs = Math.max(probe.maxMs(), loopDelay.max / 1e6 - PROBE_MS);
// The probe's gaps include the scrape + query callbacks above; the slice is the cut's own share.
const maxSliceMs = SYNC ? compactS * 1000 : (db.lastCompaction?.maxSliceMs ?? 0);
console.log(
  `longest compaction slice: ${maxSliceMs.toFixed(0)} ms (${db.lastCompaction?.maxSlicePhase ?? "sync"}) in ${db.lastCompaction?.slices ?? 1} slices (max cpu ${(db.lastCompaction?.maxSliceCpuMs ?? 0).toFixed(0)} ms); ` +
    `longest event-loop stall during the cut: ${stallMs.toFixed(0)} ms (p99 delay ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms); ` +
    `(idle: ${idleMaxGapMs.toFixed(0)} ms); ${scrapes} scrapes (max ${scrapeMaxMs.toFixed(1)} ms), ${queryChecks} checked queries (max ${queryMaxMs.toFixed(1)} ms, ${queryErrors} wrong)`,
);
const raw = cut[0];
const blockBytes = raw ? raw.chunksBytes + raw.indexBytes : 0;
const usage = db.diskUsage();
const tiers = db.blocks().filter((b) => b.resolution > 0);
console.log(`compacted in ${compactS.toFixed(1)} s: ${cut.length} raw blocks, ${tiers.length} tier blocks`);
const q0 = process.hrtime.bigint();
const found = db
  .querier()
  .select(metric7, t0, t0 + SAMPLES * STEP)
  .map((s) => s.samples().ts.length)
  .reduce((a, b) => a + b, 0);
const queryMs = Number(process.hrtime.bigint() - q0) / 1e6;
// Shutdown: close() checkpoints the head synchronously; closeAsync() in slices.
const closeProbe = stallProbe();
await tick(20);
closeProbe.reset();
const cl0 = performance.now();
if (SYNC) {
  db.close();
} else {
  await db.closeAsync();
}
const closeMs = performance.now() - cl0;
await tick(20);
closeProbe.stop();
const closeGapMs = Math.max(closeProbe.maxMs(), SYNC ? closeMs : 0);
console.log(`closed in ${closeMs.toFixed(0)} ms; longest event-loop stall ${closeGapMs.toFixed(0)} ms`);
fs.rmSync(dir, { recursive: true, force: true });

const results = {
  series: SERIES,
  samplesPerSeries: SAMPLES,
  noisyShare: NOISY,
  ingestSamplesPerSec: Math.round(total / ingestS),
  appendNsPerSample: Math.round(appendNs / total),
  commitUsPer1000Samples: Number((((commitNs / commits / perTarget) * 1000) / 1000).toFixed(1)),
  rssBytesPerSeries: Math.round((rssHead - rss0) / SERIES),
  headMemoryBytesPerSeries: Math.round(st.headMemoryBytes / SERIES),
  blockSamples: raw?.stats.numSamples ?? 0,
  blockBytesPerSample: raw ? Number((blockBytes / raw.stats.numSamples).toFixed(3)) : null,
  blockChunkBytesPerSample: raw ? Number((raw.chunksBytes / raw.stats.numSamples).toFixed(3)) : null,
  tierBytes: tiers.reduce((a, b) => a + b.chunksBytes + b.indexBytes, 0),
  walBytesAfterCheckpoint: usage.walBytes,
  compactMode: SYNC ? "sync" : "async",
  compactSeconds: compactS,
  compactMaxSliceMs: Math.round(maxSliceMs),
  compactSlices: SYNC ? 1 : (db.lastCompaction?.slices ?? 0),
  compactMaxSliceCpuMs: SYNC ? null : Math.round(db.lastCompaction?.maxSliceCpuMs ?? 0),
  compactMaxSlicePhase: SYNC ? "sync" : (db.lastCompaction?.maxSlicePhase ?? ""),
  compactMaxStallMs: Math.round(stallMs),
  idleMaxStallMs: Math.round(idleMaxGapMs),
  compactLoopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
  scrapesDuringCompaction: scrapes,
  scrapeMaxMs: Number(scrapeMaxMs.toFixed(1)),
  queriesDuringCompaction: queryChecks,
  queryMaxMs: Number(queryMaxMs.toFixed(1)),
  wrongQueryResults: queryErrors,
  closeMs: Math.round(closeMs),
  closeMaxStallMs: Math.round(closeGapMs),
  queryOneMetricMs: Number(queryMs.toFixed(1)),
  querySamples: found,
};
console.log(
  JSON.stringify({
    bench: "tsdb",
    machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? "cpu"}`,
    results,
    baseline: { prometheusBytesPerSample: 1.3, prometheusRssBytesPerSeries: 2200 },
    ratio: {
      bytesPerSample: raw ? Number((blockBytes / raw.stats.numSamples / 1.3).toFixed(2)) : null,
      rssPerSeries: Number(((rssHead - rss0) / SERIES / 2200).toFixed(2)),
    },
  }),
);
