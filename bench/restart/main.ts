// P7's restart benchmark: the line's availability while lineops itself is restarted, killed,
// upgraded, and while its data plane crashes — measured from a second process sending work orders to
// line-controller's front door — and whether front-door latency depends on control-plane load.
// Every event has a settle window before and after; per event: failed/total line requests from the
// event's start to ready + settle, instances whose pid changed, front doors whose port changed.
// Last line of stdout: one JSON object. Everything the run started is killed at the end, on error
// and on Ctrl-C: lineops, the load, the data plane and every instance (by pidfile, start-time checked).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isRunning, killChildrenOnSignals, onExitCleanup } from "../common/children.js";
import { lineopsCli, startLineops, type RunningLineops } from "../common/lineops.js";
import { machineInfo } from "../common/machine.js";
import { argsOrExit, runMain } from "../common/main.js";
import { cpuSeconds } from "../common/proc.js";
import { freePort } from "../common/ports.js";
import { runToCompletion } from "../common/run.js";
import { LineopsApi, waitLineReady } from "../deploy/api.js";
import { SERVICES, lineYaml } from "../deploy/line-yaml.js";
import { killLineInstances } from "../deploy/orphans.js";
import { parseArgs, type EventName } from "./args.js";
import { HEAVY_QUERIES, keepBusy, type BusyReport } from "./busy.js";
import { RestartLoad } from "./load-client.js";
import { RunProcesses, dataPlanePid, startTicks } from "./processes.js";
import type { SpanSummary } from "./timeline.js";
import { prepareUpgrade, type PreparedUpgrade } from "./upgrade.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = argsOrExit(parseArgs);
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10;

/** P7's Verify goals. */
const GOAL = { failed: 0, instancesRestarted: 0, busyControlPlaneP99RatioAtMost: 1.1 };

const RESULT_KEY: Record<EventName, string> = {
  graceful: "gracefulRestart",
  sigkill: "sigkillRestart",
  upgrade: "upgrade",
  dataplane: "dataPlaneCrash",
};

/** What the API says runs: instance id → pid, service → front-door URL. */
type LineSnapshot = {
  pids: Map<string, number>;
  urls: Map<string, string>;
  dataPlanePid: number | undefined;
};

type EventDetail = {
  failed: number | null;
  total: number | null;
  instancesRestarted?: number | null;
  recoverySeconds?: number | null;
  skipped?: string;
  error?: string;
  detail?: Record<string, unknown>;
};

function gitCommit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    return dirty === "" ? sha : `${sha}+dirty`;
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  killChildrenOnSignals();
  const began = Date.now();
  if (args.build) {
    log("npm run build");
    await runToCompletion("npm", ["run", "build"], { timeoutMs: 600_000, cwd: root });
  }
  if (!lineopsCli(root)) {
    throw new Error("dist/ is missing: run `npm run build` first (or pass --build)");
  }
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-restart-"));
  const dataDir = path.join(work, "data");
  const procs = new RunProcesses(dataDir);
  // Registered before the temp dir's removal, which would take the pidfiles with it.
  onExitCleanup(() => {
    const n = procs.killAll() + killLineInstances(dataDir);
    if (n > 0) {
      process.stderr.write(`killed ${n} process(es) of the run left behind (instances, data plane)\n`);
    }
  });
  if (args.keep) {
    log(`keeping ${work}`);
  } else {
    onExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  }
  writeFileSync(path.join(work, "line.yaml"), lineYaml(root));
  const configYaml = [
    "line:",
    "  file: line.yaml",
    "monitoring:",
    "  tsdb:",
    `    blockDuration: ${args.blockDuration}`,
    "",
  ].join("\n");

  // The new version is built before anything runs, so its build does not load the measurements.
  let upgrade: PreparedUpgrade | undefined;
  if (args.events.includes("upgrade")) {
    upgrade = await prepareUpgrade({ root, dir: path.join(work, "upgrade"), mode: args.upgradeMode, log });
    log(`upgrade copy ready in ${upgrade.totalSeconds} s ${JSON.stringify(upgrade.stepSeconds)}`);
  }

  const apiPort = await freePort();
  const readyMs = args.readyTimeoutS * 1000;
  // Printed on the first start only; every later start reuses it.
  const auth: { token?: string } = {};
  const start = async (fromRoot: string) => {
    const l = await startLineops({
      root: fromRoot,
      configYaml,
      dataDir,
      port: apiPort,
      logLevel: "warn",
      readyTimeoutMs: readyMs,
      ...(auth.token ? { token: auth.token } : {}),
    });
    procs.record(l.pid);
    return l;
  };
  log(`starting lineops on port ${apiPort} with the sample line (data dir ${dataDir})`);
  let lineops: RunningLineops = await start(root);
  auth.token = lineops.token;
  const api = new LineopsApi(lineops.url, auth.token);
  let load: RestartLoad | undefined;
  try {
    await waitLineReady(api, SERVICES.length, readyMs);
    const viewer = (
      await api.call<{ token: string }>("POST", "/api/v1/tokens", {
        body: { name: "bench-restart", role: "viewer" },
      })
    ).token;

    const snapshot = async (): Promise<LineSnapshot> => {
      procs.recordPidfiles();
      const [inst, status] = await Promise.all([api.instances(), api.status()]);
      const pids = new Map<string, number>();
      for (const i of inst.instances) {
        if (i.pid !== undefined) {
          pids.set(i.id, i.pid);
          procs.record(i.pid);
        }
      }
      const dp = dataPlanePid(dataDir);
      procs.record(dp);
      return { pids, urls: new Map(status.services.map((s) => [s.name, s.url])), dataPlanePid: dp };
    };
    let snap = await snapshot();
    const front = snap.urls.get("line-controller");
    if (!front) {
      throw new Error("line-controller has no front-door url in /api/v1/status");
    }
    log(
      `lineops ${lineops.url} (pid ${lineops.pid}); line-controller at ${front}; data plane pid ${snap.dataPlanePid ?? "none"}`,
    );
    load = RestartLoad.start({ url: front, rate: args.rate, timeoutMs: args.requestTimeoutMs });
    const settleMs = args.duration * 1000;
    // Warm-up of a whole window: the line's first seconds under load (connection pools, JIT, the
    // first compactions of a fresh TSDB) time requests out that no later window does, and would
    // make the idle baseline, not the busy control plane, the outlier.
    await sleep(settleMs);

    // --- idle vs busy control plane -----------------------------------------------------------
    let idle: SpanSummary | undefined;
    let busy: SpanSummary | undefined;
    let busyReport: BusyReport | undefined;
    let idleCpuCores: number | null = null;
    if (args.busy) {
      const i0 = Date.now();
      const cpu0 = cpuSeconds(lineops.pid);
      await sleep(settleMs);
      const i1 = Date.now();
      idleCpuCores = Math.round(((cpuSeconds(lineops.pid) - cpu0) / ((i1 - i0) / 1000)) * 100) / 100;
      idle = await load.summary(i0, i1);
      log(`idle: ${idle.rate} req/s, p99 ${idle.latencyMs.p99} ms, ${idle.failed} failed`);
      const b0 = Date.now();
      busyReport = await keepBusy({
        url: lineops.url,
        token: viewer,
        dataDir,
        lineopsPid: lineops.pid,
        dataPlanePid: snap.dataPlanePid,
        concurrency: args.queryConcurrency,
        seconds: args.duration,
      });
      const b1 = Date.now();
      busy = await load.summary(b0, b1);
      log(
        `busy: ${busy.rate} req/s, p99 ${busy.latencyMs.p99} ms, ${busy.failed} failed; lineops ${busyReport.lineopsCpuCores} cores, ` +
          `${busyReport.queries} queries (median ${busyReport.queryMs.median} ms), ${busyReport.blocksWritten} blocks written`,
      );
      await sleep(Math.min(5000, settleMs));
    }

    // --- the four events ------------------------------------------------------------------------
    const events: Partial<Record<EventName, EventDetail>> = {};
    const restart = async (how: "SIGTERM" | "SIGKILL", fromRoot: string) => {
      const t = Date.now();
      if (how === "SIGTERM") {
        const { graceful } = await lineops.stop(60_000);
        if (!graceful) {
          log("  lineops did not exit within 60 s of SIGTERM: SIGKILLed");
        }
      } else {
        const exited = new Promise((r) => lineops.child.once("exit", r));
        lineops.child.kill("SIGKILL");
        await exited;
      }
      const stopSeconds = secondsSince(t);
      const s = Date.now();
      lineops = await start(fromRoot);
      await waitLineReady(api, SERVICES.length, readyMs);
      return { stopSeconds, startToReadySeconds: secondsSince(s) };
    };

    for (const ev of args.events) {
      log(`event ${ev}: settling ${args.duration} s first`);
      await sleep(settleMs);
      const before = await snapshot();
      const t0 = Date.now();
      let detail: Record<string, unknown> = {};
      try {
        if (ev === "dataplane") {
          const pid = before.dataPlanePid;
          if (pid === undefined) {
            events[ev] = {
              skipped: "no data plane process (no live pid in <dataDir>/run/dataplane.json)",
              failed: null,
              total: null,
              recoverySeconds: null,
            };
            log("  skipped: no data plane process");
            continue;
          }
          detail = await crashDataPlane(pid, dataDir, readyMs, () => lineops, api);
        } else if (ev === "upgrade") {
          detail = { ...(await restart("SIGTERM", (upgrade as PreparedUpgrade).root)), prepare: upgrade };
        } else {
          detail = await restart(ev === "graceful" ? "SIGTERM" : "SIGKILL", root);
        }
        const tReady = Date.now();
        await sleep(settleMs);
        const t1 = Date.now();
        const after = await snapshot();
        const span = await load.span(t0, t1, args.requestTimeoutMs);
        const restarted = [...before.pids].filter(([id, pid]) => after.pids.get(id) !== pid).length;
        const portChanged = [...before.urls]
          .filter(([svc, url]) => after.urls.get(svc) !== url)
          .map(([s]) => s);
        events[ev] = {
          failed: span.failed,
          total: span.total,
          ...(ev === "dataplane" ? {} : { instancesRestarted: restarted }),
          recoverySeconds: span.recoverySeconds,
          detail: {
            ...detail,
            instancesBefore: before.pids.size,
            instancesRestarted: restarted,
            portChanged: portChanged.length,
            portChangedServices: portChanged,
            eventToReadySeconds: Math.round((tReady - t0) / 100) / 10,
            windowSeconds: Math.round((t1 - t0) / 100) / 10,
            recovered: span.recovered,
            byCause: span.byCause,
            skippedRequests: span.skipped,
            p99Ms: span.latencyMs.p99,
            dataPlanePidBefore: before.dataPlanePid ?? null,
            dataPlanePidAfter: after.dataPlanePid ?? null,
          },
        };
        log(
          `  ${ev}: ${span.failed}/${span.total} failed, recovery ${span.recoverySeconds ?? 0} s, ` +
            `${restarted}/${before.pids.size} instances restarted, ${portChanged.length} front door(s) moved`,
        );
        // A client of the old address would stay down; the next event needs a working client.
        const newFront = after.urls.get("line-controller");
        if (newFront && newFront !== before.urls.get("line-controller")) {
          log(`  line-controller moved to ${newFront}: load retargeted`);
          load.retarget(newFront);
        }
        snap = after;
      } catch (err) {
        events[ev] = { failed: null, total: null, error: (err as Error).message.slice(0, 2000) };
        log(`  ${ev} FAILED: ${(err as Error).message}`);
        if (!isRunning(lineops.child)) {
          log("  lineops is not running: starting it again for the next event");
          lineops = await start(root);
          await waitLineReady(api, SERVICES.length, readyMs);
        }
      }
    }

    // --- the report ---------------------------------------------------------------------------
    const pick = (ev: EventName, keys: readonly string[]) => {
      const e = events[ev];
      if (!e) {
        return { skipped: "not run (--events)" };
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        out[k] = (e as Record<string, unknown>)[k] ?? null;
      }
      if (e.skipped) {
        out.skipped = e.skipped;
      }
      if (e.error) {
        out.error = e.error.split("\n")[0];
      }
      return out;
    };
    const restartKeys = ["failed", "total", "instancesRestarted"] as const;
    const ratio =
      idle && busy && idle.latencyMs.p99 > 0
        ? Math.round((busy.latencyMs.p99 / idle.latencyMs.p99) * 100) / 100
        : null;
    const results = {
      gracefulRestart: pick("graceful", restartKeys),
      sigkillRestart: pick("sigkill", restartKeys),
      upgrade: pick("upgrade", restartKeys),
      dataPlaneCrash: pick("dataplane", ["failed", "total", "recoverySeconds"]),
      busyControlPlaneP99Ratio: ratio,
    };
    const out = {
      bench: "restart",
      machine: machineInfo(),
      commit: gitCommit(),
      params: {
        duration: args.duration,
        rate: args.rate,
        requestTimeoutMs: args.requestTimeoutMs,
        upgradeMode: args.upgradeMode,
        events: args.events,
        queryConcurrency: args.queryConcurrency,
        blockDuration: args.blockDuration,
        heavyQueries: HEAVY_QUERIES,
        load: "open loop, POST /work-orders on line-controller's front door (stations, QI and MES behind it)",
        runtimeSeconds: secondsSince(began),
      },
      results,
      busy: {
        idleP99Ms: idle?.latencyMs.p99 ?? null,
        busyP99Ms: busy?.latencyMs.p99 ?? null,
        idleRate: idle?.rate ?? null,
        busyRate: busy?.rate ?? null,
        idleFailed: idle?.failed ?? null,
        busyFailed: busy?.failed ?? null,
        idleByCause: idle?.byCause ?? null,
        busyByCause: busy?.byCause ?? null,
        /** lineops's CPU in the idle window (routing the line's traffic, today), to read the busy one against. */
        idleLineopsCpuCores: idleCpuCores,
        loadAverage1m: os.loadavg()[0],
        windowSeconds: args.busy ? args.duration : null,
        control: busyReport ?? null,
      },
      events: Object.fromEntries(Object.entries(events).map(([k, v]) => [RESULT_KEY[k as EventName], v])),
      upgradePrepare: upgrade ?? null,
      goal: GOAL,
      precondition: { idleRate: idle?.rate ?? null, atLeast300ReqPerSec: (idle?.rate ?? 0) >= 300 },
      pass: {
        gracefulRestart: passed(events.graceful),
        sigkillRestart: passed(events.sigkill),
        upgrade: passed(events.upgrade),
        busyControlPlaneP99Ratio: ratio !== null && ratio <= GOAL.busyControlPlaneP99RatioAtMost,
      },
    };
    if (!args.json) {
      log(JSON.stringify(out, null, 2));
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await load?.stop();
    if (isRunning(lineops.child)) {
      await lineops.stop(60_000);
    }
  }
}

function passed(e: EventDetail | undefined): boolean {
  return e?.failed === GOAL.failed && e.instancesRestarted === GOAL.instancesRestarted;
}

/**
 * SIGKILLs the data plane (its pid checked against the start time seen when it was read) and waits
 * for a new one — lineops is expected to restart it — and for the line to be ready again.
 */
async function crashDataPlane(
  pid: number,
  dataDir: string,
  readyMs: number,
  lineops: () => RunningLineops,
  api: LineopsApi,
): Promise<Record<string, unknown>> {
  const ticks = startTicks(pid);
  if (ticks === undefined) {
    throw new Error(`data plane pid ${pid} is gone before the crash`);
  }
  const t = Date.now();
  process.kill(pid, "SIGKILL");
  let newPid: number | undefined;
  const end = Date.now() + readyMs;
  while (Date.now() < end) {
    const p = dataPlanePid(dataDir);
    if (p !== undefined && p !== pid) {
      newPid = p;
      break;
    }
    await sleep(50);
  }
  const restartedAfterSeconds = newPid === undefined ? null : secondsSince(t);
  if (newPid === undefined) {
    throw new Error(`no new data plane process within ${readyMs / 1000} s of SIGKILL (old pid ${pid})`);
  }
  await waitLineReady(api, SERVICES.length, readyMs);
  return {
    killedPid: pid,
    newPid,
    restartedAfterSeconds,
    lineopsSurvived: isRunning(lineops().child),
  };
}

runMain("restart", main);
