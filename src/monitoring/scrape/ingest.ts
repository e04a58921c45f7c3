// The parser's sink for one target: each sample's series text is resolved through the series cache
// (labels parsed, target-labelled and relabeled once per new series, then a TSDB ref) and appended
// to the scrape's batch; series that vanished from the body get staleness markers.
import { isStaleNaN, STALE_NAN, type Appender, type Labels } from "../model.js";
import { rejectReason, type RejectReason } from "../tsdb/errors.js";
import { SeriesCache, type CacheEntry } from "./cache.js";
import { detachSeries, parseSeriesLabels, type ExpositionSink } from "./parser.js";
import { relabel } from "./relabel.js";
import type { ScrapeTarget } from "./target.js";

/** An appender that can hand back series refs (the TSDB's) so a cached series skips label hashing. */
export type RefAppender = Appender & {
  append(labels: Labels, t: number, v: number): number | void;
  appendRef?(ref: number, t: number, v: number): void;
};

/** A series the loop appends to by ref when it can, by labels when it must. */
export type RefEntry = { readonly labels: Labels | undefined; ref: number | undefined };

export type MetricMetadata = { type?: string; help?: string; unit?: string };

export class SampleLimitExceeded extends Error {}

/** The samples of one scrape the storage refused, so the target can say so (Prometheus only logs). */
export type ScrapeRejections = {
  total: number;
  byReason: Partial<Record<RejectReason, number>>;
  /** The first refused sample: its series, time and the storage's message. */
  first: { labels: Labels; t: number; error: string } | undefined;
};

export class TargetIngest implements ExpositionSink {
  /** TYPE / HELP / UNIT by metric family, as last scraped. */
  readonly families = new Map<string, MetricMetadata>();
  private readonly cache = new SeriesCache();
  private readonly limit: number;
  private readonly honorTimestamps: boolean;
  /** Whether the series of the last completed scrape are live (not marked stale since). */
  private live = false;
  // State of the scrape in progress.
  private app: RefAppender | undefined;
  private body = "";
  private iter = 0;
  private t = 0;
  scraped = 0;
  postRelabel = 0;
  added = 0;
  rejected: ScrapeRejections = { total: 0, byReason: {}, first: undefined };

  constructor(private readonly target: ScrapeTarget) {
    this.limit = target.sampleLimit;
    this.honorTimestamps = target.honorTimestamps;
  }

  /** Starts scrape number `iter` of `body`, stamped `t` (for samples without their own timestamp). */
  begin(app: RefAppender, body: string, iter: number, t: number): void {
    this.app = app;
    this.body = body;
    this.iter = iter;
    this.t = t;
    this.scraped = 0;
    this.postRelabel = 0;
    this.added = 0;
    this.rejected = { total: 0, byReason: {}, first: undefined };
    this.cache.begin();
  }

  sample(series: string, value: number, timestampMs: number | undefined): void {
    this.ingest(series, 0, series.length, value, timestampMs);
  }

  sampleAt(start: number, end: number, value: number, timestampMs: number | undefined): void {
    this.ingest(this.body, start, end, value, timestampMs);
  }

  metadata(metric: string, kind: "type" | "help" | "unit", text: string): void {
    const m = this.families.get(metric);
    if (m === undefined) {
      this.families.set(metric, { [kind]: text });
    } else if (m[kind] !== text) {
      m[kind] = text;
    }
  }

  /** Ends a successful scrape: series of the last one missing from this one go stale. */
  finish(): void {
    const app = this.app!;
    if (this.live) {
      for (const e of this.cache.lastOrder()) {
        if (e.seen !== this.iter && e.labels) {
          this.appendEntry(app, e, this.t, STALE_NAN, true);
        }
      }
    }
    this.cache.commitOrder();
    this.live = true;
    if (this.iter % 16 === 0) {
      this.cache.evict(this.iter - 16);
    }
    this.release();
  }

  /** Ends a failed scrape (its batch rolled back by the caller). */
  abort(): void {
    this.release();
  }

  /** Staleness markers at `t` for every series of the last completed scrape, once. */
  markStale(app: RefAppender, t: number): void {
    if (!this.live) {
      return;
    }
    for (const e of this.cache.lastOrder()) {
      this.appendEntry(app, e, t, STALE_NAN, true);
    }
    this.live = false;
  }

  /**
   * Appends by ref, falling back to labels when the storage has no refs or dropped the series;
   * returns false when the storage rejected the sample. `quiet`: a rejection is expected, not logged.
   */
  appendEntry(app: RefAppender, e: RefEntry, t: number, v: number, quiet: boolean): boolean {
    if (!e.labels) {
      return true;
    }
    try {
      if (e.ref !== undefined && app.appendRef) {
        app.appendRef(e.ref, t, v);
        return true;
      }
    } catch {
      e.ref = undefined; // the storage dropped the series (head GC): fall back to labels
    }
    try {
      const ref = app.append(e.labels, t, v);
      e.ref = typeof ref === "number" ? ref : undefined;
      return true;
    } catch (err) {
      if (!quiet && !isStaleNaN(v)) {
        const reason = rejectReason(err) ?? "invalid";
        const r = this.rejected;
        r.total++;
        r.byReason[reason] = (r.byReason[reason] ?? 0) + 1;
        r.first ??= { labels: e.labels, t, error: err instanceof Error ? err.message : String(err) };
      }
      return false;
    }
  }

  private ingest(text: string, start: number, end: number, value: number, ts: number | undefined): void {
    const n = ++this.scraped;
    if (this.limit > 0 && n > this.limit) {
      throw new SampleLimitExceeded(`sample_limit exceeded: more than ${this.limit} samples`);
    }
    const e = this.cache.find(text, start, end) ?? this.newSeries(text.slice(start, end));
    if (e.seen === this.iter) {
      return; // a duplicate series in one body: Prometheus keeps the first
    }
    e.seen = this.iter;
    this.cache.record(e);
    if (!e.labels) {
      return; // dropped by metric_relabel_configs
    }
    this.postRelabel++;
    this.appendEntry(this.app!, e, ts !== undefined && this.honorTimestamps ? ts : this.t, value, false);
  }

  private newSeries(series: string): CacheEntry {
    // A slice of the body would pin the whole body in memory for as long as the cache holds it.
    const key = detachSeries(series);
    const labels = relabel(this.targetLabels(parseSeriesLabels(key)), this.target.metricRelabel);
    if (labels) {
      this.added++;
    }
    return this.cache.add(key, labels);
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

  private release(): void {
    this.app = undefined;
    this.body = "";
  }
}
