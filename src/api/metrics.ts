// lineops's own metrics (served on /metrics): process defaults, API traffic, instances by state.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { registerRouterRequestMetrics } from "../runtime/router/request-metrics.js";
import type { Runtime } from "../runtime/types.js";
import type { EventBus } from "../events/bus.js";

export type ApiMetrics = {
  registry: Registry;
  /** Called by the router for every proxied request. */
  routerRequest(e: {
    service: string;
    group: string;
    revision?: string;
    code: number;
    durationMs: number;
  }): void;
  requests: Counter<"method" | "route" | "code">;
  duration: Histogram<"method" | "route">;
};

/** What lineops's own /metrics reports about its monitoring engine. */
export type MonitoringStats = {
  headSeries(): number;
  samplesAppended(): number;
  /** The TSDB's refusals on every path (scrape, remote write, rules, host), by reason. */
  tsdbRejected?(): Record<"out_of_bounds" | "too_far_in_future" | "out_of_order" | "duplicate", number>;
  /** Refusals seen by remote write and scrapes, by reason. */
  ingestRejected?(): { source: string; reason: string; value: number }[];
  quarantinedBlocks?(): number;
  /** Rule evaluations and failures since start, by rule group ("<file>;<group>"). */
  ruleEvaluations?(): { ruleGroup: string; evaluations: number; failures: number }[];
};

// Prometheus's names for the same counters (prometheus_tsdb_out_of_bound_samples_total, ...).
const TSDB_REJECTED = [
  ["out_of_bounds", "lineops_tsdb_out_of_bound_samples_total", "before the head's min valid time"],
  ["too_far_in_future", "lineops_tsdb_too_far_in_future_samples_total", "beyond the clock + 10 min"],
  ["out_of_order", "lineops_tsdb_out_of_order_samples_total", "older than the series' last sample"],
  ["duplicate", "lineops_tsdb_duplicate_samples_total", "same time as the last sample, other value"],
] as const;

export function createMetrics(
  runtime: () => Runtime | undefined,
  monitoring?: () => MonitoringStats | undefined,
  opts: {
    routerMetrics?: boolean;
    /** Where instance exits and finished deployments are heard, for the counters alert rules need. */
    events?: EventBus;
  } = {},
): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lineops_" });
  const requests = new Counter({
    name: "lineops_http_requests_total",
    help: "API requests by method, route and status code.",
    labelNames: ["method", "route", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "lineops_http_request_duration_seconds",
    help: "API request latency.",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: "lineops_instances",
    help: "Instances managed by lineops, by service and state.",
    labelNames: ["service", "state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const i of runtime()?.list() ?? []) {
        this.inc({ service: i.service, state: i.state });
      }
    },
  });
  // Figures read from the monitoring engine at scrape time; absent before it has started.
  const read = (get: (m: MonitoringStats) => number | undefined) => {
    const m = monitoring?.();
    return m === undefined ? undefined : get(m);
  };
  // A gauge is set, a counter kept by the engine is reported as its current total: both by reset + inc.
  const fromMonitoring = (
    kind: "gauge" | "counter",
    name: string,
    help: string,
    get: (m: MonitoringStats) => number | undefined,
  ) => {
    const config = {
      name,
      help,
      registers: [registry],
      collect(this: { reset(): void; inc(n: number): void }) {
        const n = read(get);
        if (n !== undefined) {
          this.reset();
          this.inc(n);
        }
      },
    };
    return kind === "gauge" ? new Gauge(config) : new Counter(config);
  };
  fromMonitoring("gauge", "lineops_tsdb_head_series", "Series in the TSDB head.", (m) => m.headSeries());
  fromMonitoring(
    "counter",
    "lineops_tsdb_head_samples_appended_total",
    "Samples committed to the TSDB by scrapes, remote write, host metrics and rules.",
    (m) => m.samplesAppended(),
  );
  for (const [reason, name, why] of TSDB_REJECTED) {
    fromMonitoring("counter", name, `Samples the TSDB refused: ${why}.`, (m) => m.tsdbRejected?.()[reason]);
  }
  new Counter({
    name: "lineops_ingest_rejected_samples_total",
    help: "Samples of remote write and scrapes refused by the storage, by source and reason.",
    labelNames: ["source", "reason"] as const,
    registers: [registry],
    collect() {
      const m = monitoring?.()?.ingestRejected?.();
      if (m) {
        this.reset();
        for (const c of m) {
          this.inc({ source: c.source, reason: c.reason }, c.value);
        }
      }
    },
  });
  fromMonitoring(
    "gauge",
    "lineops_tsdb_quarantined_blocks",
    "Future-dated blocks moved to the TSDB's quarantine folder at its last open (see docs/runbooks).",
    (m) => m.quarantinedBlocks?.(),
  );
  for (const [name, help, key] of [
    ["lineops_rule_evaluations_total", "Rule evaluations, by rule group.", "evaluations"],
    ["lineops_rule_evaluation_failures_total", "Rule evaluations that failed, by rule group.", "failures"],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ["rule_group"] as const,
      registers: [registry],
      collect() {
        const groups = monitoring?.()?.ruleEvaluations?.();
        if (groups) {
          this.reset();
          for (const g of groups) {
            this.inc({ rule_group: g.ruleGroup }, g[key]);
          }
        }
      },
    });
  }
  registerEventCounters(registry, opts.events);
  // With the front doors in the data plane, their metrics come from its /metrics text instead.
  const routerRequest: ApiMetrics["routerRequest"] =
    opts.routerMetrics === false ? () => undefined : registerRouterRequestMetrics(registry);
  return { registry, requests, duration, routerRequest };
}

/**
 * Counters of things that happen between two scrapes and leave no state behind: a crashed instance
 * is restarted after a backoff of half a second, so `lineops_instances{state="backoff"}` may never be
 * scraped, and a deployment's end is an event, not a state. Counted as they are published.
 */
const DEPLOYMENT_END_PHASES = ["Succeeded", "RolledBack", "Aborted", "Failed"] as const;

function registerEventCounters(registry: Registry, events: EventBus | undefined): void {
  const crashes = new Counter({
    name: "lineops_instance_crashes_total",
    help: "Instances that exited without being asked to (restarted after a backoff, or failed in a crash loop), by service.",
    labelNames: ["service"] as const,
    registers: [registry],
  });
  const deployments = new Counter({
    name: "lineops_deployments_total",
    help: "Deployments finished, by service and final phase (Succeeded, RolledBack, Aborted, Failed).",
    labelNames: ["service", "phase"] as const,
    registers: [registry],
  });
  // Series exist at 0 before the first crash or deployment: increase() over a counter that first
  // appears at 1 sees no increase, and the first rollback would never alert.
  const known = (service: string) => {
    crashes.inc({ service }, 0);
    for (const phase of DEPLOYMENT_END_PHASES) {
      deployments.inc({ service, phase }, 0);
    }
  };
  events?.on("line.applied", (e) => e.services.forEach((s) => known(s.name)));
  events?.on("deployment.started", (e) => known(e.service));
  events?.on("instance", (e) => {
    known(e.instance.service);
    // An exit lineops asked for leaves the instance "stopping"; an unexpected one, backoff or failed.
    if (e.type === "exited" && (e.instance.state === "backoff" || e.instance.state === "failed")) {
      crashes.inc({ service: e.instance.service });
    }
  });
  events?.on("deployment.finished", (e) => deployments.inc({ service: e.service, phase: e.phase }));
}
