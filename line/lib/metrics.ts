// Builds each service's own prom-client Registry (never the global one, so several services or
// tests in one process cannot collide) with the HTTP metrics every line service exposes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { FAULT_TYPES } from "./faults.js";
import type { FaultState } from "./faults.js";

/** Latency buckets in seconds: station cycles are tens of ms, injected faults add 200–500 ms. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type HttpMetrics = {
  registry: Registry;
  requests: Counter<"method" | "route" | "code">;
  duration: Histogram<"method" | "route" | "code">;
  inFlight: Gauge<"route">;
  dependencyCalls: Counter<"dependency" | "outcome">;
};

export function createHttpMetrics(opts: {
  service: string;
  version: string;
  station?: string;
  faults: FaultState;
}): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const info = new Gauge({
    name: "service_info",
    help: "Always 1; labels tell which service and version this process runs",
    labelNames: ["service", "version", "station"],
    registers,
  });
  info.set({ service: opts.service, version: opts.version, station: opts.station ?? "" }, 1);

  const faults = opts.faults;
  new Gauge({
    name: "faults_active",
    help: "1 while an injected fault of this type is active",
    labelNames: ["type"],
    registers,
    collect() {
      for (const type of FAULT_TYPES) {
        this.set({ type }, faults.isActive(type) ? 1 : 0);
      }
    },
  });

  return {
    registry,
    requests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, by method, matched route and status code",
      labelNames: ["method", "route", "code"],
      registers,
    }),
    duration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request latency from arrival to response end",
      labelNames: ["method", "route", "code"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({
      name: "http_requests_in_flight",
      help: "Requests currently being handled, by matched route",
      labelNames: ["route"],
      registers,
    }),
    dependencyCalls: new Counter({
      name: "dependency_requests_total",
      help: "Calls to other line services, by dependency and outcome (ok, skipped, http_error, timeout, network_error)",
      labelNames: ["dependency", "outcome"],
      registers,
    }),
  };
}

/**
 * Writes a one-hot state gauge: 1 for the current state, 0 for every other, so a PromQL query on
 * `== 1` always finds exactly one series per label set.
 */
export function setOneHot<L extends string>(
  gauge: Gauge<L>,
  states: readonly string[],
  current: string,
  labels: Partial<Record<L, string>> = {},
): void {
  for (const state of states) {
    gauge.set({ ...labels, state } as Partial<Record<L, string>>, state === current ? 1 : 0);
  }
}
