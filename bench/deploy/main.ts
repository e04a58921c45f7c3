// P4's deploy benchmark: zero-downtime deployments of the sample line under lineops, with a load
// generator (a separate process) sending work orders through line-controller's front door the
// whole time. Reports failed/total requests per strategy, the faulty canaries' rollbacks, and the
// line rollout, rollback and health verification times. Last line of stdout: one JSON object.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { killChildrenOnSignals } from "../common/children.js";
import { startLineops, type RunningLineops } from "../common/lineops.js";
import { machineInfo } from "../common/machine.js";
import { argsOrExit, runMain } from "../common/main.js";
import { cpuSeconds } from "../common/proc.js";
import { LineopsApi, waitLineReady } from "./api.js";
import { parseArgs } from "./args.js";
import { InstanceWatcher } from "./instances.js";
import { lineYaml, SERVICES } from "./line-yaml.js";
import { lineWorkDir } from "./work-dir.js";
import { LoadClient } from "./load-client.js";
import {
  abortPausedCanary,
  runScenario,
  secondsToStable,
  toggle,
  versionOf,
  type Ctx,
  type DeployRun,
  type ScenarioResult,
} from "./scenarios.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const args = argsOrExit(parseArgs);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

const PLAN = {
  lineRolloutSeconds: 300,
  rollbackSeconds: 120,
  healthVerificationSeconds: 30,
  availability: 0.9999,
};

const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** The faulty canary's share of traffic: at most this share of requests may fail while it is judged. */
const FAULTY_WEIGHT = 25;

const stableTimes = (s: { runs: DeployRun[] }) =>
  s.runs.map((r) => secondsToStable(r)).filter((x): x is number => x !== undefined);

/** Whether every faulty deployment was rolled back, and how fast traffic was all on stable again. */
function faultySummary(s: { runs: DeployRun[]; result: ScenarioResult }) {
  const times = stableTimes(s);
  return {
    rolledBack: s.runs.length > 0 && s.runs.every((r) => r.phase === "RolledBack"),
    secondsToStable: r3(median(times)),
    secondsToStableMax: r3(Math.max(...times, 0)),
    ...s.result,
  };
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] ?? NaN);
};

function safeCpu(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  killChildrenOnSignals();
  const began = Date.now();
  const { dataDir } = await lineWorkDir({
    root,
    prefix: "bench-deploy-",
    build: args.build,
    keep: args.keep,
    log,
  });

  log("starting lineops with the sample line (all 1.0.0)");
  const tStart = Date.now();
  // startLineops passes --config; the config's line.file (relative to it) is what --line would give.
  const lineops: RunningLineops = await startLineops({
    stopLine: true,
    root,
    configYaml: "line:\n  file: line.yaml\n",
    dataDir,
    logLevel: "warn",
  });
  let load: LoadClient | undefined;
  let watcher: InstanceWatcher | undefined;
  try {
    const api = new LineopsApi(lineops.url, lineops.token);
    await waitLineReady(api, SERVICES.length, 90_000);
    const lineStartSeconds = (Date.now() - tStart) / 1000;
    const front = (await api.status()).services.find((s) => s.name === "line-controller")?.url;
    if (!front) {
      throw new Error("line-controller has no front-door url in /api/v1/status");
    }
    log(
      `lineops ${lineops.url}, line ready in ${lineStartSeconds.toFixed(1)} s; line-controller at ${front}`,
    );

    load = LoadClient.start({ url: front, rate: args.rate, concurrency: args.concurrency, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, args.quick ? 1500 : 5000));
    // CPU of every process on the request path, to tell a saturated machine from a slow line.
    const linePids = (await api.instances()).instances
      .map((i) => i.pid)
      .filter((p): p is number => p !== undefined);
    const cpuOf = (pids: number[]) => pids.reduce((sum, p) => sum + safeCpu(p), 0);
    const warm0 = await load.mark();
    const cpu0 = [cpuOf([lineops.pid]), cpuOf([load.pid]), cpuOf(linePids)];
    await new Promise((r) => setTimeout(r, args.quick ? 1500 : 5000));
    const warm1 = await load.mark();
    const cpu1 = [cpuOf([lineops.pid]), cpuOf([load.pid]), cpuOf(linePids)];
    const steady = load.window(warm0, warm1);
    const steadySecs = Math.max(0.001, (warm1.snap.at - warm0.snap.at) / 1000);
    const cores = (k: number) => r3(((cpu1[k] ?? 0) - (cpu0[k] ?? 0)) / steadySecs);
    const steadyCpu = {
      lineops: cores(0),
      load: cores(1),
      lineInstances: cores(2),
      loadAverage1m: os.loadavg()[0],
    };
    log(
      `load: ${steady.rate} req/s steady (target ${args.rate}), p50 ${steady.latencyMs.p50} ms, ` +
        `p99 ${steady.latencyMs.p99} ms, ${steady.failed} failed ${JSON.stringify(steady.byCause)}, ` +
        `skipped ${steady.skipped}; ` +
        `CPU cores: ${JSON.stringify(steadyCpu)}`,
    );

    watcher = new InstanceWatcher(api);
    await watcher.start();
    const ctx: Ctx = { api, load, log, deployDeadlineMs: 180_000 };

    // 1. The whole line to 1.1.0 in one apply (DAG order, each service with its rolling default).
    log("line rollout: POST /api/v1/line with every service at 1.1.0");
    const la = await load.mark();
    const tl0 = Date.now();
    const applied = (await api.applyLine(
      lineYaml(root, Object.fromEntries(SERVICES.map((s) => [s, "1.1.0"]))),
      600_000,
    )) as { failed?: string; services?: { name: string; phase?: string }[] };
    const lineRolloutSeconds = (Date.now() - tl0) / 1000;
    const lb = await load.mark();
    const lineWindow = load.window(la, lb);
    log(
      `line rollout: ${lineRolloutSeconds.toFixed(1)} s${applied.failed ? ` FAILED (${applied.failed})` : ""}; ` +
        `load ${lineWindow.failed}/${lineWindow.total} failed ${JSON.stringify(lineWindow.byCause)}`,
    );

    const capSeconds = args.target === 0 ? 120 : Math.ceil(args.target / (0.5 * args.rate)) + 60;
    const pause = args.quick ? "1s" : "5s";

    const rolling = await runScenario(ctx, {
      name: "rolling",
      targetRequests: args.target,
      maxSeconds: capSeconds,
      next: async () => ({
        service: "line-controller",
        version: toggle(await versionOf(api, "line-controller")),
        strategy: { type: "rolling" },
      }),
    });
    const blueGreen = await runScenario(ctx, {
      name: "blueGreen",
      targetRequests: args.target,
      maxSeconds: capSeconds,
      // Alternates the front door itself (line-controller) and a service deep in the line (plc-gateway).
      next: async (i) => {
        const service = i % 2 === 0 ? "line-controller" : "plc-gateway";
        return {
          service,
          version: toggle(await versionOf(api, service)),
          strategy: { type: "blueGreen", autoPromote: true, scaleDownDelay: "2s" },
        };
      },
    });
    const canary = await runScenario(ctx, {
      name: "canary",
      targetRequests: args.target,
      maxSeconds: capSeconds,
      next: async () => ({
        service: "station-controller",
        version: toggle(await versionOf(api, "station-controller")),
        strategy: {
          type: "canary",
          steps: [
            { setStations: ["3"] },
            { pause: { duration: pause } },
            { setStations: ["1", "2"] },
            { pause: { duration: pause } },
          ],
        },
      }),
    });
    // line-controller 1.2.0-faulty stays ready and answers 20 % of work orders with a 500: only
    // the analysis (the canary revision's error rate from the router's metrics) can catch it.
    const analysed = await runScenario(ctx, {
      name: "faultyCanary",
      targetRequests: 0,
      maxSeconds: capSeconds,
      // The same faulty revision again within the analysis's 20 s rate window (plus a 5 s scrape)
      // would be judged on the previous deployment's errors: space the deployments by 30 s.
      spaced: { deploys: args.quick ? 1 : 5, gapMs: 30_000 },
      next: async () => ({
        service: "line-controller",
        version: "1.2.0-faulty",
        strategy: {
          type: "canary",
          steps: [
            { setWeight: FAULTY_WEIGHT },
            { analysis: { templates: ["error-rate"] } },
            { setWeight: 100 },
          ],
        },
      }),
    });
    // station-controller 1.2.0-faulty crash-loops on station 3: lineops's own health watch catches it.
    const faulty = await runScenario(ctx, {
      name: "faultyStationCanary",
      targetRequests: args.target,
      maxSeconds: capSeconds,
      next: async () => ({
        service: "station-controller",
        version: "1.2.0-faulty",
        strategy: { type: "canary", steps: [{ setStations: ["3"] }, { pause: { duration: "30s" } }] },
      }),
    });

    // 2. Rollback time: abort a paused line-controller 1.2.0-faulty canary (25 %).
    log("rollback: line-controller 1.2.0-faulty canary at 25 %, paused, then aborted");
    const rb = await abortPausedCanary(ctx, {
      service: "line-controller",
      version: "1.2.0-faulty",
      weight: 25,
      observeMs: args.quick ? 3000 : 15_000,
    });
    log(
      `rollback: detected by lineops without abort: ${rb.detectedWithoutAbort} (phase ${rb.phaseBeforeAbort}); ` +
        `abort → traffic on stable ${rb.rollbackSeconds?.toFixed(3) ?? "?"} s, → ${rb.finalPhase} ` +
        `${rb.rollbackCompleteSeconds.toFixed(2)} s; load ${rb.window.failed}/${rb.window.total} failed ` +
        `${JSON.stringify(rb.window.byCause)}`,
    );

    watcher.stop();
    const health = watcher.times();
    const healthByService = Object.fromEntries(SERVICES.map((s) => [s, watcher?.times(s)]));
    const final = await load.stop();
    load = undefined;
    log("stopping lineops");
    const stopped = await lineops.stop(30_000);

    const scen = (x: { result: ScenarioResult }) => x.result;
    const results = {
      rolling: scen(rolling),
      blueGreen: scen(blueGreen),
      canary: scen(canary),
      faultyCanary: { ...faultySummary(analysed), canaryShare: FAULTY_WEIGHT / 100 },
      faultyStationCanary: { ...faultySummary(faulty), canaryShare: 0.25 },
      lineRolloutSeconds: r3(lineRolloutSeconds),
      rollbackSeconds: rb.rollbackSeconds === undefined ? null : r3(rb.rollbackSeconds),
      healthVerificationSeconds: health.medianSeconds,
    };
    const sig = (x: number) => Number(x.toPrecision(4));
    const avail = (x: ScenarioResult) => sig(x.availability / PLAN.availability);
    const ratio = {
      lineRolloutSeconds: r3(results.lineRolloutSeconds / PLAN.lineRolloutSeconds),
      rollbackSeconds:
        results.rollbackSeconds === null ? null : r3(results.rollbackSeconds / PLAN.rollbackSeconds),
      healthVerificationSeconds: r3(results.healthVerificationSeconds / PLAN.healthVerificationSeconds),
      rollingAvailability: avail(results.rolling),
      blueGreenAvailability: avail(results.blueGreen),
      canaryAvailability: avail(results.canary),
      faultyCanaryAvailability: avail(results.faultyCanary),
      faultyStationCanaryAvailability: avail(results.faultyStationCanary),
    };
    const diagnostics: Record<string, unknown> = {
      lineStartSeconds: r3(lineStartSeconds),
      steadyLoad: {
        rate: steady.rate,
        latencyMs: steady.latencyMs,
        failed: steady.failed,
        total: steady.total,
      },
      lineRollout: {
        failed: lineWindow.failed,
        total: lineWindow.total,
        byCause: lineWindow.byCause,
        services: applied.services?.map((s) => ({ name: s.name, phase: s.phase })),
        planFailed: applied.failed ?? null,
      },
      rolling: rolling.diagnosis,
      blueGreen: blueGreen.diagnosis,
      canary: canary.diagnosis,
      faultyCanary: {
        ...analysed.diagnosis,
        secondsToStable: stableTimes(analysed).map(r3),
        verdicts: analysed.runs.map((r) => r.reason),
      },
      faultyStationCanary: { ...faulty.diagnosis, secondsToStable: stableTimes(faulty).map(r3) },
      rollback: {
        service: "line-controller",
        version: "1.2.0-faulty",
        detectedWithoutAbort: rb.detectedWithoutAbort,
        phaseBeforeAbort: rb.phaseBeforeAbort,
        finalPhase: rb.finalPhase,
        rollbackCompleteSeconds: r3(rb.rollbackCompleteSeconds),
        failed: rb.window.failed,
        total: rb.window.total,
        byCause: rb.window.byCause,
      },
      health: { ...health, byService: healthByService, pollErrors: watcher.errors },
      load: { total: final?.total, failed: final?.failed, skipped: final?.skipped },
      lineopsStoppedGracefully: stopped.graceful,
    };
    const out = {
      bench: "deploy",
      machine: machineInfo(),
      params: {
        quick: args.quick,
        rate: args.rate,
        concurrency: args.concurrency,
        requestTimeoutMs: 5000,
        targetRequestsPerScenario: args.target,
        mix: "18/20 POST /work-orders, 1/20 GET /, 1/20 GET /healthz",
        canaryPause: pause,
        faultyCanary: `line-controller 1.2.0-faulty, steps [setWeight ${FAULTY_WEIGHT}, analysis error-rate, setWeight 100]`,
        faultyStationCanary: "station-controller 1.2.0-faulty, steps [setStations [3], pause 30s]",
        rollback: "abort of a paused line-controller 1.2.0-faulty canary (setWeight 25)",
        lineRollout: "POST /api/v1/line, all five services 1.0.0 → 1.1.0, rolling (maxSurge 1)",
        runtimeSeconds: Math.round((Date.now() - began) / 1000),
      },
      results,
      baseline: { plan: PLAN },
      ratio,
      diagnostics,
    };
    if (!args.json) {
      log(JSON.stringify(out, null, 2));
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    watcher?.stop();
    await load?.stop();
    if (lineops.child.exitCode === null && lineops.child.signalCode === null) {
      await lineops.stop(30_000);
    }
  }
}

runMain("deploy", main);
