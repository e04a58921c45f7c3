// Analytics benchmark (issue P9, Deliver 6): how long GET /api/v1/analytics/oee (by day and by shift),
// /downtime, /slo and an operations report (JSON, CSV, HTML, PDF) take over 30 days of a line's data at 15 s, against the plan's "< 2 s". Generates the
// data (data.ts), loads it with `lineops tsdb import`, serves it with the same shift calendar and
// times each call (median of N, after one warm-up). Progress on stderr; the last stdout line is JSON.
// Run: npm run build && npx tsx bench/analytics/main.ts --json [--quick] [--days N] [--stations N] [--runs N]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { parseFlags, turnOn } from "../common/args.js";
import { killChildrenOnSignals, onExitCleanup } from "../common/children.js";
import { lineopsCliPath, startLineops, type RunningLineops } from "../common/lineops.js";
import { machineInfo } from "../common/machine.js";
import { argsOrExit, runMain } from "../common/main.js";
import { runToCompletion } from "../common/run.js";
import { mintAdminToken } from "../query/systems.js";
import { generateLineData, SHIFTS } from "./data.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PLAN_MS = 2000;
/** PDF reports are timed only where Debian's Chromium is installed (never downloaded). */
const CHROMIUM = process.env.LINEOPS_CHROMIUM ?? "/usr/bin/chromium";

type Args = { json: boolean; quick: boolean; days: number; stations: number; runs: number; keep: boolean };
const USAGE =
  "usage: bench/analytics/main.ts [--json] [--quick] [--days N (30)] [--stations N (4)] [--runs N (5)] [--keep]";

function parseArgs(argv: string[]): Args {
  const a = parseFlags<Args>(
    argv,
    { json: false, quick: false, days: 30, stations: 4, runs: 5, keep: false },
    {
      "--json": turnOn("json"),
      "--quick": turnOn("quick"),
      "--keep": turnOn("keep"),
      "--days": (x, v) => (x.days = v.positive()),
      "--stations": (x, v) => (x.stations = v.positive()),
      "--runs": (x, v) => (x.runs = v.positive()),
    },
    USAGE,
  );
  return a.quick ? { ...a, days: Math.min(a.days, 3), runs: Math.min(a.runs, 3) } : a;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timed(
  lineops: RunningLineops,
  url: string,
  runs: number,
): Promise<{ ms: number; body: unknown }> {
  const call = async () => {
    const t0 = performance.now();
    const res = await fetch(`${lineops.url}${url}`, {
      headers: { authorization: `Bearer ${lineops.token}` },
    });
    // A report document (HTML, CSV, PDF) is not JSON: read to the end, it counts as an answer.
    const json = (res.headers.get("content-type") ?? "").startsWith("application/json");
    const body = (
      json
        ? await res.json()
        : { status: res.ok ? "success" : "error", bytes: (await res.arrayBuffer()).byteLength }
    ) as {
      status?: string;
      error?: string;
    };
    const ms = performance.now() - t0;
    if (res.status !== 200 || body.status !== "success") {
      throw new Error(`${url}: ${res.status} ${body.error ?? ""}`);
    }
    return { ms, body };
  };
  const warm = await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    times.push((await call()).ms);
  }
  return { ms: median(times), body: warm.body };
}

async function main(a: Args): Promise<void> {
  killChildrenOnSignals();
  const work = mkdtempSync(path.join(os.tmpdir(), "lineops-bench-analytics-"));
  if (!a.keep) {
    onExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  }
  // Whole hours, so the by=day range ends on a clean boundary; the data ends a minute before.
  const endMs = Math.floor(Date.now() / 3600_000) * 3600_000 - 60_000;
  const om = path.join(work, "line.om");
  log(`generating ${a.days} days × ${a.stations} stations at 15 s ...`);
  const gen = generateLineData(om, { ...a, endMs, onProgress: (w) => log(`  ${w}`) });
  log(`  ${gen.series} series, ${gen.samples} samples, ${(gen.bytes / 1e6).toFixed(0)} MB`);
  const dataDir = path.join(work, "data");
  log("importing into lineops ...");
  // The server keeps a.days + 5 days (30 days need more than the default 15): the import too.
  const retention = `${a.days + 5}d`;
  const load = await runToCompletion(
    process.execPath,
    [lineopsCliPath(ROOT), "tsdb", "import", om, "--data-dir", dataDir, "--retention", retention, "--json"],
    { timeoutMs: 1800_000, cwd: ROOT },
  );
  log(`  imported in ${(load.ms / 1000).toFixed(1)} s`);
  rmSync(om, { force: true });
  const token = await mintAdminToken(ROOT, dataDir);
  const lineops = await startLineops({
    root: ROOT,
    dataDir,
    token,
    readyTimeoutMs: 600_000,
    // Without it the data plane outlives lineops (by design, for the line) and the bench leaves it running.
    stopLine: true,
    configYaml: stringify({
      monitoring: { host: { enabled: false }, tsdb: { retention } },
      shifts: SHIFTS,
    }),
  });
  try {
    const from = (gen.maxT - a.days * 86_400_000 + 60_000) / 1000;
    const to = (gen.maxT + 1000) / 1000;
    const range = `from=${from}&to=${to}`;
    const calls = {
      oeeByDayMs: `/api/v1/analytics/oee?${range}&by=day`,
      oeeByShiftMs: `/api/v1/analytics/oee?${range}&by=shift`,
      oeeOneStationByShiftMs: `/api/v1/analytics/oee?${range}&by=shift&station=1`,
      downtimeMs: `/api/v1/analytics/downtime?${range}`,
      downtimeByStationMs: `/api/v1/analytics/downtime?${range}&by=station`,
      // SLOs over the objective's 30 days (the tiered querier) and burn rates at its end.
      sloMs: `/api/v1/analytics/slo?to=${to}`,
      // An operations report over the whole range: every figure above plus SLOs, DORA, top alerts.
      reportJsonMs: `/api/v1/reports/operations?period=week&${range}&format=json`,
      reportCsvMs: `/api/v1/reports/operations?period=week&${range}&format=csv`,
      reportHtmlMs: `/api/v1/reports/operations?period=week&${range}&format=html`,
      ...(existsSync(CHROMIUM)
        ? { reportPdfMs: `/api/v1/reports/operations?period=week&${range}&format=pdf` }
        : {}),
    };
    const results: Record<string, number> = {};
    const answers: Record<string, unknown> = {};
    for (const [name, url] of Object.entries(calls)) {
      log(`timing ${name} (${a.runs} runs) ...`);
      const r = await timed(lineops, url, a.runs);
      results[name] = Math.round(r.ms);
      answers[name] = r.body;
      log(`  ${results[name]} ms`);
    }
    const byDay = answers.oeeByDayMs as {
      data: { buckets: unknown[]; total: { line: Record<string, number> } };
    };
    const byShift = answers.oeeByShiftMs as { data: { buckets: unknown[] } };
    const downtime = answers.downtimeMs as { data: { items: { reason: string; seconds: number }[] } };
    const summary = {
      bench: "analytics",
      machine: machineInfo(),
      config: {
        days: a.days,
        stations: a.stations,
        stepSeconds: 15,
        series: gen.series,
        samples: gen.samples,
      },
      results: { ...results, importMs: Math.round(load.ms) },
      baseline: { planMs: PLAN_MS },
      ratio: Object.fromEntries(
        Object.entries(results).map(([k, v]) => [k, Math.round((v / PLAN_MS) * 1000) / 1000]),
      ),
      answers: {
        days: byDay.data.buckets.length,
        shifts: byShift.data.buckets.length,
        lineOee: byDay.data.total.line,
        pareto: downtime.data.items.map((i) => `${i.reason} ${(i.seconds / 3600).toFixed(1)} h`),
        slo: (
          answers.sloMs as {
            data: {
              services: {
                service: string;
                availability: number;
                budgetRemaining: number;
                burnRates: { window: string; rate: number }[];
              }[];
            };
          }
        ).data.services.map(
          (x) =>
            `${x.service} ${(x.availability * 100).toFixed(3)} % budget ${(x.budgetRemaining * 100).toFixed(0)} % burn ${x.burnRates.map((b) => `${b.window} ${b.rate.toFixed(2)}`).join(" ")}`,
        ),
      },
    };
    if (!a.json) {
      log(JSON.stringify(summary, null, 2));
    }
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await lineops.stop();
  }
}

runMain("analytics", () => main(argsOrExit(parseArgs)));
