// P2's monitoring benchmark: lineops and Prometheus scrape the same simulated targets in the same
// run; reports collection latency, full-cycle time, samples per CPU second, bytes per active series
// and bytes per sample on disk for both, and their ratio. Last line of output: one JSON object.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { killChildrenOnSignals, onExitCleanup } from "../common/children.js";
import { lineopsCli, startLineops } from "../common/lineops.js";
import { machineInfo } from "../common/machine.js";
import { argsOrExit, runMain } from "../common/main.js";
import { findPrometheus, startPrometheus, type PrometheusBinary } from "../common/prometheus.js";
import { parseArgs } from "./args.js";
import { lineopsConfig, prometheusConfig } from "./configs.js";
import { measurePhase, type Measured } from "./measure.js";
import { scaleProbe, type ScaleResult } from "./scale.js";
import { startSimulator } from "./sim-process.js";
import { LineopsSystem, PrometheusSystem, type System } from "./systems.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const args = argsOrExit(parseArgs);
const log = (msg: string) => (args.json ? process.stderr : process.stdout).write(`${msg}\n`);

// Ratios only where lineops/Prometheus means something (counts and notes are left out).
const RATIO_KEYS = [
  "collectionP99Ms",
  "collectionP50Ms",
  "scrapeDurationP99Ms",
  "fullCycleMs",
  "samplesPerCpuSecond",
  "cpuSeconds",
  "bytesPerActiveSeries",
  "rssBytes",
  "peakRssBytes",
  "bytesPerSample",
] as const;

export type Factory = { name: System["name"]; start(): Promise<System> };

async function main(): Promise<void> {
  killChildrenOnSignals();
  const began = Date.now();
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-monitoring-"));
  if (!args.keep) {
    onExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  }
  const notes: string[] = [];
  const prom: PrometheusBinary = await findPrometheus({ log });
  if (prom.note) {
    notes.push(prom.note);
  }
  log(`prometheus ${prom.version} (${prom.source}: ${prom.bin})`);
  const wantLineops = args.only !== "prometheus";
  if (wantLineops && !lineopsCli(root)) {
    notes.push("lineops not measured: dist/src/cli/main.js missing (run `npm run build`)");
  }

  log(`simulator: ${args.targets} targets × ${args.series} series, interval ${args.intervalMs} ms`);
  const sim = await startSimulator(args.targets, args.series);
  const instances = sim.ports.map((p) => `127.0.0.1:${p}`);

  const factories: Factory[] = [];
  if (args.only !== "lineops") {
    factories.push({
      name: "prometheus",
      start: async () =>
        new PrometheusSystem(
          await startPrometheus({
            bin: prom.bin,
            configYaml: prometheusConfig(instances, args.intervalMs),
            dataDir: path.join(work, "prometheus"),
          }),
        ),
    });
  }
  if (wantLineops && lineopsCli(root)) {
    factories.push({
      name: "lineops",
      start: async () =>
        new LineopsSystem(
          await startLineops({
            root,
            configYaml: lineopsConfig(instances, args.intervalMs),
            dataDir: path.join(work, "lineops"),
          }),
        ),
    });
  }

  const measured = new Map<string, Measured>();
  const errors: Record<string, string> = {};
  const phases = args.mode === "parallel" ? [factories] : factories.map((f) => [f]);
  let scale: ScaleResult | undefined;
  try {
    for (const phase of phases) {
      const r = await measurePhase(phase, { args, sim, work, promtool: prom.promtool, instances, log });
      for (const [k, v] of r.measured) {
        measured.set(k, v);
      }
      Object.assign(errors, r.errors);
    }
    if (args.scale) {
      scale = await scaleProbe({ args, root, prom, log });
    }
  } finally {
    await sim.stop();
    if (!args.keep) {
      rmSync(work, { recursive: true, force: true });
    } else {
      log(`data kept in ${work}`);
    }
  }

  for (const [name, err] of Object.entries(errors)) {
    notes.push(`${name}: ${err}`);
  }
  const results = measured.get("lineops")?.results ?? null;
  const baseline = measured.get("prometheus")?.results ?? null;
  const ratio: Record<string, number> = {};
  if (results && baseline) {
    for (const k of RATIO_KEYS) {
      const v = results[k];
      const b = baseline[k];
      if (typeof v === "number" && typeof b === "number" && b !== 0 && Number.isFinite(v / b)) {
        ratio[k] = Math.round((v / b) * 1000) / 1000;
      }
    }
  }
  const elapsedS = Math.round((Date.now() - began) / 1000);
  log(`done in ${elapsedS} s`);
  const out = {
    bench: "monitoring",
    machine: { ...machineInfo(), prometheus: `${prom.version} (${prom.source})` },
    params: {
      targets: args.targets,
      series: args.series,
      intervalMs: args.intervalMs,
      durationS: args.durationS,
      mode: args.mode,
      quick: args.quick,
    },
    results,
    baseline,
    ratio,
    ...(scale ? { scale } : {}),
    simulator: measured.values().next().value?.simulator ?? null,
    notes,
    elapsedS,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

runMain("monitoring", main);
