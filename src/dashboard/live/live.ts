// The live service: the hub (streams, topics, replay), the query subscriptions and their shared
// cache, and the wiring to the rest of lineops (event bus, monitoring's commit signal, alerts).
// Nothing runs while no stream is open: the commit listener and the alert resync come and go with
// the first and last stream.
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { AlertingService } from "../../alerting/index.js";
import type { EventBus } from "../../events/bus.js";
import type { MonitoringEngine } from "../../monitoring/index.js";
import { LiveHub, type LiveHubOptions } from "./hub.js";
import { LiveQueries, type LiveQueriesOptions } from "./queries.js";
import { TargetNames, targetSelector } from "./target-names.js";
import { evaluateRanges, type RangeAnswer, type RangeRequest } from "./range-batch.js";
import { AlertDiff, publishBusEvents } from "./sources.js";

export type LiveOptions = {
  bus: EventBus;
  monitoring: Pick<MonitoringEngine, "querier" | "onSamplesCommitted" | "alertsJson"> &
    Partial<Pick<MonitoringEngine, "labelValues">>;
  /** The dispatcher's alerts (Alertmanager's side); without it only the rules' alerts are pushed. */
  alerting?: Pick<AlertingService, "alerts">;
  logger: Logger;
  /** lineops's own /metrics registry: lineops_live_* are registered on it. */
  registry?: Registry;
  hub?: Partial<LiveHubOptions>;
  queries?: Partial<LiveQueriesOptions>;
  /** How often alerts are compared while streams are open, besides after every rule evaluation. */
  alertResyncMs?: number;
};

/** How far back a target's series count as its own (a few scrape intervals and a staleness). */
const TARGET_NAMES_WINDOW_MS = 2 * 60_000;

/** Push delay buckets: the plan wants < 1 s, the goal is < 250 ms at p99. */
const DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5];

export class LiveService {
  readonly hub: LiveHub;
  readonly queries: LiveQueries;
  private readonly alerts: AlertDiff;
  private offBus: (() => void) | undefined;
  private offCommits: (() => void) | undefined;
  private resync: NodeJS.Timeout | undefined;
  private alertCheck: NodeJS.Timeout | undefined;
  /** Recent push delays in seconds (newest last, at most 4096): what bench:ui reads besides the histogram. */
  readonly recentDelays: number[] = [];

  constructor(private readonly o: LiveOptions) {
    this.hub = new LiveHub(o.hub);
    const delay = o.registry
      ? new Histogram({
          name: "lineops_live_push_delay_seconds",
          help: "From the commit of scraped samples to the write of the live query result they changed onto a dashboard's stream.",
          buckets: DELAY_BUCKETS,
          registers: [o.registry],
        })
      : undefined;
    const labelValues = o.monitoring.labelValues?.bind(o.monitoring);
    // The names a scrape target's commit may change, from the series it has had lately.
    const targetNames = labelValues
      ? new TargetNames((target) =>
          labelValues("__name__", [targetSelector(target)], Date.now() - TARGET_NAMES_WINDOW_MS, Date.now()),
        )
      : undefined;
    this.queries = new LiveQueries(o.monitoring.querier, {
      ...(targetNames ? { namesOf: (c) => targetNames.namesOf(c) } : {}),
      ...o.queries,
      observeDelay: (seconds) => {
        delay?.observe(seconds);
        this.recentDelays.push(seconds);
        if (this.recentDelays.length > 4096) {
          this.recentDelays.splice(0, 2048);
        }
      },
    });
    if (o.registry) {
      const hub = this.hub;
      const queries = this.queries;
      new Gauge({
        name: "lineops_live_streams",
        help: "Live (Server-Sent Events) streams open.",
        registers: [o.registry],
        collect() {
          this.set(hub.size);
        },
      });
      new Gauge({
        name: "lineops_live_queries",
        help: "Distinct live queries evaluated for open dashboards (shared cache entries).",
        registers: [o.registry],
        collect() {
          this.set(queries.size);
        },
      });
      new Counter({
        name: "lineops_live_streams_dropped_total",
        help: "Live streams dropped because the client read too slowly.",
        registers: [o.registry],
        collect() {
          this.reset();
          this.inc(hub.droppedSlow);
        },
      });
    }
    this.alerts = new AlertDiff(
      {
        ruleAlerts: () => o.monitoring.alertsJson().alerts,
        ...(o.alerting ? { dispatched: () => o.alerting!.alerts() } : {}),
      },
      this.hub,
    );
    this.hub.onOpen((stream) => {
      this.wake();
      stream.onClose(() => {
        if (this.hub.size === 0) {
          this.sleep();
        }
      });
    });
  }

  start(): void {
    this.offBus ??= publishBusEvents(this.o.bus, this.hub);
  }

  /**
   * A page's fixed (past) ranges in one call (range-batch.ts), bounded as live evaluations are:
   * the same timeout, range limit and number at once.
   */
  ranges(
    requests: readonly RangeRequest[],
    where: (index: number, message: string) => string,
  ): Promise<RangeAnswer[]> {
    const q = this.queries.options;
    return evaluateRanges(
      this.o.monitoring.querier,
      requests,
      { concurrency: q.concurrency, timeoutMs: q.timeoutMs, maxRangeMs: q.maxRangeMs },
      where,
    );
  }

  /** Ends every stream with a final event and stops evaluating; the API's close waits on no stream. */
  stop(): void {
    this.offBus?.();
    this.offBus = undefined;
    this.hub.closeAll();
    this.queries.stop();
    this.sleep();
  }

  /** The first stream opened: listen to commits, compare alerts from now on. */
  private wake(): void {
    if (this.offCommits) {
      return;
    }
    this.safely(() => this.alerts.prime());
    this.offCommits = this.o.monitoring.onSamplesCommitted((c) => {
      this.queries.onCommit(c);
      if (c.source === "rules") {
        // Rule groups notify the dispatcher after their last commit: compare a little later, once.
        this.alertCheck ??= setTimeout(() => {
          this.alertCheck = undefined;
          this.safely(() => this.alerts.check());
        }, 50);
      }
    });
    const every = this.o.alertResyncMs ?? 5000;
    this.resync = setInterval(() => this.safely(() => this.alerts.check()), every).unref();
  }

  private sleep(): void {
    this.offCommits?.();
    this.offCommits = undefined;
    clearInterval(this.resync);
    clearTimeout(this.alertCheck);
    this.resync = undefined;
    this.alertCheck = undefined;
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.o.logger.error({ err }, "live alert comparison failed");
    }
  }
}
