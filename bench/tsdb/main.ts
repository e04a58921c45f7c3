// TSDB micro-benchmark: ingest N series x M samples of scrape-like data (1000 metrics x N/1000
// targets, 15 s interval), then report append throughput, commit cost, RSS per series, and bytes
// per sample of a cut block. Run: node --expose-gc --import tsx bench/tsdb/main.ts [--series N]
// [--samples M]. Prints progress, then one JSON line.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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

const c0 = Date.now();
const cut = db.compact();
const compactS = (Date.now() - c0) / 1000;
const raw = cut[0];
const blockBytes = raw ? raw.chunksBytes + raw.indexBytes : 0;
const usage = db.diskUsage();
const tiers = db.blocks().filter((b) => b.resolution > 0);
console.log(`compacted in ${compactS.toFixed(1)} s: ${cut.length} raw blocks, ${tiers.length} tier blocks`);
const q0 = process.hrtime.bigint();
const found = db
  .querier()
  .select([{ name: "__name__", type: "=", value: "metric_7" }], t0, t0 + SAMPLES * STEP)
  .map((s) => s.samples().ts.length)
  .reduce((a, b) => a + b, 0);
const queryMs = Number(process.hrtime.bigint() - q0) / 1e6;
db.close();
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
  compactSeconds: compactS,
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
