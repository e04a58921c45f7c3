// Query benchmark (issue P3): lineops's PromQL engine against Prometheus on identical data, side by side
// in one run. Generates OpenMetrics, loads it into both, times 20 queries (instant + range) on each and
// checks the answers agree. Progress on stderr; the last stdout line is one JSON object.
// Run: npm run bench:query -- --json [--quick] (see ./args.ts).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { killChildrenOnSignals, onExitCleanup } from "../common/children.js";
import { machineInfo } from "../common/machine.js";
import { cpuSeconds, dirBytes, rssBytes } from "../common/proc.js";
import { findPrometheus, type RunningPrometheus } from "../common/prometheus.js";
import { argsOrExit, runMain } from "../common/main.js";
import { parseArgs } from "./args.js";
import { compareResults, type ApiData } from "./compare.js";
import { summarizeCpuProfile } from "./cpuprofile.js";
import { generateOpenMetrics, type GenerateResult } from "./data.js";
import { median, timedQuery, type QueryKind, type QueryParams } from "./measure.js";
import { exprFor, QUERIES } from "./queries.js";
import {
  loadLineops,
  loadPrometheus,
  mintAdminToken,
  PROMETHEUS_ARGS,
  startLineopsServe,
  startPrometheusPeer,
  type Endpoint,
  type RunningLineopsServe,
} from "./systems.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const QUERY_TIMEOUT_MS = 120_000;
const t0 = performance.now();
const log = (msg: string) =>
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);

type QueryResult = {
  name: string;
  type: QueryKind;
  lineopsMs: number | null;
  prometheusMs: number | null;
  ratio: number | null;
  agree: boolean;
  series: number;
  points: number;
  mismatches?: number;
  error?: string;
  /** When Prometheus was sent another expression for the same question (see queries.ts). */
  prometheusExpr?: string;
};

function settled<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}

type DataMeta = GenerateResult & {
  endMs: number;
  hours: number;
  requestedSeries: number;
  prometheusVersion: string;
};

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Waits (bounded) until a freshly started server stops burning CPU (WAL replay, block loading). */
async function settle(name: string, pid: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuSeconds(pid);
    if (now - last < 0.05) {
      return;
    }
    last = now;
  }
  log(`${name} still busy after ${maxMs} ms; measuring anyway`);
}

function stepFor(rangeSec: number): number {
  return Math.max(15, Math.ceil(rangeSec / 720 / 15) * 15);
}

function staleBuild(): string | undefined {
  const cli = path.join(ROOT, "dist/src/cli/main.js");
  if (!existsSync(cli)) {
    return "dist/src/cli/main.js is missing: run `npm run build` first";
  }
  const built = statSync(cli).mtimeMs;
  const walk = (d: string, depth: number): string | undefined => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      const st = statSync(p);
      if (st.isDirectory() && depth < 8 && n !== "test-support") {
        const r = walk(p, depth + 1);
        if (r) {
          return r;
        }
      } else if (n.endsWith(".ts") && !n.endsWith(".test.ts") && st.mtimeMs > built + 1000) {
        return p;
      }
    }
    return undefined;
  };
  const newer = walk(path.join(ROOT, "src/monitoring"), 0) ?? walk(path.join(ROOT, "src/api"), 0);
  return newer
    ? `${path.relative(ROOT, newer)} is newer than dist/: results may not reflect it (npm run build)`
    : undefined;
}

async function main(): Promise<void> {
  const args = argsOrExit(parseArgs);
  killChildrenOnSignals();
  const watchdog = setTimeout(() => {
    log(`deadline of ${args.deadlineS} s passed: stopping`);
    process.exit(1); // the exit hook kills every child
  }, args.deadlineS * 1000);
  watchdog.unref();

  const buildNote = staleBuild();
  if (buildNote?.startsWith("dist/src/cli/main.js is missing")) {
    throw new Error(buildNote);
  }
  if (buildNote) {
    log(`warning: ${buildNote}`);
  }
  const machine = machineInfo();
  const prom = await findPrometheus({ log });
  log(`Prometheus ${prom.version} (${prom.source}: ${prom.bin})`);

  const work = args.work ? path.resolve(args.work) : mkdtempSync(path.join(os.tmpdir(), "bench-query-"));
  mkdirSync(work, { recursive: true });
  if (!args.keep) {
    onExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  }
  const omFile = path.join(work, "data.om");
  const promDir = path.join(work, "prometheus");
  const loDir = path.join(work, "lineops");
  const metaFile = path.join(work, "meta.json");

  let meta: DataMeta | undefined;
  if (existsSync(metaFile)) {
    const m = JSON.parse(readFileSync(metaFile, "utf8")) as DataMeta;
    if (m.requestedSeries === args.series && m.hours === args.hours && m.prometheusVersion === prom.version) {
      meta = m;
      log(`reusing the loaded data set in ${work}`);
    }
  }
  const timings: Record<string, number> = {};
  if (!meta) {
    for (const d of [promDir, loDir, omFile, metaFile]) {
      rmSync(d, { recursive: true, force: true });
    }
    const endMs = Math.floor(Date.now() / 3600_000) * 3600_000 - 300_000;
    log(`generating ${args.series} series x ${args.hours} h at 15 s into ${omFile}`);
    let g0 = performance.now();
    let lastPct = 0;
    const gen = generateOpenMetrics(omFile, {
      series: args.series,
      hours: args.hours,
      endMs,
      onProgress: (f) => {
        if (f - lastPct >= 0.25) {
          lastPct = f;
          log(`  generated ${Math.round(f * 100)} %`);
        }
      },
    });
    timings.generateS = round((performance.now() - g0) / 1000);
    log(
      `generated ${gen.series} series, ${gen.samples.toLocaleString()} samples, ${(gen.bytes / 2 ** 20).toFixed(0)} MiB in ${timings.generateS} s`,
    );
    // Both loads at once: they are independent, and the wall time matters for --quick.
    g0 = performance.now();
    const loadTimeout = Math.max(120_000, gen.samples / 10); // ≥ 10k samples/s each, or fail
    log("loading: promtool create-blocks-from openmetrics | lineops tsdb import (in parallel)");
    const [promMs, lo] = await Promise.all([
      loadPrometheus(prom, omFile, promDir, loadTimeout),
      loadLineops(ROOT, omFile, loDir, loadTimeout),
    ]);
    timings.promtoolS = round(promMs / 1000);
    timings.lineopsImportS = round(lo.ms / 1000);
    log(
      `loaded: promtool ${timings.promtoolS} s, lineops import ${timings.lineopsImportS} s ${JSON.stringify(lo.summary)}`,
    );
    if (typeof lo.summary.samples === "number" && lo.summary.samples !== gen.samples) {
      throw new Error(`lineops imported ${lo.summary.samples} samples of ${gen.samples}`);
    }
    meta = {
      ...gen,
      endMs,
      hours: args.hours,
      requestedSeries: args.series,
      prometheusVersion: prom.version,
    };
    writeFileSync(metaFile, JSON.stringify(meta));
    if (!args.keep) {
      rmSync(omFile, { force: true });
    }
  }

  const token = await mintAdminToken(ROOT, loDir);
  log("starting Prometheus and lineops");
  const s0 = performance.now();
  if (args.cpuProf) {
    mkdirSync(args.cpuProf, { recursive: true });
  }
  const [promRun, loRun] = (await Promise.all([
    startPrometheusPeer(prom, promDir),
    startLineopsServe({
      root: ROOT,
      dataDir: loDir,
      token,
      nodeArgs: args.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(args.cpuProf)] : [],
    }),
  ])) as [RunningPrometheus, RunningLineopsServe];
  timings.startS = round((performance.now() - s0) / 1000);
  log(
    `started in ${timings.startS} s: Prometheus ${promRun.url} (pid ${promRun.pid}), lineops ${loRun.url} (pid ${loRun.pid})`,
  );
  const lineops: Endpoint = loRun;
  const prometheus: Endpoint = { name: "prometheus", url: promRun.url, pid: promRun.pid };

  let results: QueryResult[] = [];
  try {
    await Promise.all([settle("Prometheus", promRun.pid, 30_000), settle("lineops", loRun.pid, 30_000)]);
    const endSec = meta.endMs / 1000;
    const rangeSec = args.hours * 3600;
    const p: QueryParams = { endSec, startSec: endSec - rangeSec, stepSec: stepFor(rangeSec) };
    log(
      `querying: instant at ${new Date(meta.endMs).toISOString()}, range ${args.hours} h step ${p.stepSec} s (${Math.floor(rangeSec / p.stepSec) + 1} points); 1 warm-up + ${args.runs} runs each`,
    );
    const q0 = performance.now();
    results = await runQueries(lineops, prometheus, prom.version, p, args.runs, args.only);
    timings.queriesS = round((performance.now() - q0) / 1000);
  } finally {
    const rss = {
      lineopsMiB: round(rssBytes(loRun.pid) / 2 ** 20, 0),
      prometheusMiB: round(rssBytes(promRun.pid) / 2 ** 20, 0),
    };
    log(`RSS after queries: ${JSON.stringify(rss)}`);
    await Promise.all([promRun.stop(30_000), loRun.stop(60_000)]);
    timings.rssLineopsMiB = rss.lineopsMiB;
    timings.rssPrometheusMiB = rss.prometheusMiB;
  }
  timings.totalS = round((performance.now() - t0) / 1000);

  printTable(results);
  if (args.cpuProf) {
    reportProfile(path.resolve(args.cpuProf));
  }

  const ratios = results.map((r) => r.ratio).filter((r): r is number => r !== null);
  const maxRatio = ratios.length > 0 ? Math.max(...ratios) : null;
  const allAgree = results.length > 0 && results.every((r) => r.agree);
  const out = {
    bench: "query",
    machine,
    params: {
      quick: args.quick,
      series: meta.series,
      instances: meta.instances,
      stations: meta.stations,
      hours: args.hours,
      samples: meta.samples,
      scrapeIntervalS: 15,
      endTime: new Date(meta.endMs).toISOString(),
      rangeStepS: stepFor(args.hours * 3600),
      runs: args.runs,
      queries: results.length,
      tolerance: { relative: 1e-6, absolute: 1e-12 },
      prometheusArgs: PROMETHEUS_ARGS,
      timings,
      lineopsBlocks: countBlocks(path.join(loDir, "tsdb")),
      prometheusBlocks: countBlocks(promDir),
      diskBytes: { lineops: dirBytes(loDir).bytes, prometheus: dirBytes(promDir).bytes },
    },
    results: { queries: results, maxRatio, allAgree },
    baseline: {
      prometheusVersion: prom.version,
      prometheusSource: prom.source,
      prometheusBin: prom.bin,
      ...(prom.note ? { note: prom.note } : {}),
    },
    ratio: { max: maxRatio, median: ratios.length > 0 ? round(median(ratios), 3) : null },
  };
  log(`done in ${timings.totalS} s${args.keep ? `; kept ${work}` : ""}`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function countBlocks(dir: string): number {
  let n = 0;
  const walk = (d: string, depth: number) => {
    if (depth > 4 || !existsSync(d)) {
      return;
    }
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (name === "meta.json") {
        n++;
      } else if (statSync(p).isDirectory()) {
        walk(p, depth + 1);
      }
    }
  };
  walk(dir, 0);
  return n;
}

async function runQueries(
  lineops: Endpoint,
  prometheus: Endpoint,
  prometheusVersion: string,
  p: QueryParams,
  runs: number,
  only: RegExp | undefined,
): Promise<QueryResult[]> {
  const out: QueryResult[] = [];
  for (const q of QUERIES) {
    if (only && !only.test(q.name)) {
      continue;
    }
    for (const kind of ["instant", "range"] as const) {
      const r: QueryResult = {
        name: q.name,
        type: kind,
        lineopsMs: null,
        prometheusMs: null,
        ratio: null,
        agree: false,
        series: 0,
        points: 0,
      };
      const promExpr = exprFor(q, prometheusVersion);
      if (promExpr !== q.expr) {
        r.prometheusExpr = promExpr;
      }
      try {
        // Warm-up, whose answers are the ones compared; both run even when one fails, to say which.
        const [ra, rb] = [
          await settled(timedQuery(lineops, kind, q.expr, p, QUERY_TIMEOUT_MS)),
          await settled(timedQuery(prometheus, kind, promExpr, p, QUERY_TIMEOUT_MS)),
        ];
        if (ra instanceof Error || rb instanceof Error) {
          throw new Error(
            [ra, rb]
              .filter((x): x is Error => x instanceof Error)
              .map((e) => e.message)
              .join("; "),
          );
        }
        const [a, b] = [ra, rb];
        const cmp = compareResults(a.data as ApiData, b.data as ApiData);
        r.agree = cmp.agree;
        r.series = cmp.seriesB;
        r.points = cmp.points;
        if (!cmp.agree) {
          r.mismatches = cmp.mismatchCount;
          log(
            `  DISAGREE ${q.name} ${kind}: ${cmp.mismatchCount} differences (lineops ${cmp.seriesA} series, Prometheus ${cmp.seriesB}); A = lineops, B = Prometheus:\n    ${cmp.mismatches.join("\n    ")}`,
          );
        }
        // Alternate the systems run by run, so drift in machine load hits both alike.
        const lo: number[] = [];
        const pr: number[] = [];
        for (let i = 0; i < runs; i++) {
          lo.push((await timedQuery(lineops, kind, q.expr, p, QUERY_TIMEOUT_MS)).ms);
          pr.push((await timedQuery(prometheus, kind, promExpr, p, QUERY_TIMEOUT_MS)).ms);
        }
        r.lineopsMs = round(median(lo));
        r.prometheusMs = round(median(pr));
        r.ratio = round(r.lineopsMs / r.prometheusMs, 3);
      } catch (err) {
        r.error = (err as Error).message.slice(0, 500);
        log(`  ERROR ${q.name} ${kind}: ${r.error}`);
      }
      log(
        `  ${q.name.padEnd(24)} ${kind.padEnd(7)} lineops ${fmt(r.lineopsMs)} ms  Prometheus ${fmt(r.prometheusMs)} ms  ratio ${r.ratio ?? "-"}  ${r.agree ? "agree" : "DISAGREE"} (${r.series} series, ${r.points} points)`,
      );
      out.push(r);
    }
  }
  return out;
}

const fmt = (x: number | null) => (x === null ? "-" : x.toFixed(1)).padStart(8);

function printTable(results: QueryResult[]): void {
  const lines = ["", "query                    type     lineops ms  Prometheus ms   ratio  agree"];
  for (const r of results) {
    lines.push(
      `${r.name.padEnd(24)} ${r.type.padEnd(7)} ${fmt(r.lineopsMs)}    ${fmt(r.prometheusMs)}     ${String(r.ratio ?? "-").padStart(6)}  ${r.agree ? "yes" : "NO"}`,
    );
  }
  process.stderr.write(`${lines.join("\n")}\n\n`);
}

function reportProfile(dir: string): void {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const newest = files[0];
  if (!newest) {
    log(`no .cpuprofile in ${dir} (did lineops exit gracefully?)`);
    return;
  }
  const s = summarizeCpuProfile(newest, ROOT);
  const lines = [`CPU profile of lineops serve: ${newest} (${s.totalMs} ms sampled)`, "  self time:"];
  for (const h of s.self) {
    lines.push(`    ${String(h.ms).padStart(9)} ms ${String(h.share).padStart(5)} %  ${h.where}`);
  }
  lines.push("  inclusive by file:");
  for (const h of s.inclusiveByFile) {
    lines.push(`    ${String(h.ms).padStart(9)} ms ${String(h.share).padStart(5)} %  ${h.where}`);
  }
  process.stderr.write(`${lines.join("\n")}\n`);
}

runMain("query", main);
