// bench:ui (issue P9, Verify): lineops's production web build (`npm run build`, served by
// `lineops serve` from dist/) in Debian's Chromium through playwright-core, over loopback.
//   overviewInteractiveMs  navigation → the line overview drawn with live values (signed in)
//   dashboard30PanelsMs    navigation → all 30 time series panels of a 24 h dashboard drawn
//   scrapeToScreenP99Ms    a scraped sample's answer sent → its value shown on an open dashboard
//   explorerChartMs        Run query → chart drawn, lineops /explore beside Prometheus 2.53 /graph
// Both systems hold the same backfilled day (data.ts); lineops also runs the sample line
// (examples/line.yaml) for the overview. Timings are taken in the page (watch.ts): the first
// animation frame at which the screen's condition holds. Progress on stderr; JSON the last stdout line.
// Run: npm run build && npm run bench:ui -- --json [--quick] [--screenshots]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, signedInPage } from "../../src/test-support/browser.js";
import { killChildrenOnSignals, onExitCleanup } from "../common/children.js";
import { lineopsCliPath, startLineops, type RunningLineops } from "../common/lineops.js";
import { machineInfo } from "../common/machine.js";
import { argsOrExit, runMain } from "../common/main.js";
import { findPrometheus, startPrometheus, type RunningPrometheus } from "../common/prometheus.js";
import { instantQuery, pollUntil, type MatrixSeries, type VectorSample } from "../common/prom-api.js";
import { runToCompletion } from "../common/run.js";
import { PROMETHEUS_ARGS, mintAdminToken } from "../query/systems.js";
import { parseArgs, type Args } from "./args.js";
import { DAY_UID, SEQ_TITLE, SEQ_UID, dayDashboard, seqDashboard } from "./dashboards.js";
import { EXPLORER_QUERY, PANELS, generateDay, type Generated } from "./data.js";
import { quantile, ms, ratio, scrapeToScreen, spread, type Shown } from "./stats.js";
import { SEQ_METRIC, startSeqTarget, type SeqTarget } from "./target.js";
import { watcherScript, shownValuesScript, type ConditionName } from "./watch.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EXAMPLES = path.join(ROOT, "examples");
const SHOTS = path.join(ROOT, "docs", "screenshots");
/**
 * The explorers' range and step, the same on both sides (721 points a series): 2 m is the finest
 * step lineops's Explore keeps over a day at this width (it raises a finer one to one point per
 * pixel, and the bench refuses a raised step: both sides must draw the same points).
 */
const EXPLORER_RANGE = "1d";
const EXPLORER_STEP_S = 120;
const GOALS = { overviewInteractiveMs: 300, dashboard30PanelsMs: 1000, scrapeToScreenP99Ms: 250 };
const PLAN = { overviewInteractiveMs: 500, scrapeToScreenP99Ms: 1000 };

const log = (s: string) => process.stderr.write(`[bench:ui] ${s}\n`);

function lineopsYaml(seqPort: number): string {
  const rules = ["line.rules.yml", "lineops.rules.yml", "oee.rules.yml"]
    .map((f) => `  - ${JSON.stringify(path.join(EXAMPLES, "rules", f))}`)
    .join("\n");
  // The overview browser test's line (1 s scrapes and rules, demo traffic), plus the sequence target.
  return `line: { file: ${JSON.stringify(path.join(EXAMPLES, "line.yaml"))} }
rule_files:
${rules}
monitoring:
  scrapeInterval: 1s
  scrapeTimeout: 900ms
  evaluationInterval: 1s
  host: { enabled: false }
traffic: { enabled: true, ratePerSecond: 2, service: line-controller }
shifts: { targetUnitsPerHour: 6000 }
scrape_configs:
  - job_name: bench-ui-seq
    scrape_interval: 1s
    scrape_timeout: 900ms
    static_configs:
      - targets: ["127.0.0.1:${seqPort}"]
`;
}

async function lineopsApi<T>(
  lo: RunningLineops,
  method: "GET" | "PUT",
  p: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${lo.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${lo.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  }
  return JSON.parse(text) as T;
}

/** lineops with the day imported, the sample line and the sequence target; ready for the overview. */
async function startLineopsSide(
  work: string,
  om: string,
  target: SeqTarget,
): Promise<{ lineops: RunningLineops; importMs: number }> {
  const dataDir = path.join(work, "lineops-data");
  const load = await runToCompletion(
    process.execPath,
    [lineopsCliPath(ROOT), "tsdb", "import", om, "--data-dir", dataDir, "--json"],
    { timeoutMs: 300_000, cwd: ROOT },
  );
  const token = await mintAdminToken(ROOT, dataDir);
  const lineops = await startLineops({
    root: ROOT,
    dataDir,
    token,
    stopLine: true, // the sample line's instances and data plane go with it
    readyTimeoutMs: 120_000,
    configYaml: lineopsYaml(target.port),
  });
  return { lineops, importMs: load.ms };
}

async function startPrometheusSide(
  work: string,
  om: string,
): Promise<{ prom: RunningPrometheus; version: string; source: string }> {
  const bin = await findPrometheus({ log });
  if (!bin.promtool) {
    throw new Error(`no promtool beside ${bin.bin}`);
  }
  const dataDir = path.join(work, "prom-data");
  await runToCompletion(bin.promtool, ["tsdb", "create-blocks-from", "openmetrics", om, dataDir], {
    timeoutMs: 300_000,
  });
  // No scrape jobs: the backfilled day is all it holds, as in bench:query.
  const prom = await startPrometheus({
    bin: bin.bin,
    dataDir,
    configYaml: "global:\n  scrape_interval: 15s\nscrape_configs: []\n",
    extraArgs: PROMETHEUS_ARGS,
    readyTimeoutMs: 120_000,
  });
  return { prom, version: bin.version, source: bin.source };
}

const isFiniteSample = (r: VectorSample[] | MatrixSeries[]) =>
  (r as VectorSample[]).some((s) => s.value !== undefined && Number.isFinite(Number(s.value[1])));

/** Every service ready, stations and OEE recorded, the sequence scraped: the overview can be drawn. */
async function waitLineReady(lo: RunningLineops): Promise<void> {
  type Svc = { name: string; desired: number; readyInstances: number };
  await pollUntil(
    "every service of the sample line ready",
    async () => {
      const { services } = await lineopsApi<{ services: Svc[] }>(lo, "GET", "/api/v1/services");
      return services.length > 0 && services.every((s) => s.readyInstances === s.desired) ? true : undefined;
    },
    120_000,
  );
  for (const q of [
    "line:oee:ratio_rate5m",
    "station_state == 1",
    "sum(rate(units_produced_total[1m]))",
    SEQ_METRIC,
  ]) {
    await pollUntil(
      `${q} to have a value`,
      async () => (isFiniteSample(await instantQuery(lo.url, q, { token: lo.token })) ? true : undefined),
      120_000,
    );
  }
}

/** The day's data really spans the dashboard's 24 h: first and last points of a panel's series. */
async function checkDayCoverage(
  lo: RunningLineops,
  gen: Generated,
): Promise<{ firstPointAgoH: number; lastPointAgoS: number }> {
  const now = Date.now() / 1000;
  const res = await fetch(
    `${lo.url}/api/v1/query_range?${new URLSearchParams({
      query: 'bench_ui_panel{panel="1",series="s0"}',
      start: String(now - 86_400),
      end: String(now),
      step: "300",
    })}`,
    { headers: { authorization: `Bearer ${lo.token}` } },
  );
  const body = (await res.json()) as { data?: { result: MatrixSeries[] } };
  const values = body.data?.result[0]?.values ?? [];
  const first = values[0]?.[0];
  const last = values.at(-1)?.[0];
  if (first === undefined || last === undefined || first > now - 86_000 || last < gen.maxT / 1000 - 300) {
    throw new Error(`the imported day does not cover the last 24 h (points ${first}…${last}, now ${now})`);
  }
  return {
    firstPointAgoH: Math.round(((now - first) / 3600) * 100) / 100,
    lastPointAgoS: Math.round(now - last),
  };
}

type BenchUi = { doneAt: number | null; startAt: number | null; stages: Record<string, number> };

/**
 * Polls a JS expression in the page until it is true. page.evaluate goes through the DevTools
 * protocol; Playwright's waitForFunction evaluates strings in the page, which lineops's CSP forbids.
 * The poll only reads what the page recorded: its period does not enter the timings.
 */
async function waitInPage(page: Page, expr: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await page.evaluate(`!!(${expr})`)) === true) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function waitDone(page: Page, what: string): Promise<number> {
  return (await waitDoneWithStages(page, what)).ms;
}

/** The timing, and the milestones (ms from the same start) with the navigation's own. */
async function waitDoneWithStages(
  page: Page,
  what: string,
): Promise<{ ms: number; stages: Record<string, number> }> {
  if (!(await waitInPage(page, "window.__benchUi && window.__benchUi.doneAt !== null", 60_000))) {
    throw new Error(`${what} was not drawn within 60 s`);
  }
  const st = (await page.evaluate(`({ ...window.__benchUi, nav: (() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n ? { htmlResponseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd } : {};
  })() })`)) as BenchUi & { nav: Record<string, number> };
  const start = st.startAt as number;
  const stages = Object.fromEntries(
    Object.entries({ ...st.nav, ...st.stages }).map(([k, v]) => [k, v - start]),
  );
  return { ms: (st.doneAt as number) - start, stages };
}

/** Per milestone, the median over the runs. */
function medianStages(runs: Record<string, number>[]): Record<string, number | null> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(
    names.map((n) => [
      n,
      ms(
        quantile(
          runs.flatMap((r) => (r[n] === undefined ? [] : [r[n]!])),
          0.5,
        ),
      ),
    ]),
  );
}

async function shoot(page: Page, args: Args, name: string): Promise<void> {
  if (args.screenshots) {
    await page.screenshot({ path: path.join(SHOTS, `bench-ui-${name}.png`), fullPage: true });
  }
}

/** What the page showed when a measurement failed: test-output/bench-ui-failed-<name>.png. */
async function failureShot(page: Page, name: string): Promise<void> {
  const file = path.join(ROOT, "test-output", `bench-ui-failed-${name}.png`);
  mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  log(`what the page showed: ${file}`);
}

/** Navigation → drawn, `reps` times after one warm-up, each in a new tab of the signed-in context. */
async function timeLoads(
  context: BrowserContext,
  args: Args,
  what: { path: string; condition: ConditionName; panels?: number; shot: string },
): Promise<{ times: number[]; stages: Record<string, number | null>; steps: string[] }> {
  const times: number[] = [];
  const stages: Record<string, number>[] = [];
  const steps = new Set<string>();
  for (let i = 0; i <= args.reps; i++) {
    const page = await context.newPage();
    // The steps the page asked for (GET or POST form), to state what "drawn" covered.
    page.on("request", (r) => {
      if (r.url().includes("/api/v1/query_range")) {
        const form = new URLSearchParams(r.postData() ?? new URL(r.url()).search);
        steps.add(form.get("step") ?? "?");
      }
    });
    try {
      await page.addInitScript(watcherScript(what.condition, { panels: what.panels ?? 0 }));
      await page.goto(what.path, { waitUntil: "commit" });
      const t = await waitDoneWithStages(page, what.path);
      if (i > 0) {
        times.push(t.ms);
        stages.push(t.stages);
      }
      if (i === args.reps) {
        await shoot(page, args, what.shot);
      }
    } catch (err) {
      await failureShot(page, what.shot);
      throw err;
    } finally {
      await page.close();
    }
  }
  return { times, stages: medianStages(stages), steps: [...steps] };
}

type Explorer = {
  name: "lineops" | "prometheus";
  context: BrowserContext;
  url: string;
  /** The expression editor: CodeMirror in lineops, a textarea in Prometheus's classic page. */
  editor: string;
  button: string;
  /** What the page says about the query it ran (step, series, its own load time). */
  meta: string;
  lastMeta?: string;
};

/** Query typed into the editor, then Run query / Execute clicked → the chart drawn. */
async function timeExplorerOnce(x: Explorer, args: Args, shot: boolean): Promise<number> {
  const page = await x.context.newPage();
  try {
    await page.addInitScript(
      watcherScript(x.name === "lineops" ? "exploreLineops" : "explorePrometheus", { fromClick: true }),
    );
    await page.goto(x.url);
    const editor = page.locator(x.editor).first();
    await editor.click({ timeout: 30_000 });
    await page.keyboard.insertText(EXPLORER_QUERY);
    const typed = (x.name === "lineops" ? await editor.textContent() : await editor.inputValue())?.trim();
    if (typed !== EXPLORER_QUERY) {
      throw new Error(`${x.name}'s editor holds "${typed}", not the query`);
    }
    // Leaving the editor closes an autocomplete list that might cover the button.
    await page.evaluate("document.activeElement && document.activeElement.blur()");
    await page.locator(x.button).first().click({ timeout: 30_000 });
    const t = await waitDone(page, `${x.name}'s explorer chart`);
    const meta = ((await page.locator(x.meta).first().textContent()) ?? "").replace(/\s+/g, " ").trim();
    if (x.name === "lineops" && /raised/.test(meta)) {
      throw new Error(
        `lineops's Explore raised the step, the two sides would draw different points: ${meta}`,
      );
    }
    x.lastMeta = meta;
    if (shot) {
      await page.keyboard.press("Escape"); // an autocomplete list left open is not part of the shot
      await shoot(page, args, `explore-${x.name}`);
    }
    return t;
  } catch (err) {
    await failureShot(page, `explore-${x.name}`);
    throw err;
  } finally {
    await page.close();
  }
}

/** Alternating sides each repetition, so a busy moment of the machine falls on both. */
async function timeExplorers(xs: Explorer[], args: Args): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(xs.map((x) => [x.name, [] as number[]]));
  for (let i = 0; i <= args.reps; i++) {
    for (const x of i % 2 === 0 ? xs : [...xs].reverse()) {
      const t = await timeExplorerOnce(x, args, i === args.reps);
      if (i > 0) {
        out[x.name]!.push(t);
      }
    }
  }
  return out;
}

/** Watches the sequence stat on an open dashboard for observeS seconds. */
async function timeScrapeToScreen(
  context: BrowserContext,
  target: SeqTarget,
  args: Args,
): Promise<{ latencies: number[]; misses: number[]; served: number; shown: number }> {
  const page = await context.newPage();
  try {
    await page.addInitScript(shownValuesScript(SEQ_TITLE));
    await page.goto(`/dashboards?uid=${SEQ_UID}`);
    if (!(await waitInPage(page, "window.__benchUiShown && window.__benchUiShown.length > 0", 60_000))) {
      throw new Error("the sequence dashboard showed no value within 60 s");
    }
    target.record(true);
    await new Promise((r) => setTimeout(r, args.observeS * 1000));
    target.record(false);
    const last = Math.max(...target.served.keys());
    // Every recorded number gets the same chance: wait (bounded) until the page shows the last one.
    await waitInPage(page, `window.__benchUiShown.some((s) => s.value >= ${last})`, 20_000);
    const shown = (await page.evaluate("window.__benchUiShown.slice()")) as Shown[];
    await shoot(page, args, "scrape-to-screen");
    return { ...scrapeToScreen(target.served, shown), served: target.served.size, shown: shown.length };
  } finally {
    await page.close();
  }
}

async function run(args: Args): Promise<void> {
  const started = performance.now();
  const work = mkdtempSync(path.join(os.tmpdir(), "lineops-bench-ui-"));
  if (!args.keep) {
    // Retried: after Ctrl-C the children are SIGKILLed a moment before and may still be writing.
    onExitCleanup(() => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  }
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const om = path.join(work, "day.om");
    const gen = generateDay(om, Date.now() - 60_000);
    log(`day generated: ${gen.series} series, ${gen.samples} samples at 15 s`);
    const target = await startSeqTarget();
    stops.push(() => target.close());
    // Chromium starts while lineops and Prometheus load the day.
    const browserStart = launchBrowser();
    stops.push(() => browserStart.then((b) => b.close()));
    const [lo, pr] = await Promise.allSettled([
      startLineopsSide(work, om, target),
      startPrometheusSide(work, om),
    ]);
    if (lo.status === "fulfilled") {
      stops.push(() => lo.value.lineops.stop());
    }
    if (pr.status === "fulfilled") {
      stops.push(() => pr.value.prom.stop());
    }
    if (lo.status === "rejected") {
      throw lo.reason;
    }
    if (pr.status === "rejected") {
      throw pr.reason;
    }
    const { lineops } = lo.value;
    const { prom } = pr.value;
    log(
      `lineops ${lineops.url} (import ${(lo.value.importMs / 1000).toFixed(1)} s), Prometheus ${pr.value.version} ${prom.url}`,
    );
    await waitLineReady(lineops);
    const coverage = await checkDayCoverage(lineops, gen);
    await lineopsApi(lineops, "PUT", `/api/v1/dashboards/${DAY_UID}`, { dashboard: dayDashboard() });
    await lineopsApi(lineops, "PUT", `/api/v1/dashboards/${SEQ_UID}`, {
      dashboard: seqDashboard(SEQ_METRIC),
    });
    log(`line ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const browser: Browser = await browserStart;
    const signedIn = await signedInPage(browser, lineops.url, lineops.token, "viewer", {
      path: "/",
      width: 1280,
      height: 800,
    });
    await signedIn.page.close();
    const context = signedIn.context;

    log(`overview: ${args.reps} loads after a warm-up`);
    const overviewRuns = await timeLoads(context, args, {
      path: "/",
      condition: "overview",
      shot: "overview",
    });
    const overview = overviewRuns.times;
    log(`  median ${ms(quantile(overview, 0.5))} ms`);
    log(`30-panel dashboard: ${args.reps} loads after a warm-up`);
    const dashboardRuns = await timeLoads(context, args, {
      path: `/dashboards?uid=${DAY_UID}`,
      condition: "dashboard",
      panels: PANELS,
      shot: "dashboard-30-panels",
    });
    const dashboard = dashboardRuns.times;
    log(`  median ${ms(quantile(dashboard, 0.5))} ms`);

    log(`explorers: ${args.reps} runs each after a warm-up`);
    const promContext = await browser.newContext({
      baseURL: prom.url,
      viewport: { width: 1280, height: 800 },
    });
    const explorers: Explorer[] = [
      {
        name: "lineops",
        context,
        url: `/explore?range=${EXPLORER_RANGE}&step=${EXPLORER_STEP_S}s`,
        editor: ".cm-content",
        button: "form.query-form button[type=submit]",
        meta: ".result-meta",
      },
      {
        name: "prometheus",
        context: promContext,
        // Debian's Prometheus has no React UI (its no-ui page says why); its graph page is the
        // classic one it carries (/classic/graph), with the same g0.* URL options.
        url: `/classic/graph?g0.expr=&g0.tab=0&g0.range_input=${EXPLORER_RANGE}&g0.step_input=${EXPLORER_STEP_S}`,
        editor: "textarea.expression_input",
        button: "input.execute_btn",
        meta: ".eval_stats",
      },
    ];
    const explorer = await timeExplorers(explorers, args);
    log(
      `  lineops median ${ms(quantile(explorer.lineops!, 0.5))} ms, Prometheus ${ms(quantile(explorer.prometheus!, 0.5))} ms`,
    );

    log(`scrape to screen: watching for ${args.observeS} s`);
    const s2s = await timeScrapeToScreen(context, target, args);
    log(
      `  ${s2s.latencies.length} samples, p99 ${ms(quantile(s2s.latencies, 0.99))} ms, misses ${s2s.misses.length}`,
    );

    const lx = spread(explorer.lineops!);
    const px = spread(explorer.prometheus!);
    const results = {
      overviewInteractiveMs: ms(quantile(overview, 0.5)),
      dashboard30PanelsMs: ms(quantile(dashboard, 0.5)),
      scrapeToScreenP99Ms: ms(quantile(s2s.latencies, 0.99)),
      explorerChartMs: lx.medianMs,
    };
    const out = {
      bench: "ui",
      results,
      baseline: {
        explorerChartMs: px.medianMs,
        prometheusVersion: pr.value.version,
        prometheusSource: pr.value.source,
      },
      ratio: { explorerChartMs: ratio(lx.medianMs, px.medianMs) },
      goals: GOALS,
      plan: PLAN,
      details: {
        overview: { ...spread(overview), stagesMedianMs: overviewRuns.stages },
        dashboard30Panels: { ...spread(dashboard), stagesMedianMs: dashboardRuns.stages },
        scrapeToScreen: {
          p50Ms: ms(quantile(s2s.latencies, 0.5)),
          p90Ms: ms(quantile(s2s.latencies, 0.9)),
          p99Ms: ms(quantile(s2s.latencies, 0.99)),
          maxMs: ms(s2s.latencies.length ? Math.max(...s2s.latencies) : null),
          samples: s2s.latencies.length,
          misses: s2s.misses.length,
          valuesShown: s2s.shown,
        },
        explorer: { lineops: lx, prometheus: px },
      },
      machine: { ...machineInfo(), loadAverage1m: Math.round(os.loadavg()[0]! * 10) / 10 },
      params: {
        quick: args.quick,
        reps: args.reps,
        observeS: args.observeS,
        viewport: "1280x800",
        data: { series: gen.series, samples: gen.samples, stepS: 15, ...coverage },
        dashboard: `${PANELS} timeseries panels × 3 series, now-24h…now, step by panel width`,
        seqDashboard: "stat + timeseries of bench_ui_seq, now-5m, refresh 5s; scrapes every 1 s",
        explorerQuery: EXPLORER_QUERY,
        explorerRange: EXPLORER_RANGE,
        explorerStepS: EXPLORER_STEP_S,
        explorerPagesSaid: Object.fromEntries(explorers.map((x) => [x.name, x.lastMeta ?? ""])),
        dashboardRangeQuerySteps: dashboardRuns.steps,
        totalS: Math.round((performance.now() - started) / 100) / 10,
      },
    };
    if (!args.json) {
      log(JSON.stringify(out, null, 2));
    }
    log(`done in ${out.params.totalS} s`);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    for (const stop of stops.reverse()) {
      await stop().catch(() => undefined);
    }
  }
}

killChildrenOnSignals();
const args = argsOrExit(parseArgs);
runMain("ui", () => run(args));
