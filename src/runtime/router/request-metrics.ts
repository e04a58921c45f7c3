// The front doors' request metrics, defined once: the data plane serves them on its control
// socket and lineops's /metrics (in-process router or appended data-plane text) uses the same
// names, labels and buckets, so dashboards and analysis queries don't care where the router runs.
import { Counter, Histogram } from "prom-client";
import type { Registry } from "prom-client";

/** What one finished front-door request contributes (a subset of the router's RequestEvent). */
export type RouterRequestSample = {
  service: string;
  group: string;
  revision?: string;
  code: number;
  durationMs: number;
};

/** Registers lineops_router_requests_total and lineops_router_request_duration_seconds; returns the observer. */
export function registerRouterRequestMetrics(registry: Registry): (e: RouterRequestSample) => void {
  const requests = new Counter({
    name: "lineops_router_requests_total",
    help: "Requests through each service's front door, by revision group, revision and status code.",
    labelNames: ["service", "group", "revision", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "lineops_router_request_duration_seconds",
    help: "Latency of requests through each service's front door.",
    labelNames: ["service", "group", "revision"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return (e) => {
    const revision = e.revision ?? "";
    requests.inc({ service: e.service, group: e.group, revision, code: String(e.code) });
    duration.observe({ service: e.service, group: e.group, revision }, e.durationMs / 1000);
  };
}
