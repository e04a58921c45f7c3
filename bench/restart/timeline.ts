// The load's history as a sequence of short windows, and what a benchmark cuts out of it: totals and
// p99 over any span (latencies kept as a log-bucketed histogram, so windows add up exactly), and the
// recovery time of an outage (first failure to the first success after which requests keep
// succeeding). Pure: the load process builds windows, the benchmark reads them.

/** Bucket k holds latencies in [BASE·GROWTH^k, BASE·GROWTH^(k+1)) ms: 5 % resolution from 50 µs. */
const BASE_MS = 0.05;
const GROWTH = 1.05;

export function bucketOf(ms: number): number {
  return ms <= BASE_MS ? 0 : Math.floor(Math.log(ms / BASE_MS) / Math.log(GROWTH));
}

/** The middle of bucket k (geometric), the value a quantile falling in it is reported as. */
export function bucketValue(k: number): number {
  return BASE_MS * GROWTH ** (k + 0.5);
}

/** Sparse histogram: bucket index → count. */
export type Histogram = Record<number, number>;

export function addTo(h: Histogram, ms: number): void {
  const k = bucketOf(ms);
  h[k] = (h[k] ?? 0) + 1;
}

export function mergeInto(into: Histogram, from: Histogram): void {
  for (const [k, n] of Object.entries(from)) {
    const i = Number(k);
    into[i] = (into[i] ?? 0) + n;
  }
}

/** The q-quantile (0..1) in ms, rounded to 0.1 ms; 0 for an empty histogram. */
export function quantile(h: Histogram, q: number): number {
  const keys = Object.keys(h)
    .map(Number)
    .sort((a, b) => a - b);
  const total = keys.reduce((s, k) => s + (h[k] ?? 0), 0);
  if (total === 0) {
    return 0;
  }
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const k of keys) {
    seen += h[k] ?? 0;
    if (seen >= rank) {
      return Math.round(bucketValue(k) * 10) / 10;
    }
  }
  return Math.round(bucketValue(keys.at(-1) ?? 0) * 10) / 10;
}

/**
 * What the load did in one window. Requests count in the window they finished in; the times are
 * when requests were SENT (epoch ms), so an outage is dated by the requests that met it.
 */
export type LoadWindow = {
  /** Window start and end (epoch ms). */
  from: number;
  to: number;
  total: number;
  failed: number;
  /** Requests not sent: the generator was at its in-flight cap (the target held every connection). */
  skipped: number;
  byCause: Record<string, number>;
  latency: Histogram;
  firstFailAt: number | null;
  lastFailAt: number | null;
  /**
   * When each success in the window was sent. A failure may finish a timeout later than the
   * successes sent after it, so recovery is only known once every window of the span is in.
   */
  okSentAt: number[];
};

export type SpanSummary = {
  total: number;
  failed: number;
  skipped: number;
  byCause: Record<string, number>;
  seconds: number;
  /** Requests per second over the span. */
  rate: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** First failure to the first success after which nothing failed (null: no failure). */
  recoverySeconds: number | null;
  /** Whether the span ended with requests still failing (recoverySeconds is then a lower bound). */
  recovered: boolean;
  firstFailAt: number | null;
};

/** Windows that ended within [from, to] (epoch ms): a window belongs to the span it finished in. */
export function windowsIn(windows: readonly LoadWindow[], from: number, to: number): LoadWindow[] {
  return windows.filter((w) => w.to > from && w.to <= to);
}

export function summarize(windows: readonly LoadWindow[], from: number, to: number): SpanSummary {
  const ws = windowsIn(windows, from, to);
  const latency: Histogram = {};
  const byCause: Record<string, number> = {};
  let total = 0;
  let failed = 0;
  let skipped = 0;
  for (const w of ws) {
    total += w.total;
    failed += w.failed;
    skipped += w.skipped;
    mergeInto(latency, w.latency);
    for (const [k, n] of Object.entries(w.byCause)) {
      byCause[k] = (byCause[k] ?? 0) + n;
    }
  }
  const seconds = Math.max(0.001, ((ws.at(-1)?.to ?? to) - (ws[0]?.from ?? from)) / 1000);
  const rec = recovery(ws);
  return {
    total,
    failed,
    skipped,
    byCause,
    seconds: Math.round(seconds * 10) / 10,
    rate: Math.round(total / seconds),
    latencyMs: { p50: quantile(latency, 0.5), p99: quantile(latency, 0.99), max: quantile(latency, 1) },
    ...rec,
  };
}

/**
 * First failure to the first success sent after the last failure (both by send time, across all the
 * windows: a timed-out request finishes later than the successes sent after it).
 */
export function recovery(ws: readonly LoadWindow[]): {
  recoverySeconds: number | null;
  recovered: boolean;
  firstFailAt: number | null;
} {
  let firstFail: number | null = null;
  let lastFail: number | null = null;
  for (const w of ws) {
    if (w.failed > 0 && w.firstFailAt !== null && w.lastFailAt !== null) {
      firstFail = firstFail === null ? w.firstFailAt : Math.min(firstFail, w.firstFailAt);
      lastFail = lastFail === null ? w.lastFailAt : Math.max(lastFail, w.lastFailAt);
    }
  }
  if (firstFail === null || lastFail === null) {
    return { recoverySeconds: null, recovered: true, firstFailAt: null };
  }
  let okAt: number | null = null;
  for (const w of ws) {
    for (const t of w.okSentAt) {
      if (t > lastFail && (okAt === null || t < okAt)) {
        okAt = t;
      }
    }
  }
  return {
    recoverySeconds: Math.round(((okAt ?? lastFail) - firstFail) / 100) / 10,
    recovered: okAt !== null,
    firstFailAt: firstFail,
  };
}
