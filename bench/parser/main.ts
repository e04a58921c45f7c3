// Benchmark of the exposition parser alone: parses a generated 1,000-series body (and the recorded
// node_exporter /metrics) repeatedly in both formats; reports samples/s and MB/s. No peer to compare.
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  parseExposition,
  type ExpositionFormat,
  type ExpositionSink,
} from "../../src/monitoring/scrape/parser.js";
import { generateBody } from "./body.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const json = args.has("--json");
const log = (msg: string) => (json ? process.stderr : process.stdout).write(msg + "\n");

const fixtures = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../src/monitoring/scrape/fixtures",
);

type Case = { name: string; format: ExpositionFormat; body: string; samples: number; bytes: number };

function fixtureCase(file: string, format: ExpositionFormat): Case {
  const body = readFileSync(path.join(fixtures, file), "utf8");
  let samples = 0;
  parseExposition(body, format, { sample: () => void samples++ });
  return { name: file, format, body, samples, bytes: Buffer.byteLength(body) };
}

const cases: Case[] = [
  { name: "generated-1000", format: "text", ...generateBody("text") },
  { name: "generated-1000", format: "openmetrics", ...generateBody("openmetrics") },
  fixtureCase("node-exporter.prom", "text"),
  fixtureCase("prom-client.om", "openmetrics"),
];

// A sink doing the least a real one does: look at every argument, so nothing is optimised away.
let checksum = 0;
const sink: ExpositionSink = {
  sample(series, value, ts) {
    checksum += series.length + (value === value ? 1 : 0) + (ts === undefined ? 0 : 1);
  },
};

const secondsPerCase = quick ? 2 : 8;
type Result = { samplesPerSecond: number; mbPerSecond: number };
const results: Record<string, Result> = {};

for (const c of cases) {
  // Warm-up, so the timed runs measure optimised code.
  const warmEnd = performance.now() + (quick ? 300 : 1500);
  while (performance.now() < warmEnd) {
    parseExposition(c.body, c.format, sink);
  }
  // Best of several rounds: the machine is shared, and the best round is the least disturbed one.
  const rounds = 5;
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const end = performance.now() + (secondsPerCase * 1000) / rounds;
    const t0 = performance.now();
    let iters = 0;
    while (performance.now() < end && iters < 1_000_000) {
      parseExposition(c.body, c.format, sink);
      iters++;
    }
    const secs = (performance.now() - t0) / 1000;
    best = Math.max(best, iters / secs);
  }
  const res = {
    samplesPerSecond: Math.round(best * c.samples),
    mbPerSecond: +((best * c.bytes) / 1e6).toFixed(1),
  };
  results[`${c.name}.${c.format}`] = res;
  log(
    `${c.name} ${c.format}: ${c.samples} samples, ${(c.bytes / 1024).toFixed(0)} KiB/body → ` +
      `${(res.samplesPerSecond / 1e6).toFixed(2)} M samples/s, ${res.mbPerSecond} MB/s`,
  );
}

const headline = results["generated-1000.text"] as Result;
const cpu = os.cpus()[0]?.model ?? "unknown cpu";
const summary = {
  bench: "parser",
  machine: `${cpu} x${os.cpus().length}, node ${process.version}`,
  results: { samplesPerSecond: headline.samplesPerSecond, mbPerSecond: headline.mbPerSecond, cases: results },
  baseline: {},
  ratio: {},
};
log(`(sink checksum ${checksum > 0 ? "ok" : "EMPTY"})`);
console.log(JSON.stringify(summary));
