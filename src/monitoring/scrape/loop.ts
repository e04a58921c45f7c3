// One target's scrape loop: fetch on a jittered fixed schedule, parse, label, relabel and append
// every sample in one batch, mark vanished series stale, and record the synthetic series (up,
// scrape_duration_seconds, ...). A failed scrape fails only this target, with its reason kept.
import type { Logger } from "pino";
import { isStaleNaN, STALE_NAN, type Appender, type Labels, type Storage } from "../model.js";
import { fetchScrape } from "./fetch.js";
import { detachSeries, formatFromContentType, parseExposition, parseSeriesLabels } from "./parser.js";
import { relabel } from "./relabel.js";
import type { ScrapeTarget } from "./target.js";

/** An appender that can hand back series refs (the TSDB's) so a cached series skips label hashing. */
type RefAppender = Appender & {
  append(labels: Labels, t: number, v: number): number | void;
  appendRef?(ref: number, t: number, v: number): void;
};

type CacheEntry = {
  labels: Labels | undefined; // undefined: dropped by metric_relabel_configs
  ref: number | undefined;
  lastSeen: number; // scrape iteration that last saw this series
};

export type MetricMetadata = { type?: string; help?: string; unit?: string };

export type TargetHealth = {
  health: "up" | "down" | "unknown";
  lastError: string;
  lastScrape: number | undefined;
  lastScrapeDurationMs: number;
  scrapeSamples: number;
};

export type ScrapeObserver = {
  /** Called after every scrape with the time from its start to its samples being queryable. */
  scraped?(target: ScrapeTarget, collectionMs: number, ok: boolean, samples: number): void;
};

class SampleLimitExceeded extends Error {}

export class ScrapeLoop {
  private readonly cache = new Map<string, CacheEntry>();
  private iteration = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastSuccessfulSeries: CacheEntry[] = [];
  readonly metadata = new Map<string, MetricMetadata>();
  private state: TargetHealth = {
    health: "unknown",
    lastError: "",
    lastScrape: undefined,
    lastScrapeDurationMs: 0,
    scrapeSamples: 0,
  };

  constructor(
    readonly target: ScrapeTarget,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly observer: ScrapeObserver = {},
  ) {}

  health(): TargetHealth {
    return this.state;
  }

  /** Starts scraping at a fixed offset within the interval derived from the target's identity. */
  start(): void {
    const interval = this.target.intervalMs;
    const offset = fnv1a(this.target.key) % interval;
    const now = Date.now();
    let next = now - (now % interval) + offset;
    if (next < now) {
      next += interval;
    }
    const tick = () => {
      if (this.stopped) {
        return;
      }
      const scheduled = next;
      next += interval;
      // Skip slots we fell behind on instead of scraping in a burst.
      while (next <= Date.now()) {
        next += interval;
      }
      this.running = this.scrapeOnce(scheduled).catch((err: unknown) =>
        this.logger.error({ err, target: this.target.url }, "scrape loop error"),
      );
      this.timer = setTimeout(tick, next - Date.now());
    };
    this.timer = setTimeout(tick, next - now);
  }

  /** Stops the loop; with `markStale`, every series it last reported gets a staleness marker. */
  async stop(markStale: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (markStale) {
      const app = this.storage.appender() as RefAppender;
      const t = Date.now();
      for (const e of this.lastSuccessfulSeries) {
        this.appendCached(app, e, t, STALE_NAN);
      }
      for (const name of SYNTHETIC) {
        this.safeAppend(app, { ...this.target.labels, __name__: name }, t, STALE_NAN);
      }
      app.commit();
    }
  }

  /** One scrape at `startMs` (the sample timestamp for samples without their own). */
  async scrapeOnce(startMs = Date.now()): Promise<void> {
    const t0 = performance.now();
    const iter = ++this.iteration;
    const app = this.storage.appender() as RefAppender;
    const seen: CacheEntry[] = [];
    let scraped = 0;
    let postRelabel = 0;
    let added = 0;
    let error = "";
    try {
      const { body, contentType } = await fetchScrape(
        this.target.url,
        this.target.timeoutMs,
        this.target.bodySizeLimitBytes,
      );
      const limit = this.target.sampleLimit;
      parseExposition(body, formatFromContentType(contentType), {
        sample: (series, value, timestampMs) => {
          scraped++;
          if (limit > 0 && scraped > limit) {
            throw new SampleLimitExceeded(`sample_limit exceeded: more than ${limit} samples`);
          }
          const t = timestampMs !== undefined && this.target.honorTimestamps ? timestampMs : startMs;
          let entry = this.cache.get(series);
          if (!entry) {
            // A slice of the body would pin the whole body in memory for as long as the cache holds it.
            const key = detachSeries(series);
            const labels = relabel(this.targetLabels(parseSeriesLabels(key)), this.target.metricRelabel);
            entry = { labels, ref: undefined, lastSeen: 0 };
            this.cache.set(key, entry);
            if (labels) {
              added++;
            }
          }
          if (entry.lastSeen === iter || !entry.labels) {
            return; // dropped, or a duplicate series in one body (Prometheus keeps the first)
          }
          entry.lastSeen = iter;
          postRelabel++;
          seen.push(entry);
          this.appendCached(app, entry, t, value);
        },
        metadata: (metric, kind, text) => {
          const m = this.metadata.get(metric) ?? {};
          m[kind] = text;
          this.metadata.set(metric, m);
        },
      });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const ok = error === "";
    if (!ok) {
      // Nothing of a failed scrape is kept; the series of the last good one go stale, as in Prometheus.
      app.rollback();
      const staleApp = this.storage.appender() as RefAppender;
      for (const e of this.lastSuccessfulSeries) {
        this.appendCached(staleApp, e, startMs, STALE_NAN);
      }
      this.lastSuccessfulSeries = [];
      this.appendSynthetic(staleApp, startMs, t0, 0, 0, 0, 0);
      staleApp.commit();
    } else {
      for (const e of this.lastSuccessfulSeries) {
        if (e.lastSeen !== iter && e.labels) {
          this.appendCached(app, e, startMs, STALE_NAN);
        }
      }
      this.lastSuccessfulSeries = seen;
      this.appendSynthetic(app, startMs, t0, 1, scraped, postRelabel, added);
      app.commit();
      this.evictCache(iter);
    }
    const durationMs = performance.now() - t0;
    this.state = {
      health: ok ? "up" : "down",
      lastError: error,
      lastScrape: startMs,
      lastScrapeDurationMs: durationMs,
      scrapeSamples: ok ? scraped : 0,
    };
    if (!ok) {
      this.logger.debug({ target: this.target.url, err: error }, "scrape failed");
    }
    this.observer.scraped?.(this.target, durationMs, ok, scraped);
  }

  private targetLabels(scraped: Labels): Labels {
    const out: Record<string, string> = { ...scraped };
    for (const [k, v] of Object.entries(this.target.labels)) {
      const existing = out[k];
      if (existing === undefined) {
        out[k] = v;
      } else if (!this.target.honorLabels) {
        // The target's label wins; the scraped one is kept as exported_<name>.
        out[`exported_${k}`] = existing;
        out[k] = v;
      }
    }
    return out;
  }

  private appendCached(app: RefAppender, e: CacheEntry, t: number, v: number): void {
    if (!e.labels) {
      return;
    }
    try {
      if (e.ref !== undefined && app.appendRef) {
        app.appendRef(e.ref, t, v);
        return;
      }
    } catch {
      e.ref = undefined; // the storage dropped the series (head GC): fall back to labels
    }
    try {
      const ref = app.append(e.labels, t, v);
      e.ref = typeof ref === "number" ? ref : undefined;
    } catch (err) {
      if (!isStaleNaN(v)) {
        this.logger.debug({ err, target: this.target.url }, "sample rejected");
      }
    }
  }

  private safeAppend(app: RefAppender, labels: Labels, t: number, v: number): void {
    try {
      app.append(labels, t, v);
    } catch {
      // out of order after a clock step: the synthetic sample is lost, the scrape is not
    }
  }

  private appendSynthetic(
    app: RefAppender,
    t: number,
    t0: number,
    up: number,
    scraped: number,
    post: number,
    added: number,
  ): void {
    const values = [up, (performance.now() - t0) / 1000, scraped, post, added];
    SYNTHETIC.forEach((name, i) =>
      this.safeAppend(app, { ...this.target.labels, __name__: name }, t, values[i] ?? 0),
    );
  }

  /** Forgets series unseen for a while, so a target that churns series does not grow the cache forever. */
  private evictCache(iter: number): void {
    if (iter % 16 !== 0) {
      return;
    }
    for (const [k, e] of this.cache) {
      if (iter - e.lastSeen > 16) {
        this.cache.delete(k);
      }
    }
  }
}

const SYNTHETIC = [
  "up",
  "scrape_duration_seconds",
  "scrape_samples_scraped",
  "scrape_samples_post_metric_relabeling",
  "scrape_series_added",
] as const;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
