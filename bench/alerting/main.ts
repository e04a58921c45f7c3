// bench:alerting: alert delivery latency, lineops vs Debian's Prometheus + Alertmanager, side by side
// on the same target, rule (`bench_value > 0.5`, for: 0) and webhook receiver. Each round flips a new
// series (its own `round` label) from absent to 1 and records, per system, when the first scrape saw
// the 1 and when the first firing notification for that round arrived. Rounds overlap (a new flip
// every ~spacing ms, jittered so flips fall at every phase of the scrape cycle), so ≥ 50 alerts fit in
// well under a minute. lineops's receiver also has a Slack, email, PagerDuty, MQTT and SMS config
// with real receivers on loopback (channels.ts): condition -> delivered per channel. And the flood
// (flood.ts): a plc-gateway failure on the sample line scaled to 20 stations, ten simulated
// minutes, Alertmanager's default grouping against lineops's incidents. The JSON summary is the
// last line of stdout.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { argsOrExit, runMain } from "../common/main.js";
import { killChildrenOnSignals, onExitCleanup } from "../common/children.js";
import { startLineops } from "../common/lineops.js";
import { machineInfo } from "../common/machine.js";
import { findPrometheus, startPrometheus } from "../common/prometheus.js";
import { ALERTMANAGER_BIN, alertmanagerVersion, startAlertmanager } from "./alertmanager.js";
import { parseArgs, type Args } from "./args.js";
import { CHANNELS, startChannelReceivers, type ChannelKind, type ChannelReceivers } from "./channels.js";
import { alertmanagerYaml, lineopsYaml, prometheusYaml, rulesYaml } from "./configs.js";
import { runFlood } from "./flood.js";
import { latencies, percentile, summarize } from "./stats.js";
import { SYSTEMS, startBenchServer, type BenchServer } from "./target.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WARMUP_ROUND = 0;

function log(msg: string): void {
  process.stderr.write(`[bench:alerting] ${msg}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once every system, and every lineops channel, delivered `round` (true), or after timeoutMs (false). */
async function waitDelivered(
  server: BenchServer,
  channels: ChannelReceivers,
  round: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const t = server.rounds.get(round);
    if (
      t &&
      SYSTEMS.every((s) => t.deliveredAt[s] !== undefined) &&
      Object.values(channels.arrivals).every((m) => m.has(round))
    ) {
      return true;
    }
    await sleep(20);
  }
  return false;
}

async function run(args: Args): Promise<void> {
  const started = performance.now();
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-alerting-"));
  onExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  const server = await startBenchServer();
  const stops: (() => Promise<unknown>)[] = [() => server.close()];
  try {
    const flood = await runFlood(ROOT);
    log(
      `flood: Alertmanager sends ${flood.rawAlerts} alerts in ${flood.rawNotifications} notifications; ` +
        `lineops ${flood.incidents} incident(s), ${flood.pages} page(s), root cause ${flood.rootCause}`,
    );
    const channels = await startChannelReceivers();
    stops.push(() => channels.close());
    const rulesFile = path.join(work, "rules.yaml");
    writeFileSync(rulesFile, rulesYaml(args.intervalMs));

    const prom = await findPrometheus({ fetch: false, log });
    const amVersion = alertmanagerVersion(ALERTMANAGER_BIN);
    const am = await startAlertmanager({
      bin: ALERTMANAGER_BIN,
      configYaml: alertmanagerYaml(server.port),
      dir: work,
    });
    stops.push(() => am.stop());
    const prometheus = await startPrometheus({
      bin: prom.bin,
      dataDir: path.join(work, "prom-data"),
      configYaml: prometheusYaml({
        targetPort: server.port,
        intervalMs: args.intervalMs,
        rulesFile,
        alertmanagerPort: am.port,
      }),
    });
    stops.push(() => prometheus.stop());
    const lineops = await startLineops({
      stopLine: true, // its data plane goes with it
      root: ROOT,
      dataDir: path.join(work, "lineops-data"),
      configYaml: lineopsYaml({
        targetPort: server.port,
        intervalMs: args.intervalMs,
        rulesFile,
        extraConfigs: channels.configsYaml("    "),
      }),
    });
    stops.push(() => lineops.stop());
    log(
      `lineops ${lineops.url}, Prometheus ${prom.version} ${prometheus.url}, Alertmanager ${amVersion} ${am.url}`,
    );

    // Warm-up: a round nobody counts, so every pipe (scrape, rules, Prometheus → Alertmanager) is live.
    server.flipUp(WARMUP_ROUND);
    if (!(await waitDelivered(server, channels, WARMUP_ROUND, 60_000))) {
      const t = server.rounds.get(WARMUP_ROUND);
      throw new Error(
        `warm-up alert not delivered within 60 s (delivered: ${JSON.stringify(t?.deliveredAt)})\n` +
          `lineops: ${lineops.logTail()}\nPrometheus: ${prometheus.logTail()}\nAlertmanager: ${am.logTail()}`,
      );
    }
    server.flipDown(WARMUP_ROUND);
    log(`warm-up delivered; ${args.rounds} rounds, a flip every ~${args.spacingMs} ms`);

    const pending: Promise<void>[] = [];
    for (let round = 1; round <= args.rounds; round++) {
      server.flipUp(round);
      // Held at 1 until both delivered (or timed out), then 0: the alert resolves, the series stays.
      pending.push(waitDelivered(server, channels, round, args.timeoutMs).then(() => server.flipDown(round)));
      await sleep(args.spacingMs * (0.5 + Math.random()));
    }
    await Promise.all(pending);

    const counted = [...server.rounds.entries()].filter(([r]) => r !== WARMUP_ROUND).map(([, t]) => t);
    const lo = latencies(counted, "lineops");
    const base = latencies(counted, "baseline");
    const results = summarize(lo);
    const baseline = summarize(base);
    // Condition -> delivered per channel: from the first scrape that served the 1 to lineops.
    const channelLatencies = (kind: ChannelKind): number[] =>
      [...server.rounds.entries()].flatMap(([round, t]) => {
        const at = kind === "webhook" ? t.deliveredAt.lineops : channels.arrivals[kind].get(round);
        const scraped = t.scrapedAt.lineops;
        return round === WARMUP_ROUND || at === undefined || scraped === undefined ? [] : [at - scraped];
      });
    const channelsP99Ms = Object.fromEntries(
      CHANNELS.map((k) => {
        const p = percentile(channelLatencies(k), 99);
        return [k, p === null ? null : Math.round(p * 10) / 10];
      }),
    ) as Record<ChannelKind, number | null>;
    const channelsDelivered = Object.fromEntries(
      CHANNELS.map((k) => [k, channelLatencies(k).length]),
    ) as Record<ChannelKind, number>;
    const ratio = (a: number | null, b: number | null) =>
      a === null || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000;
    const out = {
      bench: "alerting",
      rounds: args.rounds,
      misses: { lineops: lo.misses, baseline: base.misses },
      results: {
        ...results,
        flood: {
          rawAlerts: flood.rawAlerts,
          incidents: flood.incidents,
          pages: flood.pages,
          reduction: flood.reduction,
          rootCause: flood.rootCause,
          rawNotifications: flood.rawNotifications,
          firingAlerts: flood.firingAlerts,
          rootCauseReason: flood.rootCauseReason,
        },
        channelsP99Ms,
        channelsDelivered,
      },
      baseline: {
        ...baseline,
        prometheusVersion: prom.version,
        prometheusSource: prom.source,
        alertmanagerVersion: amVersion,
      },
      ratio: {
        deliveryP50Ms: ratio(results.deliveryP50Ms, baseline.deliveryP50Ms),
        deliveryP99Ms: ratio(results.deliveryP99Ms, baseline.deliveryP99Ms),
      },
      machine: machineInfo(),
      params: {
        quick: args.quick,
        scrapeIntervalMs: args.intervalMs,
        evaluationIntervalMs: args.intervalMs,
        groupWait: "0s",
        groupInterval: "1s",
        groupBy: ["round"],
        rule: "bench_value > 0.5, for: 0s",
        spacingMs: args.spacingMs,
        timeoutMs: args.timeoutMs,
        latencyFrom:
          "delivery*: first scrape that served the 1 to that system; fromEval*: the alert's startsAt (its firing evaluation, wall clock); fromFlip*: the flip",
        prometheusArgs: "defaults (--rules.alert.resend-delay=1m)",
        alertmanagerArgs: "--cluster.listen-address= (no clustering)",
        badWebhookPayloads: server.badPayloads(),
        channelMessagesWithoutRound: channels.unmatched(),
        channelReceivers:
          "slack, pagerduty, sms: loopback HTTP; email: smtp-server; mqtt: Mosquitto + subscriber; p99 from the first scrape that served the 1 to lineops",
        flood: flood.params,
        totalS: Math.round((performance.now() - started) / 100) / 10,
      },
    };
    if (!args.json) {
      log(
        `lineops   p50 ${results.deliveryP50Ms} ms  p99 ${results.deliveryP99Ms} ms  misses ${lo.misses}\n` +
          `[bench:alerting] Prom+AM   p50 ${baseline.deliveryP50Ms} ms  p99 ${baseline.deliveryP99Ms} ms  misses ${base.misses}\n` +
          `[bench:alerting] ratio p99 ${out.ratio.deliveryP99Ms}\n` +
          `[bench:alerting] channels p99 ${JSON.stringify(channelsP99Ms)}\n` +
          `[bench:alerting] flood ${JSON.stringify(out.results.flood)}`,
      );
    }
    log(`done in ${out.params.totalS} s`);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    // Every child stopped, even on error (the exit hook SIGKILLs whatever is left).
    for (const stop of stops.reverse()) {
      await stop().catch(() => undefined);
    }
  }
}

killChildrenOnSignals();
const args = argsOrExit(parseArgs);
runMain("alerting", () => run(args));
