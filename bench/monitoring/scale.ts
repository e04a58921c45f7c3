// Scale probe (--scale): both systems scrape the simulator at a 15 s interval while each target's
// series count doubles in place, until lineops falls behind (a scrape slower than the interval,
// collection p99 above the interval, a target down, or under 90 % of the expected sample rate).
// Reports the largest active series count lineops kept up with, and both RSS values there.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { onExitCleanup } from "../common/children.js";
import { startLineops } from "../common/lineops.js";
import { rssBytes } from "../common/proc.js";
import { pollUntil } from "../common/prom-api.js";
import { startPrometheus, type PrometheusBinary } from "../common/prometheus.js";
import type { Args } from "./args.js";
import { lineopsConfig, prometheusConfig } from "./configs.js";
import { startSimulator } from "./sim-process.js";
import { quantile, round } from "./stats.js";
import { LineopsSystem, PrometheusSystem, type System } from "./systems.js";

const INTERVAL_MS = 15_000;
/** Intervals observed per step once every series exists. */
const OBSERVE_INTERVALS = 3;

export type ScaleStep = {
  activeSeries: number;
  behind: boolean;
  why?: string;
  lineops?: {
    rssBytes: number;
    scrapeP99Ms: number;
    scrapeMaxMs: number;
    collectionP99Ms?: number;
    samplesPerSecond: number;
  };
  prometheus?: { rssBytes: number; scrapeP99Ms: number; scrapeMaxMs: number; samplesPerSecond: number };
};

export type ScaleResult = {
  intervalMs: number;
  targets: number;
  /** The most active series lineops kept up with (0 if it fell behind at the first step). */
  largestActiveSeries: number;
  lineopsRssBytes?: number;
  prometheusRssBytes?: number;
  steps: ScaleStep[];
  note: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function observe(s: System, windowS: number, samplesBefore: number) {
  const d = await s.scrapeDurations(windowS, INTERVAL_MS);
  const all = Float64Array.from(d.all);
  const c = await s.counters();
  return {
    rssBytes: rssBytes(s.pid),
    scrapeP99Ms: round(quantile(all, 0.99)),
    scrapeMaxMs: round(all.length ? (all[all.length - 1] as number) : NaN),
    samplesPerSecond: Math.round((c.samples - samplesBefore) / windowS),
    series: c.series,
    up: await s.up(),
  };
}

export async function scaleProbe(ctx: {
  args: Args;
  root: string;
  prom: PrometheusBinary;
  log: (msg: string) => void;
}): Promise<ScaleResult> {
  const { args, log } = ctx;
  const deadline = Date.now() + args.scaleMinutes * 60_000;
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-monitoring-scale-"));
  const forget = onExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  const targets = args.targets;
  let perTarget = args.series;
  log(`scale probe: ${targets} targets from ${perTarget} series each, doubling, ${INTERVAL_MS} ms interval`);
  const sim = await startSimulator(targets, perTarget);
  const instances = sim.ports.map((p) => `127.0.0.1:${p}`);
  const systems: System[] = [];
  const result: ScaleResult = {
    intervalMs: INTERVAL_MS,
    targets,
    largestActiveSeries: 0,
    steps: [],
    note: "",
  };
  try {
    systems.push(
      new PrometheusSystem(
        await startPrometheus({
          bin: ctx.prom.bin,
          configYaml: prometheusConfig(instances, INTERVAL_MS),
          dataDir: path.join(work, "prometheus"),
        }),
      ),
      new LineopsSystem(
        await startLineops({
          root: ctx.root,
          configYaml: lineopsConfig(instances, INTERVAL_MS),
          dataDir: path.join(work, "lineops"),
        }),
      ),
    );
    for (;;) {
      const expected = targets * perTarget;
      if (expected > args.scaleMaxSeries) {
        result.note = `stopped at the --scale-max-series cap (${args.scaleMaxSeries})`;
        break;
      }
      const stepMs = (OBSERVE_INTERVALS + 3) * INTERVAL_MS + 30_000;
      if (Date.now() + stepMs > deadline) {
        result.note = `stopped at the --scale-minutes budget (${args.scaleMinutes} min)`;
        break;
      }
      await sim.resize(perTarget);
      log(`  step: ${expected} series`);
      const step: ScaleStep = { activeSeries: expected, behind: false };
      try {
        await Promise.all(
          systems.map((s) =>
            pollUntil(
              `${s.name} to hold ${expected} series`,
              async () => ((await s.counters()).series >= expected ? true : undefined),
              3 * INTERVAL_MS + 30_000,
              1000,
            ),
          ),
        );
      } catch (err) {
        step.behind = true;
        step.why = (err as Error).message.split("\n")[0];
      }
      if (!step.behind) {
        const before = await Promise.all(systems.map((s) => s.counters()));
        await sleep(OBSERVE_INTERVALS * INTERVAL_MS);
        const windowS = (OBSERVE_INTERVALS * INTERVAL_MS) / 1000;
        for (const [i, s] of systems.entries()) {
          const o = await observe(s, windowS, before[i]?.samples ?? 0);
          const { series: _s, up: _u, ...shown } = o;
          if (s.name === "prometheus") {
            step.prometheus = shown;
            continue;
          }
          const coll = await s.collection(windowS, INTERVAL_MS);
          step.lineops = { ...shown, collectionP99Ms: round(coll.p99Ms) };
          const expectedRate = (expected * 1000) / INTERVAL_MS;
          const why = [
            o.scrapeMaxMs > INTERVAL_MS ? `a scrape took ${o.scrapeMaxMs} ms` : "",
            coll.p99Ms > INTERVAL_MS ? `collection p99 ${round(coll.p99Ms)} ms` : "",
            o.up < targets ? `${targets - o.up} targets down` : "",
            o.samplesPerSecond < 0.9 * expectedRate
              ? `${o.samplesPerSecond} samples/s of ${Math.round(expectedRate)}`
              : "",
          ].filter(Boolean);
          if (why.length > 0) {
            step.behind = true;
            step.why = why.join(", ");
          }
        }
      }
      result.steps.push(step);
      log(
        `    ${step.behind ? `lineops behind: ${step.why}` : "lineops keeps up"}; rss lineops ${step.lineops?.rssBytes ?? "?"} B, prometheus ${step.prometheus?.rssBytes ?? "?"} B`,
      );
      if (step.behind) {
        break;
      }
      result.largestActiveSeries = expected;
      result.lineopsRssBytes = step.lineops?.rssBytes;
      result.prometheusRssBytes = step.prometheus?.rssBytes;
      perTarget *= 2;
    }
    if (!result.note) {
      result.note = "stopped when lineops fell behind";
    }
    return result;
  } finally {
    await Promise.all(systems.map((s) => s.stop().catch(() => undefined)));
    await sim.stop();
    rmSync(work, { recursive: true, force: true });
    forget();
  }
}
