// The outbox's metrics, lineops_notifications_*: counters the worker bumps as it goes, and gauges
// read from the outbox table at scrape time, so queue depth and the age of the oldest waiting
// message are right even for rows written by a process that has since died.
import { Counter, Gauge, type Registry } from "prom-client";
import type { BreakerState } from "./breaker.js";

export type OutboxMetrics = {
  sent(channel: string): void;
  failed(channel: string): void;
  retried(channel: string): void;
  fellBack(channel: string): void;
};

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, "half-open": 2 };

export type OutboxGauges = {
  pending(): { byChannel: Map<string, number>; oldestCreatedAt?: number };
  breakers(): Map<string, BreakerState>;
  channels(): string[];
  now(): number;
};

export function registerOutboxMetrics(registry: Registry, gauges: OutboxGauges): OutboxMetrics {
  const labelNames = ["channel"] as const;
  const sent = new Counter({
    name: "lineops_notifications_sent_total",
    help: "Notifications a receiver confirmed (a receipt was recorded), by channel.",
    labelNames,
    registers: [registry],
  });
  const failed = new Counter({
    name: "lineops_notifications_failed_total",
    help: "Notifications given up for good on a channel (non-retriable error or attempts exhausted, no fallback).",
    labelNames,
    registers: [registry],
  });
  const retries = new Counter({
    name: "lineops_notifications_retries_total",
    help: "Failed send attempts that will be retried, by channel.",
    labelNames,
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: "lineops_notifications_fallbacks_total",
    help: "Notifications handed from a channel to its fallback channel.",
    labelNames,
    registers: [registry],
  });
  new Gauge({
    name: "lineops_notifications_queue_depth",
    help: "Notifications waiting in the outbox (pending), by channel.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      const { byChannel } = gauges.pending();
      for (const channel of new Set([...gauges.channels(), ...byChannel.keys()])) {
        this.set({ channel }, byChannel.get(channel) ?? 0);
      }
    },
  });
  new Gauge({
    name: "lineops_notifications_oldest_pending_age_seconds",
    help: "Age of the oldest notification still waiting in the outbox (0 when none waits).",
    registers: [registry],
    collect() {
      const { oldestCreatedAt } = gauges.pending();
      this.set(oldestCreatedAt === undefined ? 0 : Math.max(0, gauges.now() - oldestCreatedAt) / 1000);
    },
  });
  new Gauge({
    name: "lineops_notifications_breaker_state",
    help: "Circuit breaker per channel: 0 closed, 1 open, 2 half-open.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      const states = gauges.breakers();
      for (const channel of gauges.channels()) {
        this.set({ channel }, BREAKER_VALUE[states.get(channel) ?? "closed"]);
      }
    },
  });
  return {
    sent: (channel) => sent.inc({ channel }),
    failed: (channel) => failed.inc({ channel }),
    retried: (channel) => retries.inc({ channel }),
    fellBack: (channel) => fallbacks.inc({ channel }),
  };
}

export const noMetrics: OutboxMetrics = { sent() {}, failed() {}, retried() {}, fellBack() {} };
