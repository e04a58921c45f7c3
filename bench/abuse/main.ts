// P5's abuse benchmark: the requests of issue 9 replayed from a second process against lineops and
// the sample line on loopback, while a load generator sends line traffic through line-controller's
// front door. Measures what the abuse costs the line (failed requests, p99), lineops's peak RSS and
// longest event-loop stall, whether lineops survived, and whether monitoring still ingests after.
// Last line of stdout: one JSON object.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isRunning, killChildrenOnSignals } from "../common/children.js";
import { startLineops, type RunningLineops } from "../common/lineops.js";
import { machineInfo } from "../common/machine.js";
import { argsOrExit, runMain } from "../common/main.js";
import { LineopsApi, waitLineReady } from "../deploy/api.js";
import { SERVICES } from "../deploy/line-yaml.js";
import { lineWorkDir } from "../deploy/work-dir.js";
import { LoadClient } from "../deploy/load-client.js";
import { parseArgs } from "./args.js";
import { runPeer } from "./peer.js";
import { HealthProbe, MemoryPoller } from "./probes.js";
import { abuseRequests, type Outcome, type Target } from "./requests.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = argsOrExit(parseArgs);
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** P5's Verify goals. */
const GOAL = {
  lineFailed: 0,
  maxStallMs: 100,
  peakRssMb: 1024,
  ingestAfter: true,
  crashed: false,
  authBypassSucceeded: false,
};

/** Newest timestamp (s) of any scraped `up` sample, or undefined when there is none or no answer. */
async function newestScrape(api: LineopsApi): Promise<number | undefined> {
  try {
    const r = await api.call<{ data: { result: { value: [number, string] }[] } }>(
      "GET",
      `/api/v1/query?query=${encodeURIComponent("max(timestamp(up))")}`,
      { timeoutMs: 5000 },
    );
    const v = Number(r.data.result[0]?.value[1]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Longest event-loop lag lineops saw itself (its prom-client metric, self-scraped), ms. */
async function insideMaxLagMs(api: LineopsApi, seconds: number): Promise<number | null> {
  try {
    const q = `max(max_over_time(lineops_nodejs_eventloop_lag_max_seconds[${Math.ceil(seconds)}s]))`;
    const r = await api.call<{ data: { result: { value: [number, string] }[] } }>(
      "GET",
      `/api/v1/query?query=${encodeURIComponent(q)}`,
      { timeoutMs: 5000 },
    );
    const v = Number(r.data.result[0]?.value[1]);
    return Number.isFinite(v) ? Math.round(v * 1000) : null;
  } catch {
    return null;
  }
}

/**
 * Waits until lineops answers /-/healthy again (a blocked loop finishing its work) or dies of it, up
 * to `maxMs`: the next request is then timed on its own, and a crash is blamed on its cause.
 */
async function waitSettled(l: RunningLineops, maxMs: number): Promise<"healthy" | "dead" | "busy"> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (!isRunning(l.child)) {
      return "dead";
    }
    try {
      const res = await fetch(`${l.url}/-/healthy`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        return "healthy";
      }
    } catch {
      // not yet
    }
    await sleep(100);
  }
  return "busy";
}

const alive = (l: RunningLineops) => isRunning(l.child);

async function main(): Promise<void> {
  killChildrenOnSignals();
  const began = Date.now();
  const { dataDir } = await lineWorkDir({
    root,
    prefix: "bench-abuse-",
    build: args.build,
    keep: args.keep,
    log,
  });

  log("starting lineops with the sample line");
  const start = (token?: string) =>
    startLineops({
      stopLine: true,
      root,
      configYaml: "line:\n  file: line.yaml\n",
      dataDir,
      logLevel: "warn",
      ...(token ? { token } : {}),
    });
  let lineops = await start();
  const adminToken = lineops.token;
  let admin = new LineopsApi(lineops.url, adminToken);
  let load: LoadClient | undefined;
  let probe: HealthProbe | undefined;
  let memory: MemoryPoller | undefined;
  try {
    await waitLineReady(admin, SERVICES.length, 90_000);
    const front = (await admin.status()).services.find((s) => s.name === "line-controller")?.url;
    if (!front) {
      throw new Error("line-controller has no front-door url in /api/v1/status");
    }
    const token = async (role: string) =>
      (
        await admin.call<{ token: string }>("POST", "/api/v1/tokens", {
          body: { name: `bench-${role}`, role },
        })
      ).token;
    const target: Target = {
      url: lineops.url,
      viewer: await token("viewer"),
      operator: await token("operator"),
      timeoutMs: args.timeoutMs,
    };
    log(
      `lineops ${lineops.url} (pid ${lineops.pid}); line-controller at ${front}; viewer and operator tokens made`,
    );

    load = LoadClient.start({ url: front, rate: args.rate, concurrency: 32, timeoutMs: 5000 });
    // The probe waits out any stall (up to 10 min) so its longest gap is the stall, not the timeout.
    // It runs through the calm phase too: the gaps lineops has without abuse (scrapes, GC, the
    // machine's own noise) are the baseline its stalls under abuse are read against.
    probe = new HealthProbe(lineops.url, 600_000);
    probe.start();
    await sleep(args.quick ? 2000 : 4000);
    probe.resetMax();
    const calm0 = await load.mark();
    await sleep(args.quick ? 4000 : 10_000);
    const calm1 = await load.mark();
    const calm = load.window(calm0, calm1);
    const calmMaxStallMs = Math.round(probe.maxGapMs);
    probe.resetMax();
    log(
      `line traffic before the abuse: ${calm.rate} req/s, p99 ${calm.latencyMs.p99} ms, ${calm.failed} failed`,
    );
    if (calm.rate < 100) {
      log(
        `WARNING: line traffic below 100 req/s before any abuse (load average ${os.loadavg()[0]?.toFixed(1)})`,
      );
    }
    const ingestBefore = await newestScrape(admin);
    probe.resetMax();
    memory = new MemoryPoller(lineops.pid);
    const perRequest: Record<string, Outcome> = {};
    const crashedBy: string[] = [];
    const abuseStart = Date.now();
    const a = await load.mark();
    let lagInside: number | null = null;
    for (const req of abuseRequests(args.flood)) {
      if (req.name === "farFutureRemoteWrite") {
        // Read before the sample that stops ingestion: lineops's own lag metric comes from self-scrapes.
        lagInside = await insideMaxLagMs(admin, (Date.now() - abuseStart) / 1000 + 10);
      }
      log(`→ ${req.name}`);
      probe.startWindow();
      const o = await req.run(target);
      o.stallMs = Math.round(probe.windowMaxGapMs);
      perRequest[req.name] = o;
      log(`  ${o.status} in ${o.ms} ms, longest stall ${o.stallMs} ms${o.note ? `: ${o.note}` : ""}`);
      // A timed-out request may still hold the loop: let it finish (or kill lineops) first.
      if ((await waitSettled(lineops, 600_000)) === "busy") {
        log("  lineops still not answering /-/healthy after 10 min");
      }
      await sleep(500);
      if (!alive(lineops)) {
        crashedBy.push(req.name);
        log(`  lineops DIED (exit ${lineops.child.exitCode ?? lineops.child.signalCode}); log tail:`);
        log(lineops.logTail().split("\n").slice(-6).join("\n"));
        log("  restarting it on the same data dir, to go on with the rest");
        lineops = await start(adminToken);
        admin = new LineopsApi(lineops.url, adminToken);
        target.url = lineops.url;
        probe.retarget(lineops.url);
        memory.retarget(lineops.pid);
        await waitLineReady(admin, SERVICES.length, 90_000).catch((err: unknown) => log(String(err)));
        probe.resetGap();
      }
    }
    const b = await load.mark();
    const abuseEnd = Date.now();
    await probe.stop();
    const during = load.window(a, b);
    log(
      `line traffic during the abuse: ${during.total} requests, ${during.failed} failed ${JSON.stringify(during.byCause)}, ` +
        `p99 ${during.latencyMs.p99} ms`,
    );

    log("waiting for a scrape newer than the abuse");
    let ingestAfter = false;
    let newest: number | undefined;
    const ingestDeadline = Date.now() + (args.quick ? 20_000 : 40_000);
    while (Date.now() < ingestDeadline && alive(lineops)) {
      newest = await newestScrape(admin);
      if (newest !== undefined && newest * 1000 > abuseEnd) {
        ingestAfter = true;
        break;
      }
      await sleep(1000);
    }
    memory.stop();
    const bypass = perRequest.authBypassPercentEncoded;
    // The peer runs alone: lineops and the line traffic are stopped first.
    await load.stop();
    await lineops.stop(30_000);
    const peer = args.peer
      ? await runPeer({ flood: args.flood, timeoutMs: args.timeoutMs, log })
      : { skipped: "--no-peer" };
    const results = {
      lineFailed: during.failed,
      lineRequests: during.total,
      lineRate: during.rate,
      lineP99Ms: during.latencyMs.p99,
      lineMaxMs: during.latencyMs.max,
      lineFailuresByCause: during.byCause,
      maxStallMs: Math.round(probe.maxGapMs),
      maxHealthResponseMs: Math.round(probe.maxResponseMs),
      insideMaxLagMs: lagInside,
      healthProbes: probe.probes,
      healthProbeFailures: probe.failures,
      peakRssMb: Math.round(memory.peakBytes / 2 ** 20),
      ingestAfter,
      newestScrapeBefore: ingestBefore,
      newestScrapeAfter: newest ?? null,
      crashed: crashedBy.length > 0,
      crashedBy,
      authBypassSucceeded: typeof bypass?.status === "number" && bypass.status >= 200 && bypass.status < 300,
      abuseSeconds: Math.round((abuseEnd - abuseStart) / 1000),
      perRequest,
    };
    const out = {
      bench: "abuse",
      machine: machineInfo(),
      params: {
        quick: args.quick,
        rate: args.rate,
        requestTimeoutMs: args.timeoutMs,
        floodQueries: args.flood,
        lineRequestTimeoutMs: 5000,
        healthProbeEveryMs: 10,
        mix: "18/20 POST /work-orders, 1/20 GET /, 1/20 GET /healthz",
        runtimeSeconds: Math.round((Date.now() - began) / 1000),
      },
      results,
      baseline: {
        lineP99MsBeforeAbuse: calm.latencyMs.p99,
        lineRateBeforeAbuse: calm.rate,
        maxStallMsBeforeAbuse: calmMaxStallMs,
        peer,
      },
      goal: GOAL,
      // P5 asks for >= 100 req/s of line traffic; on a saturated machine the generator falls short,
      // and the failures and stalls then say less about lineops than about the machine.
      precondition: { lineRateBeforeAbuse: calm.rate, atLeast100ReqPerSec: calm.rate >= 100 },
      pass: {
        lineFailed: results.lineFailed <= GOAL.lineFailed,
        maxStallMs: results.maxStallMs < GOAL.maxStallMs,
        peakRssMb: results.peakRssMb < GOAL.peakRssMb,
        ingestAfter: results.ingestAfter === GOAL.ingestAfter,
        crashed: results.crashed === GOAL.crashed,
        authBypassSucceeded: results.authBypassSucceeded === GOAL.authBypassSucceeded,
      },
    };
    if (!args.json) {
      log(JSON.stringify(out, null, 2));
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await probe?.stop();
    memory?.stop();
    await load?.stop();
    if (alive(lineops)) {
      await lineops.stop(30_000);
    }
  }
}

runMain("abuse", main);
