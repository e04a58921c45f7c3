// lineops's own metrics (served on /metrics): process defaults, API traffic, instances by state.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Runtime } from "../runtime/types.js";

export type ApiMetrics = {
  registry: Registry;
  requests: Counter<"method" | "route" | "code">;
  duration: Histogram<"method" | "route">;
};

/** What lineops's own /metrics reports about its monitoring engine. */
export type MonitoringStats = { headSeries(): number; samplesAppended(): number };

export function createMetrics(
  runtime: () => Runtime | undefined,
  monitoring?: () => MonitoringStats | undefined,
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
  new Gauge({
    name: "lineops_tsdb_head_series",
    help: "Series in the TSDB head.",
    registers: [registry],
    collect() {
      const m = monitoring?.();
      if (m) {
        this.set(m.headSeries());
      }
    },
  });
  new Counter({
    name: "lineops_tsdb_head_samples_appended_total",
    help: "Samples committed to the TSDB by scrapes, remote write, host metrics and rules.",
    registers: [registry],
    collect() {
      const m = monitoring?.();
      if (m) {
        this.reset();
        this.inc(m.samplesAppended());
      }
    },
  });
  return { registry, requests, duration };
}
