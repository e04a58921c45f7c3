// The two systems under test behind one shape: how to read their ingest counters, scrape
// durations, collection latency and full-cycle time, and where their data lands on disk.
import path from "node:path";
import { dirBreakdown, dirBytes } from "../common/proc.js";
import {
  apiCall,
  getText,
  instantQuery,
  metricSum,
  type ApiOptions,
  type MatrixSeries,
} from "../common/prom-api.js";
import type { RunningLineops } from "../common/lineops.js";
import type { RunningPrometheus } from "../common/prometheus.js";
import { quantile } from "./stats.js";

export const JOB = "sim";

export type Latency = { count: number; p50Ms: number; p99Ms: number; maxMs: number; source: string };

export interface System {
  readonly name: "prometheus" | "lineops";
  readonly pid: number;
  /** When the system was started (ms since epoch): collection latency covers its whole run. */
  readonly startedAt: number;
  /** Base URL of its Prometheus-compatible HTTP API. */
  readonly url: string;
  /** Set when counters() had to be derived some other way than the system's own TSDB metrics. */
  readonly countersNote?: string | undefined;
  /** Head samples appended so far and active (head) series. */
  counters(): Promise<{ samples: number; series: number }>;
  /** Targets of the benchmark job that are up. */
  up(): Promise<number>;
  /** Pooled scrape_duration_seconds of every scrape in the last windowS, from the system's own query API. */
  scrapeDurations(windowS: number, intervalMs: number): Promise<ScrapeDurations>;
  /** Scrape start → samples queryable, over the last windowS (lineops: its whole run, always). */
  collection(windowS: number, intervalMs: number): Promise<Latency>;
  /** Wall time for every target to be scraped once. */
  fullCycle(windowS: number, intervalMs: number): Promise<{ ms: number; note: string }>;
  /** The part of the data dir holding samples. */
  tsdbDir(): string;
  disk(): { bytes: number; allocated: number; breakdown: Record<string, number> };
  stop(): Promise<{ graceful: boolean }>;
}

export type ScrapeDurations = {
  /** Every scrape's duration, ms. */
  all: number[];
  /** Per interval, the slowest target's scrape (ms): the closest thing to a full cycle Prometheus has. */
  intervalMax: number[];
};

async function queryScrapeDurations(
  url: string,
  token: string | undefined,
  windowS: number,
  intervalMs: number,
): Promise<ScrapeDurations> {
  const res = (await instantQuery(url, `scrape_duration_seconds{job="${JOB}"}[${Math.ceil(windowS)}s]`, {
    ...(token ? { token } : {}),
  })) as MatrixSeries[];
  const all: number[] = [];
  const byInterval = new Map<number, number>();
  for (const s of res) {
    for (const [t, v] of s.values) {
      const ms = Number(v) * 1000;
      all.push(ms);
      const k = Math.floor((t * 1000) / intervalMs);
      byInterval.set(k, Math.max(byInterval.get(k) ?? 0, ms));
    }
  }
  return { all, intervalMax: [...byInterval.values()] };
}

function latencyOf(values: number[], source: string): Latency {
  const v = Float64Array.from(values);
  return {
    count: v.length,
    p50Ms: quantile(v, 0.5),
    p99Ms: quantile(v, 0.99),
    maxMs: v.length ? (v[v.length - 1] as number) : NaN,
    source,
  };
}

/** The value of an instant query's first sample (0 when it returns none). */
async function instantNumber(url: string, expr: string, opts: ApiOptions = {}): Promise<number> {
  const r = await instantQuery(url, expr, opts);
  return Number((r[0] as { value?: [number, string] } | undefined)?.value?.[1] ?? 0);
}

type Running = { pid: number; url: string; stop(timeoutMs: number): Promise<{ graceful: boolean }> };

/** What both systems share: a child speaking the Prometheus HTTP API, lineops's behind a bearer token. */
abstract class ChildSystem {
  readonly startedAt = Date.now();
  constructor(
    private readonly running: Running,
    private readonly token?: string,
  ) {}
  get pid(): number {
    return this.running.pid;
  }
  get url(): string {
    return this.running.url;
  }
  protected auth(): ApiOptions {
    return this.token ? { token: this.token } : {};
  }
  protected query(expr: string): Promise<number> {
    return instantNumber(this.url, expr, this.auth());
  }
  /** Targets of the benchmark job that are up, by query. */
  protected upByQuery(): Promise<number> {
    return this.query(`sum(up{job="${JOB}"})`);
  }
  scrapeDurations(windowS: number, intervalMs: number) {
    return queryScrapeDurations(this.url, this.token, windowS, intervalMs);
  }
  stop() {
    return this.running.stop(60_000);
  }
}

export class PrometheusSystem extends ChildSystem implements System {
  readonly name = "prometheus";
  constructor(private readonly p: RunningPrometheus) {
    super(p);
  }
  async counters() {
    const body = await getText(`${this.p.url}/metrics`);
    return {
      samples: metricSum(body, "prometheus_tsdb_head_samples_appended_total") ?? 0,
      series: metricSum(body, "prometheus_tsdb_head_series") ?? 0,
    };
  }
  up() {
    return this.upByQuery();
  }
  async collection(windowS: number, intervalMs: number) {
    // Prometheus commits a scrape's samples when the scrape ends, so its scrape duration is its
    // collection latency.
    const d = await this.scrapeDurations(windowS, intervalMs);
    return latencyOf(
      d.all,
      "scrape_duration_seconds of every scrape since start, incl. warm-up (Prometheus query API)",
    );
  }
  async fullCycle(windowS: number, intervalMs: number) {
    const d = await this.scrapeDurations(windowS, intervalMs);
    return {
      ms: quantile(d.intervalMax, 0.5),
      note: "Prometheus cannot scrape on demand: median over intervals of the slowest target's scrape_duration_seconds (targets are scraped concurrently, spread over the interval)",
    };
  }
  tsdbDir() {
    return this.p.dataDir;
  }
  disk() {
    // queries.active is the active-query log (a fixed-size mmap), not storage.
    const d = dirBytes(this.p.dataDir);
    const breakdown = dirBreakdown(this.p.dataDir);
    const skip = breakdown["queries.active"] ?? 0;
    delete breakdown["queries.active"];
    return { bytes: d.bytes - skip, allocated: d.allocated - skip, breakdown };
  }
}

type ScrapeStatus = {
  collectionMs: { count: number; p50: number; p99: number; max: number };
  targets: number;
  up: number;
};

export class LineopsSystem extends ChildSystem implements System {
  readonly name = "lineops";
  constructor(private readonly l: RunningLineops) {
    super(l, l.token);
  }
  /** Set when lineops's /metrics lacks the TSDB counters and the query API stood in for them. */
  countersNote: string | undefined;
  async counters() {
    const body = await getText(`${this.l.url}/metrics`, this.auth());
    const samples = metricSum(body, "lineops_tsdb_head_samples_appended_total");
    const series = metricSum(body, "lineops_tsdb_head_series");
    if (samples !== undefined && series !== undefined) {
      return { samples, series };
    }
    // Until lineops exports its TSDB counters: the scrape loop's own series say the same thing
    // (samples scraped per scrape, plus the 5 series every scrape adds: up, scrape_*).
    this.countersNote =
      "lineops /metrics lacks lineops_tsdb_head_*: samples and series counted through the query API";
    const [scraped, scrapes, active] = await Promise.all([
      this.query(`sum(sum_over_time(scrape_samples_scraped{job="${JOB}"}[1d]))`),
      this.query(`sum(count_over_time(up{job="${JOB}"}[1d]))`),
      // Not count({job=…}): touching every series would charge the benchmark's own query to lineops.
      this.query(`sum(scrape_samples_scraped{job="${JOB}"}) + 5 * count(up{job="${JOB}"})`),
    ]);
    return { samples: samples ?? scraped + 5 * scrapes, series: series ?? active };
  }
  private status() {
    return apiCall<ScrapeStatus>(`${this.l.url}/api/v1/status/scrape`, this.auth());
  }
  async up() {
    try {
      return (await this.status()).up;
    } catch {
      return this.upByQuery();
    }
  }
  async collection(windowS: number, intervalMs: number): Promise<Latency> {
    try {
      const s = (await this.status()).collectionMs;
      return {
        count: s.count,
        p50Ms: s.p50,
        p99Ms: s.p99,
        maxMs: s.max,
        source: "GET /api/v1/status/scrape (scrape start → samples queryable, whole run incl. warm-up)",
      };
    } catch (err) {
      const d = await this.scrapeDurations(windowS, intervalMs);
      return latencyOf(
        d.all,
        `scrape_duration_seconds (status/scrape unavailable: ${(err as Error).message.slice(0, 80)})`,
      );
    }
  }
  async fullCycle() {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await apiCall<{ targets: number; durationMs: number }>(
        `${this.l.url}/api/v1/targets/scrape`,
        {
          ...this.auth(),
          method: "POST",
          timeoutMs: 120_000,
        },
      );
      runs.push(r.durationMs);
    }
    return {
      ms: quantile(runs, 0.5),
      note: "median of 3 × POST /api/v1/targets/scrape (every target at once)",
    };
  }
  tsdbDir() {
    return path.join(this.l.dataDir, "tsdb");
  }
  disk() {
    return { ...dirBytes(this.tsdbDir()), breakdown: dirBreakdown(this.tsdbDir()) };
  }
}
