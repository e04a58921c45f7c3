// Delivering one group's message to one receiver: attempts with exponential backoff and jitter
// until it lands, fails for good, or the deadline (Alertmanager's group_interval) passes. Each call
// is independent — no queue or lock is shared between receivers — so callers start one per
// receiver and a receiver that hangs or fails delays nobody else.
import { systemClock, type Clock } from "../../clock.js";
import { backoffDelay } from "./backoff.js";
import type { WebhookPayload } from "./payload.js";
import type { NotifyResult } from "./webhook.js";

/** What deliver() needs of a notifier: one attempt, never throwing. */
export type Notifier = { notify(payload: WebhookPayload, signal?: AbortSignal): Promise<NotifyResult> };

export type DeliverOptions = {
  /** Stops the delivery early (shutdown, the group being flushed again). */
  signal?: AbortSignal;
  clock?: Clock;
  /** First wait before a retry. Default 500 ms, Alertmanager's (cenkalti/backoff's) initial interval. */
  initialBackoffMs?: number;
  /** Longest wait between attempts. Default 60 s, as Alertmanager's backoff. */
  maxBackoffMs?: number;
  /** How long, from the first attempt, retries may go on: the route's group_interval in Alertmanager. */
  deadlineMs: number;
  /** Uniform in [0, 1). Tests pin it; production uses Math.random. */
  random?: () => number;
  /** Told about failed attempts that will be retried (once per distinct error, as Alertmanager logs). */
  logger?: { warn(obj: object, msg?: string): void };
};

export type DeliveryResult = {
  delivered: boolean;
  attempts: number;
  /** HTTP status of the last attempt that got an answer. */
  status?: number;
  /** Why the delivery failed: the last attempt's error, or the deadline/cancel. Never holds a secret. */
  error?: string;
};

/**
 * Sends `payload` through `notifier` until it is delivered, a non-retriable error, the deadline or
 * `signal`. The first attempt is immediate; retry n waits around initial * 1.5^(n-1), ±50 %,
 * capped at maxBackoffMs, counted from the start of the previous attempt (Alertmanager's ticker).
 */
export async function deliver(
  notifier: Notifier,
  payload: WebhookPayload,
  options: DeliverOptions,
): Promise<DeliveryResult> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const initial = options.initialBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 60_000;
  for (const [name, v] of [
    ["initialBackoffMs", initial],
    ["maxBackoffMs", max],
    ["deadlineMs", options.deadlineMs],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(
        `deliver: ${name} must be a non-negative number of milliseconds, got ${String(v)}`,
      );
    }
  }

  // One signal ends everything: the caller's, or the deadline measured on the injected clock.
  const stop = new AbortController();
  const deadlineTimer = clock.setTimer(
    () => stop.abort(new Error(`delivery deadline of ${options.deadlineMs}ms reached`)),
    options.deadlineMs,
  );
  const onOuterAbort = () => stop.abort(options.signal?.reason ?? new Error("delivery canceled"));
  if (options.signal?.aborted) {
    onOuterAbort();
  }
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  let attempts = 0;
  let last: NotifyResult | undefined;
  let lastLogged: string | undefined;
  try {
    while (!stop.signal.aborted) {
      const startedAt = clock.now();
      const result = await notifier.notify(payload, stop.signal);
      attempts++;
      if (result.error === undefined) {
        return {
          delivered: true,
          attempts,
          ...(result.status !== undefined ? { status: result.status } : {}),
        };
      }
      // An attempt cut short by the deadline says "canceled"; the error before it explains more.
      if (!stop.signal.aborted || last === undefined) {
        last = result;
      }
      if (!result.retry) {
        return failure(
          attempts,
          last,
          `notify retry canceled due to unrecoverable error after ${attempts} attempts`,
        );
      }
      if (stop.signal.aborted) {
        break;
      }
      if (result.error !== lastLogged) {
        options.logger?.warn({ attempts, err: result.error }, "Notify attempt failed, will retry later");
        lastLogged = result.error;
      }
      const wait = backoffDelay(attempts, { initialMs: initial, maxMs: max, random });
      await sleep(clock, Math.max(0, startedAt + wait - clock.now()), stop.signal);
    }
    return failure(
      attempts,
      last,
      `notify retry canceled after ${attempts} attempts (${reasonText(stop.signal.reason)})`,
    );
  } finally {
    clock.clearTimer(deadlineTimer);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}

function failure(attempts: number, last: NotifyResult | undefined, prefix: string): DeliveryResult {
  return {
    delivered: false,
    attempts,
    ...(last?.status !== undefined ? { status: last.status } : {}),
    error: last?.error !== undefined ? `${prefix}: ${last.error}` : prefix,
  };
}

/** Resolves after ms on the clock, or at once when the signal aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clock.clearTimer(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = clock.setTimer(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
