// One measured phase: start the systems, wait until every target is up and every series exists,
// then measure CPU, samples, RSS and scrape timings over a common window; stop them gracefully and
// weigh what they left on disk.
import path from "node:path";
import { cpuSeconds, rssBytes } from "../common/proc.js";
import { pollUntil } from "../common/prom-api.js";
import type { Args } from "./args.js";
import { blockFile, dumpOpenMetrics, promtoolBlocks } from "./blocks.js";
import type { Simulator } from "./sim-process.js";
import { round } from "./stats.js";
import type { System } from "./systems.js";

export type Results = {
  collectionP99Ms: number;
  collectionP50Ms: number;
  collectionMaxMs: number;
  collectionCount: number;
  collectionSource: string;
  scrapeDurationP99Ms: number;
  fullCycleMs: number;
  fullCycleNote: string;
  samplesPerCpuSecond: number;
  cpuSeconds: number;
  cpuShare: number;
  samplesInWindow: number;
  samplesPerSecond: number;
  expectedSamplesPerSecond: number;
  activeSeries: number;
  rssBytes: number;
  peakRssBytes: number;
  bytesPerActiveSeries: number;
  samplesTotal: number;
  bytesOnDisk: number;
  /** Bytes per top-level entry of the data dir (wal, chunks_head, blocks…). */
  diskBreakdown: Record<string, number>;
  bytesPerSample: number;
  diskNote: string;
  stoppedGracefully: boolean;
  blockBytesPerSample?: number;
  blockNote?: string;
  countersNote?: string;
};

export type Measured = {
  results: Results;
  simulator: { cpuSeconds: number; cpuShare: number; requests: number };
};

export type PhaseContext = {
  args: Args;
  sim: Simulator;
  work: string;
  promtool: string | undefined;
  instances: string[];
  log: (msg: string) => void;
};

type Factory = { name: System["name"]; start(): Promise<System> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export async function measurePhase(
  factories: Factory[],
  ctx: PhaseContext,
): Promise<{ measured: Map<string, Measured>; errors: Record<string, string> }> {
  const { args, sim, log } = ctx;
  const errors: Record<string, string> = {};
  const expected = args.targets * args.series;
  const systems: System[] = [];
  const stopAll = async () => {
    await Promise.all(systems.map((s) => s.stop().catch(() => undefined)));
  };
  try {
    for (const f of factories) {
      try {
        log(`starting ${f.name}`);
        systems.push(await f.start());
      } catch (err) {
        errors[f.name] = `did not start: ${(err as Error).message.split("\n")[0]}`;
        log(`${f.name} did not start: ${(err as Error).message}`);
      }
    }
    // Warm-up: the first scrape of a target creates its series (the expensive part); the window
    // measures the steady state after every target is up and every series exists.
    const warmMs = Math.max(30_000, 6 * args.intervalMs);
    const ready = await Promise.all(
      systems.map(async (s) => {
        try {
          await pollUntil(
            `${s.name}: ${args.targets} targets up and ${expected} series`,
            async () => {
              const [up, c] = await Promise.all([s.up(), s.counters()]);
              return up >= args.targets && c.series >= expected ? true : undefined;
            },
            warmMs,
            500,
          );
          log(`${s.name}: all targets up, ${expected} series`);
          return s;
        } catch (err) {
          errors[s.name] = `not warmed up: ${(err as Error).message}`;
          log(`${s.name}: ${errors[s.name]}`);
          await s.stop().catch(() => undefined);
          return undefined;
        }
      }),
    );
    const live = ready.filter((s): s is System => s !== undefined);
    if (live.length === 0) {
      return { measured: new Map(), errors };
    }
    // One more interval, so the window starts with no first-scrape work in flight.
    await sleep(args.intervalMs);

    const t0 = performance.now();
    const simCpu0 = cpuSeconds(sim.pid);
    const simReq0 = (await sim.stats()).requests;
    const start = await Promise.all(
      live.map(async (s) => ({ cpu: cpuSeconds(s.pid), c: await s.counters() })),
    );
    const peak = live.map((s) => rssBytes(s.pid));
    const endAt = t0 + args.durationS * 1000;
    let nextLog = t0 + 10_000;
    while (performance.now() < endAt) {
      await sleep(Math.min(2000, Math.max(0, endAt - performance.now())));
      live.forEach((s, i) => (peak[i] = Math.max(peak[i] ?? 0, rssBytes(s.pid))));
      if (performance.now() >= nextLog) {
        nextLog += 10_000;
        const el = (performance.now() - t0) / 1000;
        const parts = await Promise.all(
          live.map(async (s, i) => {
            const c = await s.counters().catch(() => ({ samples: NaN, series: NaN }));
            const cpu = cpuSeconds(s.pid) - (start[i]?.cpu ?? 0);
            return `${s.name} ${(c.samples - (start[i]?.c.samples ?? 0)).toExponential(2)} samples, cpu ${cpu.toFixed(1)} s, rss ${mb(peak[i] ?? 0)}`;
          }),
        );
        log(`  t=${el.toFixed(0)}s  ${parts.join(" | ")}`);
      }
    }
    const windowS = (performance.now() - t0) / 1000;
    const end = await Promise.all(
      live.map(async (s) => ({ cpu: cpuSeconds(s.pid), c: await s.counters(), rss: rssBytes(s.pid) })),
    );
    const simCpu = cpuSeconds(sim.pid) - simCpu0;
    const simReq = (await sim.stats()).requests - simReq0;

    const measured = new Map<string, Measured>();
    for (const [i, s] of live.entries()) {
      const a = start[i] as (typeof start)[number];
      const b = end[i] as (typeof end)[number];
      const samples = b.c.samples - a.c.samples;
      const cpu = b.cpu - a.cpu;
      const [coll, durations] = await Promise.all([
        // Whole run for both (lineops's status endpoint cannot be windowed); the window alone is
        // scrapeDurationP99Ms.
        s.collection((Date.now() - s.startedAt) / 1000, args.intervalMs),
        s.scrapeDurations(windowS, args.intervalMs).catch(() => ({ all: [] as number[], intervalMax: [] })),
      ]);
      const sd = Float64Array.from(durations.all).sort();
      const fc = await s.fullCycle(windowS, args.intervalMs).catch((err: unknown) => ({
        ms: NaN,
        note: `failed: ${(err as Error).message.slice(0, 120)}`,
      }));
      const results: Results = {
        collectionP99Ms: round(coll.p99Ms),
        collectionP50Ms: round(coll.p50Ms),
        collectionMaxMs: round(coll.maxMs),
        collectionCount: coll.count,
        collectionSource: coll.source,
        scrapeDurationP99Ms: round(
          sd.length ? (sd[Math.max(0, Math.ceil(0.99 * sd.length) - 1)] as number) : NaN,
        ),
        fullCycleMs: round(fc.ms),
        fullCycleNote: fc.note,
        samplesPerCpuSecond: Math.round(samples / cpu),
        cpuSeconds: round(cpu),
        cpuShare: round(cpu / windowS, 3),
        samplesInWindow: samples,
        samplesPerSecond: Math.round(samples / windowS),
        expectedSamplesPerSecond: Math.round((expected * 1000) / args.intervalMs),
        activeSeries: b.c.series,
        rssBytes: b.rss,
        peakRssBytes: Math.max(peak[i] ?? 0, b.rss),
        bytesPerActiveSeries: Math.round(b.rss / b.c.series),
        samplesTotal: 0,
        bytesOnDisk: 0,
        diskBreakdown: {},
        bytesPerSample: NaN,
        diskNote: "",
        stoppedGracefully: false,
        ...(s.countersNote ? { countersNote: s.countersNote } : {}),
      };
      measured.set(s.name, {
        results,
        simulator: { cpuSeconds: round(simCpu), cpuShare: round(simCpu / windowS, 3), requests: simReq },
      });
      log(
        `${s.name}: ${results.samplesPerCpuSecond} samples/cpu-s, ${results.bytesPerActiveSeries} B/series ` +
          `(rss ${mb(b.rss)}, ${b.c.series} series), collection p99 ${results.collectionP99Ms} ms, full cycle ${results.fullCycleMs} ms`,
      );
    }
    log(`simulator: ${simCpu.toFixed(1)} cpu-s over ${windowS.toFixed(0)} s (${simReq} requests)`);

    // The block comparison reads Prometheus before it stops (the API needs it running).
    const prom = live.find((s) => s.name === "prometheus");
    const promRes = measured.get("prometheus")?.results;
    if (prom && promRes && ctx.promtool && args.blockSamples > 0) {
      try {
        const perTarget = args.series * Math.max(1, (windowS * 1000) / args.intervalMs);
        const k = Math.max(1, Math.min(ctx.instances.length, Math.floor(args.blockSamples / perTarget)));
        const dir = path.join(ctx.work, "blocks");
        log(`block comparison: dumping ${k} targets as OpenMetrics, then promtool create-blocks`);
        const dump = await dumpOpenMetrics(prom.url, ctx.instances.slice(0, k), windowS, blockFile(ctx.work));
        const blocks = await promtoolBlocks(ctx.promtool, blockFile(ctx.work), dir);
        promRes.blockBytesPerSample = round(blocks.bytes / dump.samples, 3);
        promRes.blockNote = `promtool tsdb create-blocks-from openmetrics on ${dump.series} series × ${(dump.samples / dump.series).toFixed(0)} samples of this run (${k} targets): ${blocks.bytes} bytes`;
        log(`  ${promRes.blockNote} → ${promRes.blockBytesPerSample} B/sample`);
      } catch (err) {
        promRes.blockNote = `block comparison failed: ${(err as Error).message.slice(0, 200)}`;
        log(promRes.blockNote);
      }
    }

    // Disk: stop gracefully first, so each flushes what it means to keep.
    for (const s of live) {
      const r = measured.get(s.name)?.results;
      const total = await s.counters().catch(() => undefined);
      const stopped = await s.stop();
      if (!r) {
        continue;
      }
      const disk = s.disk();
      r.samplesTotal = total?.samples ?? 0;
      r.bytesOnDisk = disk.bytes;
      r.diskBreakdown = disk.breakdown;
      r.bytesPerSample = round(disk.bytes / r.samplesTotal, 3);
      r.stoppedGracefully = stopped.graceful;
      r.diskNote =
        s.name === "prometheus"
          ? "whole data dir after SIGTERM: WAL + head chunks (no 2 h block is cut in a short run); see blockBytesPerSample"
          : `${s.tsdbDir()} after SIGTERM`;
      log(
        `${s.name}: ${disk.bytes} bytes on disk for ${r.samplesTotal} samples → ${r.bytesPerSample} B/sample`,
      );
    }
    return { measured, errors };
  } finally {
    await stopAll();
  }
}
