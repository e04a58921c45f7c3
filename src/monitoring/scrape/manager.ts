// Keeps one scrape loop per target: starts loops for new targets, stops (and marks stale) loops
// whose target went away, and restarts a loop whose target definition changed.
import type { Logger } from "pino";
import type { Storage } from "../model.js";
import { ScrapeLoop, type MetricMetadata, type ScrapeObserver } from "./loop.js";
import { scheduleSlotMs } from "./schedule.js";
import type { ScrapeTarget } from "./target.js";

export type TargetStatus = {
  target: ScrapeTarget;
  health: ReturnType<ScrapeLoop["health"]>;
};

export class ScrapeManager {
  private readonly loops = new Map<string, { loop: ScrapeLoop; fingerprint: string }>();

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly observer: ScrapeObserver = {},
  ) {}

  /** Makes the running loops equal to `targets`. */
  async sync(targets: readonly ScrapeTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [t.key, t]));
    const stopping: Promise<void>[] = [];
    for (const [key, { loop, fingerprint }] of this.loops) {
      const t = wanted.get(key);
      if (!t || fingerprintOf(t) !== fingerprint) {
        this.loops.delete(key);
        stopping.push(loop.stop(true));
      }
    }
    await Promise.all(stopping);
    const perInterval = new Map<number, number>();
    for (const t of targets) {
      perInterval.set(t.intervalMs, (perInterval.get(t.intervalMs) ?? 0) + 1);
    }
    for (const t of targets) {
      if (!this.loops.has(t.key)) {
        const loop = new ScrapeLoop(t, this.storage, this.logger, this.observer);
        this.loops.set(t.key, { loop, fingerprint: fingerprintOf(t) });
        loop.start(scheduleSlotMs(t.intervalMs, perInterval.get(t.intervalMs) ?? 1));
      }
    }
  }

  /** Scrapes every target now, all at once; resolves when every sample is queryable. */
  async scrapeAll(): Promise<{ targets: number; durationMs: number }> {
    const t0 = performance.now();
    const loops = [...this.loops.values()];
    await Promise.all(loops.map(({ loop }) => loop.scrapeOnce()));
    return { targets: loops.length, durationMs: performance.now() - t0 };
  }

  targets(): TargetStatus[] {
    return [...this.loops.values()].map(({ loop }) => ({ target: loop.target, health: loop.health() }));
  }

  /** Each target's labels and the TYPE/HELP/UNIT of its last scrapes, by metric family. */
  targetMetadata(): { labels: ScrapeTarget["labels"]; metadata: ReadonlyMap<string, MetricMetadata> }[] {
    return [...this.loops.values()].map(({ loop }) => ({
      labels: loop.target.labels,
      metadata: loop.metadata,
    }));
  }

  /** Metadata by metric name across all targets (first seen wins per field). */
  metadata(): Map<string, MetricMetadata[]> {
    const out = new Map<string, MetricMetadata[]>();
    for (const { loop } of this.loops.values()) {
      for (const [metric, m] of loop.metadata) {
        const list = out.get(metric) ?? [];
        if (!list.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit)) {
          list.push(m);
        }
        out.set(metric, list);
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.loops.values()].map(({ loop }) => loop.stop(false)));
    this.loops.clear();
  }
}

function fingerprintOf(t: ScrapeTarget): string {
  return JSON.stringify([
    t.url,
    t.labels,
    t.intervalMs,
    t.timeoutMs,
    t.honorLabels,
    t.honorTimestamps,
    t.sampleLimit,
  ]);
}
