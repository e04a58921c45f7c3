// Query bounds benchmark (issue P5 item 2): replays abusive query/analysis requests against an
// in-process lineops, each case in a fresh child process, and reports per case the answer, the
// longest event-loop stall (monitorEventLoopDelay plus a 10 ms interval's lateness) and peak RSS.
// Run: npx tsx bench/query-bounds/main.ts [--json] [--only REGEX] [--case-timeout SECONDS]
// A child that runs out of heap or time is reported as such: that is the "before" of most cases.
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { machineInfo } from "../common/machine.js";
import { runMain } from "../common/main.js";
import { startLineops } from "../../src/main.js";
import { tempDir } from "../../src/test-support/line.js";

type Req = { path: string; form?: string };
type Case = { name: string; what: string; requests: () => Iterable<Req> };

const q = (query: string, extra = "") => `/api/v1/query?query=${encodeURIComponent(query)}${extra}`;
const chain = (n: number) => Array(n).fill("vector(1)").join(" + ");
/**
 * A distinct query of about `bytes` bytes that stays that size form-encoded (under the 1 MB body
 * limit): mostly one long label value, with a few hundred matchers so the AST is not trivial.
 */
const bigQuery = (i: number, bytes: number) => {
  const matchers = Array.from({ length: 300 }, (_, k) => `l${k}!="v${i}"`).join(",");
  return `count(up{${matchers},job!="${"x".repeat(Math.max(0, bytes - matchers.length - 30))}"})`;
};

/** Requests made one at a time, so the client's own strings do not weigh on the server's RSS. */
function* lazy(n: number, make: (i: number) => Req): Iterable<Req> {
  for (let i = 0; i < n; i++) {
    yield make(i);
  }
}

const CASES: Case[] = [
  {
    name: "forecast_horizon",
    what: "forecast of up, range 10s step 1ms, horizon 1000y",
    requests: () => [{ path: "/api/v1/analysis/forecast?query=up&range=10s&step=1ms&horizon=1000y" }],
  },
  {
    name: "subquery_12h_1ms",
    what: "count_over_time(vector(1)[12h:1ms]) (43M steps)",
    requests: () => [{ path: q("count_over_time(vector(1)[12h:1ms])") }],
  },
  {
    name: "subquery_1y_1ms",
    what: "count_over_time(vector(1)[1y:1ms]) (3e10 steps)",
    requests: () => [{ path: q("count_over_time(vector(1)[1y:1ms])") }],
  },
  {
    name: "subquery_2h_1ms",
    what: "count_over_time(vector(1)[2h:1ms]) (7.2M steps, within the budget: CPU-bound, must yield)",
    requests: () => [{ path: q("count_over_time(vector(1)[2h:1ms])") }],
  },
  {
    name: "cpu_bound_timeout",
    what: "sum(count_over_time(vector(1)[2h:1ms])) x 5 with timeout=200ms",
    requests: () =>
      Array.from({ length: 5 }, () => ({
        path: q("sum(count_over_time(vector(1)[2h:1ms]))", "&timeout=0.2"),
      })),
  },
  {
    name: "cache_flood_900k",
    what: "150 distinct ~0.9 MB queries (POST form)",
    requests: () =>
      lazy(150, (i) => ({
        path: "/api/v1/query",
        form: `query=${encodeURIComponent(bigQuery(i, 900_000))}`,
      })),
  },
  {
    name: "cache_flood_100k",
    what: "150 distinct ~100 KB queries (POST form, under the length cap)",
    requests: () =>
      lazy(150, (i) => ({
        path: "/api/v1/query",
        form: `query=${encodeURIComponent(bigQuery(i, 100_000))}`,
      })),
  },
  {
    name: "chain_400",
    what: "vector(1) + vector(1) + ... (400 terms)",
    requests: () => [{ path: "/api/v1/query", form: `query=${encodeURIComponent(chain(400))}` }],
  },
  {
    name: "deep_parens",
    what: "100,000 nested parentheses",
    requests: () => [
      {
        path: "/api/v1/query",
        form: `query=${encodeURIComponent("(".repeat(100_000) + "1" + ")".repeat(100_000))}`,
      },
    ],
  },
];

type CaseResult = {
  name: string;
  statuses: Record<string, number>;
  firstError?: string;
  ms: number;
  maxStallMs: number;
  /** The longest stall counted in this process's CPU time (see the interval in runCase). */
  maxStallCpuMs: number;
  peakRssMb: number;
  outcome: "answered" | "crashed" | "killed";
};

async function runCase(c: Case): Promise<CaseResult> {
  const lineops = await startLineops({ dataDir: tempDir(), port: 0, logger: pino({ level: "silent" }) });
  const token = lineops.tokens.create("abuser", "viewer").token;
  const app = lineops.monitoring.storage.appender();
  const now = Date.now();
  for (let i = 0; i < 4; i++) {
    for (let t = now - 3600_000; t <= now; t += 15_000) {
      app.append({ __name__: "up", job: "line", instance: `i${i}` }, t, 1);
    }
  }
  app.commit();
  const requests = c.requests();
  // Warm-up outside the measurement: the first request compiles routes and code (~150 ms once).
  // Small versions of the cases warm the same code paths, so stalls measure the data, not the JIT.
  const warmUp = [
    q("sum(up)"),
    q(chain(20)),
    q("count_over_time(vector(1)[1m:1s])"),
    "/api/v1/analysis/forecast?query=up&range=1m&step=15s&horizon=1m",
  ];
  for (const path of warmUp) {
    await (await fetch(`${lineops.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).text();
  }
  const h = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = process.memoryUsage().rss;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let maxLate = 0;
  let maxLateCpu = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    const late = t - last - 10;
    // CPU this process used while the tick was late: on a shared box a late tick is often just
    // the process waiting for a core, which only the wall clock sees.
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    if (late > maxLate) {
      maxLate = late;
    }
    maxLateCpu = Math.max(maxLateCpu, Math.min(late, (cpu.user + cpu.system) / 1000 - 10));
    last = t;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  h.enable();
  const statuses: Record<string, number> = {};
  let firstError: string | undefined;
  const t0 = performance.now();
  // Sequential, like one abusive client; each answer is read fully.
  for (const r of requests) {
    const res = await fetch(`${lineops.url}${r.path}`, {
      method: r.form === undefined ? "GET" : "POST",
      headers: {
        authorization: `Bearer ${token}`,
        ...(r.form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      },
      ...(r.form === undefined ? {} : { body: r.form }),
    });
    const text = await res.text();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status >= 400 && firstError === undefined) {
      firstError = text.slice(0, 240);
    }
  }
  const ms = performance.now() - t0;
  h.disable();
  clearInterval(timer);
  await lineops.stop();
  return {
    name: c.name,
    statuses,
    ...(firstError === undefined ? {} : { firstError }),
    ms: Math.round(ms),
    maxStallMs: Math.round(Math.max(h.max / 1e6, maxLate)),
    maxStallCpuMs: Math.round(Math.max(0, maxLateCpu)),
    peakRssMb: Math.round(peakRss / 2 ** 20),
    outcome: "answered",
  };
}

/** One case in a child process, so a crash or a runaway case only ends that child. */
function runChild(name: string, timeoutS: number): Promise<CaseResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--case", name],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutS * 1000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code === 0 && line.startsWith("{")) {
        resolve(JSON.parse(line) as CaseResult);
        return;
      }
      resolve({
        name,
        statuses: {},
        firstError: (signal ? `killed (${signal}) after ${timeoutS}s` : `exit ${code}: `) + err.slice(-300),
        ms: Math.round(performance.now() - started),
        maxStallMs: NaN,
        maxStallCpuMs: NaN,
        peakRssMb: NaN,
        outcome: signal ? "killed" : "crashed",
      });
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const caseName = argv[argv.indexOf("--case") + 1];
  if (argv.includes("--case") && caseName) {
    const c = CASES.find((x) => x.name === caseName);
    if (!c) {
      throw new Error(`no case ${caseName}`);
    }
    process.stdout.write(`${JSON.stringify(await runCase(c))}\n`);
    return;
  }
  const only = argv.includes("--only") ? new RegExp(argv[argv.indexOf("--only") + 1] ?? "") : undefined;
  const timeoutS = argv.includes("--case-timeout") ? Number(argv[argv.indexOf("--case-timeout") + 1]) : 90;
  const results: Record<string, CaseResult> = {};
  for (const c of CASES.filter((x) => !only || only.test(x.name))) {
    process.stderr.write(`${c.name}: ${c.what} ... `);
    const r = await runChild(c.name, timeoutS);
    results[c.name] = r;
    process.stderr.write(
      `${r.outcome} ${JSON.stringify(r.statuses)} in ${r.ms} ms, max stall ${r.maxStallMs} ms (${r.maxStallCpuMs} ms CPU), peak RSS ${r.peakRssMb} MB${r.firstError ? ` (${r.firstError.slice(0, 160)})` : ""}\n`,
    );
  }
  const stalls = Object.values(results).map((r) => (Number.isFinite(r.maxStallMs) ? r.maxStallMs : Infinity));
  const cpuStalls = Object.values(results).map((r) =>
    Number.isFinite(r.maxStallCpuMs) ? r.maxStallCpuMs : Infinity,
  );
  const rss = Object.values(results).map((r) => (Number.isFinite(r.peakRssMb) ? r.peakRssMb : Infinity));
  process.stdout.write(
    `${JSON.stringify({
      bench: "query-bounds",
      machine: machineInfo(),
      results: {
        cases: results,
        maxStallMs: Math.max(...stalls),
        maxStallCpuMs: Math.max(...cpuStalls),
        peakRssMb: Math.max(...rss),
      },
      baseline: {},
      ratio: {},
    })}\n`,
  );
}

runMain("query-bounds", main);
