// MonitoringEngine: the embedded TSDB, the scrape manager (line instances + static scrape_configs),
// host metrics, remote-write ingestion and the PromQL engine, behind one query interface that the
// API and the other engines use. It imports no other engine: main.ts tells it which instances exist.
import { hostname } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { LineopsConfig } from "../config/schema.js";
import { HostCollector } from "./host/collector.js";
import { hostMetricMetadata } from "./host/metadata.js";
import { MonitoringErrors } from "./errors.js";
import { labelsKey, type Labels, type Matcher, type Storage } from "./model.js";
import { compileMatcher } from "./promql/matcher.js";
import { parseExpr } from "./promql/parser.js";
import { Engine, type QueryOptions, type QueryResult } from "./promql/engine.js";
import { promqlQuerier, type MetricsQuerier } from "./query.js";
import { RemoteWriteRejectedError } from "./remote/errors.js";
import { ingestWriteRequest } from "./remote/ingest.js";
import { RejectionLog, type RejectionCount } from "./rejections.js";
import { CommitSignal, type CommitListener } from "./commits.js";
import { decodeWriteRequest } from "./remote/write-request.js";
import { alertsJson, rulesJson, type RulesFilter } from "./rules/json.js";
import { RuleManager, type AlertingOptions } from "./rules/manager.js";
import type { MetricMetadata } from "./scrape/loop.js";
import { ScrapeManager } from "./scrape/manager.js";
import type { RuleGroupConfig } from "../config/rules-schema.js";
import {
  instanceScrapeTarget,
  staticScrapeTargets,
  type InstanceTarget,
  type ScrapeDefaults,
  type ScrapeTarget,
} from "./scrape/target.js";
import { Tsdb } from "./tsdb/tsdb.js";
import { formatDuration } from "../model/duration.js";

/** One row of /api/v1/targets/metadata (Prometheus's metricMetadata; `metric` only when not asked for one). */
export type TargetMetadataEntry = {
  target: Labels;
  metric?: string;
  type: string;
  help: string;
  unit: string;
};

/** How a query reads storage: its tiers (see promql/resolution.ts) and whether to report what it read. */
export type ReadOptions = Pick<QueryOptions, "maxSourceResolution" | "stats">;

export type MonitoringOptions = {
  dataDir: string;
  /** Validated rule files (see rules/files.ts), evaluated from start(). */
  ruleFiles?: { file: string; groups: RuleGroupConfig[] }[];
  config: LineopsConfig["monitoring"];
  scrapeConfigs: LineopsConfig["scrape_configs"];
  logger: Logger;
  /** Alerting rules' seams: template expander, notification sink, durable alert state (see rules/alert.ts). */
  alerting?: AlertingOptions;
};

export class MonitoringEngine {
  readonly storage: Storage & Tsdb;
  readonly scrape: ScrapeManager;
  readonly promql: Engine;
  readonly rules: RuleManager;
  private readonly host = new HostCollector({});
  /** Host series carry job="node" and the host name, like a node_exporter scrape, so its dashboards work. */
  private readonly hostInstance = hostname();
  private hostTimer: NodeJS.Timeout | undefined;
  private instances: InstanceTarget[] = [];
  private instancePids: { pid: number; labels: Labels }[] = [];
  private readonly staticTargets: ScrapeTarget[];
  private selfTarget: ScrapeTarget | undefined;
  private readonly defaults: ScrapeDefaults;
  /** Samples committed to the TSDB since start, by any writer (scrape, remote write, rules, host). */
  samplesAppended = 0;
  /** Recent collection latencies (scrape start to samples queryable), for lineops's own metrics. */
  readonly collectionMs: number[] = [];
  /** Samples the storage refused, by path and reason (lineops's /metrics), logged rate-limited. */
  private readonly rejections: RejectionLog;
  /** The typed read side for other engines (see query.ts): numbers and label sets, times in ms. */
  readonly querier: MetricsQuerier;
  /** Every TSDB commit of every writer, for live views (see commits.ts). */
  private readonly commits: CommitSignal;
  /**
   * The same, reading the downsampled tiers where step and window allow (max_source_resolution
   * auto, docs/monitoring.md): for long ranges (analytics over 30 days), not for rules and alerts.
   */
  readonly tieredQuerier: MetricsQuerier;

  constructor(private readonly o: MonitoringOptions) {
    this.storage = Tsdb.open(path.join(o.dataDir, "tsdb"), {
      retentionMs: o.config.tsdb.retention,
      retentionBytes: o.config.tsdb.retentionBytes,
      walFlushIntervalMs: o.config.tsdb.walFlushInterval,
      blockDurationMs: o.config.tsdb.blockDuration,
      logger: o.logger.child({ component: "tsdb" }),
    });
    this.rejections = new RejectionLog(o.logger.child({ component: "ingest" }));
    this.commits = new CommitSignal((err) => o.logger.error({ err }, "samples-committed listener failed"));
    const counted = countingStorage(this.storage, (n) => {
      this.samplesAppended += n;
    });
    this.scrape = new ScrapeManager(counted, o.logger.child({ component: "scrape" }), {
      rejected: (t, r) =>
        this.rejections.record("scrape", r.byReason, {
          target: t.url,
          series: r.first?.labels,
          t: r.first?.t,
          err: r.first?.error,
        }),
      scraped: (t, ms, _ok, samples) => {
        this.collectionMs.push(ms);
        if (this.collectionMs.length > 4096) {
          this.collectionMs.splice(0, 2048);
        }
        // Called right after the scrape's commit, failed scrapes included (their `up` 0 and
        // staleness markers are new data too).
        this.commits.emit(() => ({
          source: "scrape",
          // honor_labels and metric relabeling may rewrite job and instance: then nothing is known.
          ...(t.honorLabels || t.metricRelabel.length > 0 ? {} : { target: t.labels }),
          samples,
          committedAt: Date.now(),
        }));
      },
    });
    this.promql = new Engine({
      lookbackDeltaMs: o.config.query.lookbackDelta,
      timeoutMs: o.config.query.timeout,
      maxSamples: o.config.query.maxSamples,
      maxConcurrent: o.config.query.maxConcurrent,
    });
    this.querier = promqlQuerier(this.promql, this.storage);
    this.tieredQuerier = promqlQuerier(this.promql, this.storage, { maxSourceResolution: "auto" });
    this.rules = new RuleManager(
      this.querier.instant,
      // Rule output may carry any labels: its commits say nothing of which series changed.
      countingStorage(this.storage, (samples) =>
        this.commits.emit(() => ({ source: "rules", samples, committedAt: Date.now() })),
      ),
      o.logger.child({ component: "rules" }),
      o.config.evaluationInterval,
      o.alerting,
    );
    this.rules.load(o.ruleFiles ?? []);
    this.defaults = {
      intervalMs: o.config.scrapeInterval,
      timeoutMs: o.config.scrapeTimeout,
      bodySizeLimitBytes: o.config.bodySizeLimitBytes,
      sampleLimit: o.config.sampleLimit,
    };
    this.staticTargets = staticScrapeTargets(o.scrapeConfigs, this.defaults);
  }

  async start(): Promise<void> {
    await this.syncTargets();
    this.rules.start();
    if (this.o.config.host.enabled) {
      const tick = () => {
        void this.collectHost().finally(() => {
          this.hostTimer = setTimeout(tick, this.o.config.host.interval);
        });
      };
      tick();
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.hostTimer);
    this.rules.stop();
    await this.scrape.stop();
    await this.storage.closeAsync();
  }

  /** Percentiles of recent collection latencies (scrape start to samples queryable) and target health. */
  scrapeStatus(): {
    collectionMs: { count: number; p50: number; p99: number; max: number };
    targets: number;
    up: number;
  } {
    const sorted = [...this.collectionMs].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const targets = this.scrape.targets();
    return {
      collectionMs: { count: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted.at(-1) ?? 0 },
      targets: targets.length,
      up: targets.filter((t) => t.health.health === "up").length,
    };
  }

  /**
   * Calls `listener` after every commit to the TSDB (scrape, host metrics, remote write, rules), in
   * the writer's call stack: keep it cheap and defer real work. Returns the unsubscribe function.
   * Free while nobody listens.
   */
  onSamplesCommitted(listener: CommitListener): () => void {
    return this.commits.subscribe(listener);
  }

  /**
   * The line's instances changed: scrape exactly these (plus the static targets), and read the
   * process metrics of these pids. Each pid's labels are its own series' labels and must name its
   * `job` and `instance` (scrape/target.ts instanceProcessLabels): one without them would be
   * written under the host's and collide with every other, so it is left out and logged.
   */
  async setInstances(instances: InstanceTarget[], pids: { pid: number; labels: Labels }[]): Promise<void> {
    this.instances = instances;
    const own = pids.filter((p) => p.labels.job !== undefined && p.labels.instance !== undefined);
    if (own.length < pids.length) {
      this.o.logger.warn(
        { pids: pids.filter((p) => !own.includes(p)).map((p) => p.pid) },
        "process metrics targets without job and instance labels ignored",
      );
    }
    this.instancePids = own;
    await this.syncTargets();
  }

  /**
   * `timeoutMs` (the API's timeout= parameter) can only shorten the configured query timeout;
   * `read` chooses the downsampled tiers (max_source_resolution) and asks for read stats.
   */
  instant(query: string, timeMs: number, timeoutMs?: number, read: ReadOptions = {}): Promise<QueryResult> {
    return this.promql.instantQuery(this.storage, query, timeMs, { timeoutMs, ...read });
  }

  range(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    timeoutMs?: number,
    read: ReadOptions = {},
  ): Promise<QueryResult> {
    return this.promql.rangeQuery(this.storage, query, startMs, endMs, stepMs, { timeoutMs, ...read });
  }

  /** Label sets of the series matching any of the selectors within [start, end]. */
  series(match: string[], startMs: number, endMs: number, limit?: number): Labels[] {
    const q = this.storage.querier();
    const seen = new Map<string, Labels>();
    for (const matchers of parseSelectors(match)) {
      for (const s of q.select(matchers, startMs, endMs)) {
        seen.set(labelsKey(s.labels), s.labels);
        if (limit !== undefined && seen.size >= limit) {
          return [...seen.values()];
        }
      }
    }
    return [...seen.values()];
  }

  labelNames(match: string[], startMs: number, endMs: number, limit?: number): string[] {
    const names = new Set<string>();
    if (match.length === 0) {
      this.storage
        .querier()
        .labelNames()
        .forEach((n) => names.add(n));
    } else {
      for (const l of this.series(match, startMs, endMs)) {
        Object.keys(l).forEach((n) => names.add(n));
      }
    }
    return [...names].sort().slice(0, limit);
  }

  labelValues(name: string, match: string[], startMs: number, endMs: number, limit?: number): string[] {
    const values = new Set<string>();
    if (match.length === 0) {
      this.storage
        .querier()
        .labelValues(name)
        .forEach((v) => values.add(v));
    } else {
      for (const l of this.series(match, startMs, endMs)) {
        const v = l[name];
        if (v !== undefined) {
          values.add(v);
        }
      }
    }
    return [...values].sort().slice(0, limit);
  }

  /** /api/v1/metadata: scraped TYPE/HELP/UNIT plus lineops's own host metrics. */
  metadataJson(
    metric: string | undefined,
    limit?: number,
  ): Record<string, { type: string; help: string; unit: string }[]> {
    const out: Record<string, { type: string; help: string; unit: string }[]> = {};
    for (const [name, m] of hostMetricMetadata()) {
      out[name] = [{ type: m.type, help: m.help, unit: "" }];
    }
    for (const [name, list] of this.scrape.metadata()) {
      out[name] = list.map((m) => ({ type: m.type ?? "unknown", help: m.help ?? "", unit: m.unit ?? "" }));
    }
    const names = Object.keys(out)
      .filter((n) => metric === undefined || n === metric)
      .sort()
      .slice(0, limit);
    return Object.fromEntries(names.map((n) => [n, out[n] ?? []]));
  }

  /**
   * /api/v1/targets/metadata: the metadata each target's own scrapes carried, as Prometheus keeps it
   * per scrape loop. `limit` counts entries and is checked before each target, as Prometheus does,
   * so a target's entries are never cut in half; `metric` selects one family (and drops the field).
   */
  targetMetadataJson(o: { matchTarget?: string; metric?: string; limit?: number }): TargetMetadataEntry[] {
    const matchers = o.matchTarget ? parseTargetSelector(o.matchTarget).map(compileMatcher) : [];
    const out: TargetMetadataEntry[] = [];
    for (const { labels, metadata } of this.scrape.targetMetadata()) {
      if (o.limit !== undefined && out.length >= o.limit) {
        break;
      }
      // Prometheus's Target.Labels(): the target's labels without the __-prefixed internal ones.
      const target = Object.fromEntries(Object.entries(labels).filter(([n]) => !n.startsWith("__")));
      if (!matchers.every((m) => m.matches(target[m.name] ?? ""))) {
        continue;
      }
      const entry = (m: MetricMetadata) => ({
        type: m.type ?? "unknown",
        help: m.help ?? "",
        unit: m.unit ?? "",
      });
      if (o.metric === undefined) {
        for (const [metric, m] of metadata) {
          out.push({ target, metric, ...entry(m) });
        }
      } else {
        const m = metadata.get(o.metric);
        if (m !== undefined) {
          out.push({ target, ...entry(m) });
        }
      }
    }
    return out;
  }

  /** /api/v1/targets in Prometheus's shape. */
  targetsJson(state: string) {
    const active = this.scrape.targets().map(({ target, health }) => ({
      discoveredLabels: target.discoveredLabels,
      labels: target.labels,
      scrapePool: target.job,
      scrapeUrl: target.url,
      globalUrl: target.url,
      lastError: health.lastError,
      // Not in Prometheus's shape: what the storage refused of the last scrape, by reason.
      samplesRejected: health.samplesRejected,
      samplesRejectedByReason: health.samplesRejectedByReason,
      lastScrape:
        health.lastScrape === undefined ? "0001-01-01T00:00:00Z" : new Date(health.lastScrape).toISOString(),
      lastScrapeDuration: health.lastScrapeDurationMs / 1000,
      health: health.health,
      scrapeInterval: formatDuration(target.intervalMs),
      scrapeTimeout: formatDuration(target.timeoutMs),
    }));
    return { activeTargets: state === "dropped" ? [] : active, droppedTargets: [], droppedTargetCounts: {} };
  }

  /** /api/v1/rules in Prometheus's shape, with its type=, rule_name[], rule_group[], file[] and exclude_alerts filters. */
  rulesJson(filter: RulesFilter = {}) {
    return rulesJson(this.rules.groupHealth(), filter);
  }

  /** /api/v1/alerts in Prometheus's shape: the pending and firing alerts of every alerting rule. */
  alertsJson() {
    return alertsJson(this.rules.groupHealth());
  }

  /**
   * Replaces the rule groups (SIGHUP, POST /-/reload) with these validated rule files: groups and
   * rules that still exist keep their alerts and series, alerts of removed rules are dropped.
   */
  reloadRules(files: { file: string; groups: RuleGroupConfig[] }[]): Promise<void> {
    return this.rules.reload(files);
  }

  tsdbStatusJson(limit: number) {
    return this.storage.statusJson(limit);
  }

  /**
   * Remote-write 1.0 body (snappy + protobuf): validated whole before anything is appended. Samples
   * the storage refuses (too far in the future, before the head's min valid time, out of order...)
   * are counted and logged, the accepted rest is stored, and the sender gets 400 naming the count and
   * the first refused series and time. Not Prometheus 2.x's rollback: a sender drops a batch answered
   * 400 without retrying, so a rollback would lose every good series with one bad timestamp.
   */
  remoteWrite(body: Buffer): ReturnType<typeof ingestWriteRequest> {
    const result = ingestWriteRequest(decodeWriteRequest(body), this.storage.appender(), {
      onRejected: "commit",
    });
    this.samplesAppended += result.samples;
    this.commits.emit(() => ({ source: "remote_write", samples: result.samples, committedAt: Date.now() }));
    if (result.rejectedSamples > 0) {
      const first = result.rejected[0];
      this.rejections.record("remote_write", result.byReason, {
        series: first?.labels,
        t: first?.firstT,
        err: first?.firstError,
      });
      throw new RemoteWriteRejectedError(
        result.rejectedSamples,
        result.rejectedSeries,
        result.rejected,
        result.byReason,
        result.samples,
      );
    }
    return result;
  }

  /** Refused samples since start by path and reason (lineops_ingest_rejected_samples_total). */
  rejectedSamples(): RejectionCount[] {
    return this.rejections.totals();
  }

  /**
   * lineops scrapes its own /metrics (job="lineops"), as Prometheus does, so router and API metrics
   * are queryable. Over HTTPS the certificate is not verified: the connection is to lineops's own
   * listener on this machine, and a certificate for the plant's DNS name need not cover the address.
   */
  async setSelfTarget(host: string, port: number, scheme: "http" | "https" = "http"): Promise<void> {
    this.selfTarget = instanceScrapeTarget(
      {
        service: "lineops",
        instanceId: "self",
        host,
        port,
        metricsPath: "/metrics",
        revision: "",
        version: "",
      },
      this.defaults,
    );
    const labels: Record<string, string> = { job: "lineops", instance: `${host}:${port}` };
    this.selfTarget = {
      ...this.selfTarget,
      key: "self",
      url: `${scheme}://${host}:${port}/metrics`,
      labels,
      discoveredLabels: { ...labels, __address__: `${host}:${port}`, __scheme__: scheme },
      ...(scheme === "https" ? { insecureSkipVerify: true } : {}),
    };
    await this.syncTargets();
  }

  private async syncTargets(): Promise<void> {
    await this.scrape.sync([
      ...this.instances.map((i) => instanceScrapeTarget(i, this.defaults)),
      ...this.staticTargets,
      ...(this.selfTarget ? [this.selfTarget] : []),
    ]);
  }

  private async collectHost(): Promise<void> {
    try {
      const t = Date.now();
      const pids = this.instancePids;
      const samples = await this.host.collect(t, pids);
      const app = this.storage.appender();
      for (const s of samples) {
        try {
          // Host-wide families carry no job/instance and get the host's, as a node_exporter scrape
          // would; an instance's process series keep its own (setInstances), so replicas and
          // stations of one service never merge into one series.
          app.append({ job: "node", instance: this.hostInstance, ...s.labels }, t, s.value);
        } catch {
          // an out-of-order host sample after a clock step is dropped, not fatal
        }
      }
      app.commit();
      this.samplesAppended += samples.length;
      const onlyHost = pids.length === 0;
      this.commits.emit(() => ({
        source: "host",
        // With process series in the commit, series of many jobs changed: no single target holds.
        ...(onlyHost ? { target: { job: "node", instance: this.hostInstance } } : {}),
        samples: samples.length,
        committedAt: Date.now(),
      }));
    } catch (err) {
      this.o.logger.warn({ err }, "host metrics collection failed");
    }
  }
}

/** match_target of /api/v1/targets/metadata: one series selector, matched against target labels. */
function parseTargetSelector(text: string): Matcher[] {
  const expr = parseExpr(text);
  if (expr.kind !== "vectorSelector") {
    throw MonitoringErrors.badMatcher(`invalid parameter "match_target": "${text}" is not a series selector`);
  }
  return expr.matchers;
}

function parseSelectors(match: string[]): Matcher[][] {
  return match.map((m) => {
    const expr = parseExpr(m);
    if (expr.kind !== "vectorSelector") {
      throw MonitoringErrors.badMatcher(`invalid parameter "match[]": "${m}" is not a series selector`);
    }
    if (expr.matchers.every((x) => compileMatcher(x).matches(""))) {
      throw MonitoringErrors.badMatcher(
        `invalid parameter "match[]": "${m}": match[] must contain at least one non-empty matcher`,
      );
    }
    return expr.matchers;
  });
}

/** The TSDB as seen by the scrape loops and rules: the same appenders, counting what each commit adds. */
function countingStorage(db: Tsdb, onCommit: (n: number) => void): Storage {
  return {
    querier: () => db.querier(),
    appender: () => {
      const app = db.appender();
      let n = 0;
      return {
        append: (labels: Labels, t: number, v: number) => {
          const ref = app.append(labels, t, v);
          n++;
          return ref;
        },
        appendRef: (ref: number, t: number, v: number) => {
          app.appendRef(ref, t, v);
          n++;
        },
        commit: () => {
          app.commit();
          onCommit(n);
        },
        rollback: () => app.rollback(),
      } as ReturnType<Storage["appender"]>;
    },
  };
}
