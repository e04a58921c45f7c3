// Drives the line with work orders at a fixed rate so lineops has live traffic to route, measure
// and judge canaries by. Concurrency is capped: when the line is slower than the rate, ticks are
// dropped and counted rather than queued, so a stalled line never builds an unbounded backlog.

export type TrafficResult = {
  /** HTTP status, or undefined when the request failed before an answer (refused, timeout). */
  status?: number;
  ok: boolean;
  durationMs: number;
  error?: string;
};

export type TrafficStats = {
  /** Requests issued. */
  sent: number;
  /** Answered 2xx. */
  succeeded: number;
  /** Answered with a non-2xx status. */
  failed: number;
  /** No answer: connection error or timeout. */
  errors: number;
  /** Ticks skipped because maxInFlight requests were already outstanding. */
  dropped: number;
  inFlight: number;
};

export type TrafficOptions = {
  /** Base URL of the line controller's front door; work orders go to `${url}/work-orders`. */
  url: string;
  ratePerSecond: number;
  /** Cap on outstanding requests (default: one second's worth, at least 4). */
  maxInFlight?: number;
  /** Per-request timeout (default 5 s); also bounds how long stop() waits. */
  timeoutMs?: number;
  onResult?: (result: TrafficResult) => void;
};

export type TrafficGenerator = {
  /** Stops issuing and resolves once every in-flight request has settled. */
  stop(): Promise<void>;
  stats(): TrafficStats;
};

/** Scheduler tick: short enough for smooth pacing at a few hundred req/s, long enough to be cheap. */
const MAX_TICK_MS = 50;

export function startTrafficGenerator(opts: TrafficOptions): TrafficGenerator {
  const { ratePerSecond } = opts;
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
  }
  const maxInFlight = opts.maxInFlight ?? Math.max(4, Math.ceil(ratePerSecond));
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  }
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const target = `${opts.url.replace(/\/+$/, "")}/work-orders`;
  const counters: TrafficStats = { sent: 0, succeeded: 0, failed: 0, errors: 0, dropped: 0, inFlight: 0 };
  const pending = new Set<Promise<void>>();
  let sequence = 0;

  const send = async () => {
    const started = performance.now();
    const workOrderId = `WO-traffic-${process.pid}-${++sequence}`;
    let result: TrafficResult;
    try {
      const res = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workOrderId }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the keep-alive connection is reusable.
      await res.arrayBuffer();
      result = { status: res.status, ok: res.ok, durationMs: performance.now() - started };
      counters[res.ok ? "succeeded" : "failed"]++;
    } catch (err) {
      result = { ok: false, durationMs: performance.now() - started, error: String(err) };
      counters.errors++;
    }
    try {
      opts.onResult?.(result);
    } catch {
      // A throwing observer must not break the generator's own accounting.
    }
  };

  // Pacing is derived from elapsed time, not from counting timer callbacks, so timer drift and a
  // blocked event loop do not slowly lower the effective rate.
  const startedAt = performance.now();
  let issued = 0;
  const tick = () => {
    const due = Math.floor(((performance.now() - startedAt) * ratePerSecond) / 1000) + 1;
    while (issued < due) {
      issued++;
      if (counters.inFlight >= maxInFlight) {
        counters.dropped++;
        continue;
      }
      counters.sent++;
      counters.inFlight++;
      const p = send().finally(() => {
        counters.inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
  };
  tick();
  const timer = setInterval(tick, Math.min(MAX_TICK_MS, 1000 / ratePerSecond));

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await Promise.allSettled([...pending]);
      })();
      return stopping;
    },
    stats: () => ({ ...counters }),
  };
}
