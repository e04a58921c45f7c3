// One target's scrape loop: fetch on a jittered fixed schedule, parse, label, relabel and append
// every sample in one batch, mark vanished series stale, and record the synthetic series (up,
// scrape_duration_seconds, ...). A failed scrape fails only this target, with its reason kept.
import type { Logger } from "pino";
import { STALE_NAN, type Storage } from "../model.js";
import { fetchScrape, scrapeRequest, type ScrapeBody, type ScrapeRequest } from "./fetch.js";
import {
  TargetIngest,
  type MetricMetadata,
  type RefAppender,
  type RefEntry,
  type ScrapeRejections,
} from "./ingest.js";
import { formatFromContentType, parseExposition } from "./parser.js";
import { SharedTimers } from "./schedule.js";
import type { ScrapeTarget } from "./target.js";

export type { MetricMetadata, ScrapeRejections };

/** One timer per start slot for every loop in the process (see schedule.ts). */
const timers = new SharedTimers();

export type TargetHealth = {
  health: "up" | "down" | "unknown";
  lastError: string;
  lastScrape: number | undefined;
  lastScrapeDurationMs: number;
  scrapeSamples: number;
  /**
   * Samples of the last scrape the storage refused (out of bounds, too far in the future, ...).
   * The scrape itself worked, so health stays "up" (and `up` 1, as in Prometheus), but lastError
   * says what was dropped instead of staying empty.
   */
  samplesRejected: number;
  samplesRejectedByReason: ScrapeRejections["byReason"];
};

export type ScrapeObserver = {
  /** Called after every scrape with the time from its start to its samples being queryable. */
  scraped?(target: ScrapeTarget, collectionMs: number, ok: boolean, samples: number): void;
  /** Called after a scrape whose samples the storage partly or wholly refused. */
  rejected?(target: ScrapeTarget, rejections: ScrapeRejections): void;
};

export class ScrapeLoop {
  private readonly ingest: TargetIngest;
  /** up, scrape_duration_seconds, ...: labels built once, appended by ref. */
  private readonly synthetic: RefEntry[];
  private request: ScrapeRequest | undefined;
  private iteration = 0;
  private cancelTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  readonly metadata: Map<string, MetricMetadata>;
  private state: TargetHealth = {
    health: "unknown",
    lastError: "",
    lastScrape: undefined,
    lastScrapeDurationMs: 0,
    scrapeSamples: 0,
    samplesRejected: 0,
    samplesRejectedByReason: {},
  };

  constructor(
    readonly target: ScrapeTarget,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly observer: ScrapeObserver = {},
  ) {
    this.ingest = new TargetIngest(target);
    this.metadata = this.ingest.families;
    this.synthetic = SYNTHETIC.map((name) => ({
      labels: { ...target.labels, __name__: name },
      ref: undefined,
    }));
  }

  health(): TargetHealth {
    return this.state;
  }

  /**
   * Starts scraping at a fixed offset within the interval derived from the target's identity,
   * rounded down to a multiple of `slotMs` so that a few targets share a wake-up (schedule.ts).
   * The first scrape, where every series is new and costs ten times a known one, runs at the
   * unrounded offset instead, so new targets do not queue behind each other.
   */
  start(slotMs = 1): void {
    const interval = this.target.intervalMs;
    const jitter = fnv1a(this.target.key) % interval;
    const offset = jitter - (jitter % Math.max(1, Math.floor(slotMs)));
    const now = Date.now();
    let next = now - (now % interval) + jitter;
    if (next < now) {
      next += interval;
    }
    const tick = () => {
      if (this.stopped) {
        return;
      }
      const scheduled = next;
      // The next slot after this one, skipping slots we fell behind on instead of scraping in a burst.
      next = nextSlot(Math.max(scheduled, Date.now()), interval, offset);
      this.running = this.scrapeOnce(scheduled).catch((err: unknown) =>
        this.logger.error({ err, target: this.target.url }, "scrape loop error"),
      );
      this.cancelTimer = timers.at(next, tick);
    };
    this.cancelTimer = timers.at(next, tick);
  }

  /** Stops the loop; with `markStale`, every series it last reported gets a staleness marker. */
  async stop(markStale: boolean): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.running;
    if (markStale) {
      const app = this.storage.appender() as RefAppender;
      const t = Date.now();
      this.ingest.markStale(app, t);
      for (const e of this.synthetic) {
        this.ingest.appendEntry(app, e, t, STALE_NAN, true);
      }
      app.commit();
    }
  }

  /** One scrape at `startMs` (the sample timestamp for samples without their own). */
  async scrapeOnce(startMs = Date.now()): Promise<void> {
    const t0 = performance.now();
    let error = "";
    let fetched: ScrapeBody | undefined;
    try {
      // Built on first use, inside the try: a bad URL fails the scrape like an unreachable target.
      this.request ??= scrapeRequest(this.target.url, this.target.timeoutMs, this.target.insecureSkipVerify);
      fetched = await fetchScrape(this.request, this.target.bodySizeLimitBytes);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    // From here to the commit nothing awaits, so scrapes of one target never interleave their batches.
    const ingest = this.ingest;
    let app: RefAppender | undefined;
    if (fetched) {
      app = this.storage.appender() as RefAppender;
      ingest.begin(app, fetched.body, ++this.iteration, startMs);
      try {
        parseExposition(fetched.body, formatFromContentType(fetched.contentType), ingest);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
    }
    const scraped = fetched ? ingest.scraped : 0;
    const ok = error === "";
    if (!ok || !app) {
      // Nothing of a failed scrape is kept; the series of the last good one go stale, as in Prometheus.
      app?.rollback();
      ingest.abort();
      const staleApp = this.storage.appender() as RefAppender;
      ingest.markStale(staleApp, startMs);
      this.appendSynthetic(staleApp, startMs, t0, 0, 0, 0, 0);
      staleApp.commit();
    } else {
      ingest.finish();
      this.appendSynthetic(app, startMs, t0, 1, scraped, ingest.postRelabel, ingest.added);
      app.commit();
    }
    const durationMs = performance.now() - t0;
    const rejected = ok ? ingest.rejected : undefined;
    if (rejected && rejected.total > 0) {
      error = rejectedText(rejected, scraped);
      this.observer.rejected?.(this.target, rejected);
    }
    this.state = {
      health: ok ? "up" : "down",
      lastError: error,
      lastScrape: startMs,
      lastScrapeDurationMs: durationMs,
      scrapeSamples: ok ? scraped : 0,
      samplesRejected: rejected?.total ?? 0,
      samplesRejectedByReason: rejected?.byReason ?? {},
    };
    if (!ok) {
      this.logger.debug({ target: this.target.url, err: error }, "scrape failed");
    }
    this.observer.scraped?.(this.target, durationMs, ok, scraped);
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
    for (let i = 0; i < this.synthetic.length; i++) {
      // Rejected only when out of order after a clock step: that sample is lost, the scrape is not.
      this.ingest.appendEntry(app, this.synthetic[i]!, t, values[i] ?? 0, true);
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

/** lastError of a scrape whose samples the storage refused: how many, why, and the first one. */
function rejectedText(r: ScrapeRejections, scraped: number): string {
  const reasons = Object.entries(r.byReason)
    .map(([reason, n]) => `${n} ${reason.replaceAll("_", " ")}`)
    .join(", ");
  const first = r.first ? `; first: ${r.first.error} for ${JSON.stringify(r.first.labels)}` : "";
  return `${r.total} of ${scraped} samples rejected by the storage (${reasons})${first}`;
}

/** The first time after `after` that is `offset` past a multiple of `interval`. */
function nextSlot(after: number, interval: number, offset: number): number {
  const t = after - (after % interval) + offset;
  return t > after ? t : t + interval;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
