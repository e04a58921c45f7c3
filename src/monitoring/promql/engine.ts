// The PromQL engine: parses a query, evaluates it against a Storage over one step (instant) or a
// step grid (range), enforces limits (timeout, sample budget, resolution, concurrency) and returns
// results shaped like Prometheus's HTTP API.
import { labelsKey } from "../model.js";
import type { Labels, Storage } from "../model.js";
import { typeOf } from "./ast.js";
import type { Expr } from "./ast.js";
import { PromqlErrors, TOO_MANY_SAMPLES_MESSAGE } from "./errors.js";
import { Evaluator } from "./evaluator.js";
import type { Point, QueryResult } from "./format.js";
import { parseExprCached } from "./parser.js";
import { QueryState } from "./state.js";
import { isTieredStorage, type SourceResolution } from "./resolution.js";
import { dropMetricName } from "./value.js";
import type { RawSeries, Value, VSeries } from "./value.js";

export { toPrometheusJson, formatFloat } from "./format.js";
export type { QueryResult, Point } from "./format.js";
export type { SourceResolution } from "./resolution.js";
export type { QueryReadStats } from "./state.js";

export type EngineOptions = {
  lookbackDeltaMs?: number;
  timeoutMs?: number;
  maxSamples?: number;
  maxConcurrent?: number;
  /** Queries allowed to wait for a slot; more answer 503 at once instead of piling up. */
  maxQueued?: number;
  /** Longest run of evaluation between pauses (default SLICE_MS); tests shorten it. */
  sliceMs?: number;
  /** Step of sub-queries written without one, e.g. foo[5m:] (Prometheus: the global eval interval). */
  noStepSubqueryIntervalMs?: number;
};

/** Prometheus's cap on points per series for range queries. */
export const MAX_POINTS_PER_SERIES = 11_000;

/**
 * Default sample budget per query: a fifth of Prometheus's 50M. Held samples cost 9-16 bytes
 * (a value column plus presence byte, or raw timestamp and value), so 10M is 90-160 MB per query
 * and, with DEFAULT_MAX_CONCURRENT queries, stays under the 1 GB a 2-core edge box can spare;
 * it still covers a full Grafana panel (11,000 points x 900 series) and the 24 h x 10k-series
 * bench queries. `count_over_time(vector(1)[12h:1ms])` (43M subquery steps) is refused.
 */
export const DEFAULT_MAX_SAMPLES = 10_000_000;

/** Evaluation is cooperative on one core; more queries in flight only multiply held memory. */
export const DEFAULT_MAX_CONCURRENT = 4;

export const DEFAULT_MAX_QUEUED = 64;

/** Per-call options: limits narrower than the engine's own (the API's `timeout=` parameter). */
export type QueryOptions = {
  timeoutMs?: number;
  /**
   * The coarsest downsampled tier selectors may read (Thanos's max_source_resolution): "auto"
   * chooses by step and window (see resolution.ts), a number (ms) caps it, 0 reads raw samples.
   * Default 0: rules and alerts read what they always read; the HTTP API passes "auto".
   */
  maxSourceResolution?: SourceResolution;
  /** Attach what the query read (QueryReadStats) to the result as `stats`. */
  stats?: boolean;
};

export class Engine {
  private readonly lookbackMs: number;
  private readonly timeoutMs: number;
  /** Samples one query may hold; analysis (forecast points) is held to the same budget. */
  readonly maxSamples: number;
  private readonly maxConcurrent: number;
  private readonly noStepMs: number;
  private readonly maxQueued: number;
  private readonly sliceMs: number | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: EngineOptions = {}) {
    this.lookbackMs = opts.lookbackDeltaMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 2 * 60_000;
    this.maxSamples = opts.maxSamples ?? DEFAULT_MAX_SAMPLES;
    this.maxConcurrent = opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
    this.maxQueued = opts.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.sliceMs = opts.sliceMs;
    this.noStepMs = opts.noStepSubqueryIntervalMs ?? 60_000;
  }

  async instantQuery(
    storage: Storage,
    query: string,
    timeMs: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    const expr = await parseExprCached(query);
    return this.run(storage, query, expr, timeMs, timeMs, 0, opts);
  }

  async rangeQuery(
    storage: Storage,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    const expr = await parseExprCached(query);
    if (!(stepMs > 0)) {
      throw PromqlErrors.tooManyPoints(
        "zero or negative query resolution step widths are not accepted. Try a positive integer",
      );
    }
    if (endMs < startMs) {
      throw PromqlErrors.tooManyPoints("end timestamp must not be before start time");
    }
    if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) {
      throw PromqlErrors.tooManyPoints(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
      );
    }
    const t = typeOf(expr);
    if (t !== "scalar" && t !== "vector") {
      throw PromqlErrors.execution(
        `invalid expression type "${t === "matrix" ? "range vector" : t}" for range query, must be Scalar or instant Vector`,
      );
    }
    return this.run(storage, query, expr, startMs, endMs, stepMs, opts);
  }

  private async acquire(deadline: number): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return;
    }
    if (this.waiting.length >= this.maxQueued) {
      throw PromqlErrors.queueFull(
        `too many queries waiting: ${this.maxConcurrent} running and ${this.waiting.length} queued`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const entry = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) {
            this.waiting.splice(i, 1);
          }
          reject(PromqlErrors.timeout("query timed out in query queue"));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiting.push(entry);
    });
    this.running++;
  }

  private release(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) {
      next();
    }
  }

  /** Queries currently evaluating and waiting for a slot. */
  stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  private async run(
    storage: Storage,
    query: string,
    expr: Expr,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryOptions,
  ): Promise<QueryResult> {
    const timeoutMs = Math.min(this.timeoutMs, opts.timeoutMs ?? Infinity);
    const deadline = Date.now() + timeoutMs;
    await this.acquire(deadline);
    try {
      // Yield once so a burst of queries is admitted by the concurrency gate, not run back to back.
      await new Promise<void>((r) => setImmediate(r));
      const st = new QueryState(
        storage.querier(),
        query,
        startMs,
        endMs,
        stepMs,
        this.lookbackMs,
        this.maxSamples,
        deadline,
        this.noStepMs,
        this.sliceMs,
      );
      const source = opts.maxSourceResolution ?? 0;
      if (source !== 0 && isTieredStorage(storage)) {
        st.useTiers(storage, source);
      }
      // Why cooperative evaluation rather than a worker thread: the TSDB head (and its chunk
      // buffers) lives on this thread, so a worker would need every selected series copied or
      // messaged over, costing more than most queries take and adding a second copy to memory.
      // Instead evaluation is async: every AST node and every series is a point where, once a
      // SLICE_MS time slice is used up, the query pauses (setImmediate) and checks its deadline.
      // The sample budget bounds the work between two pauses (one series' columns, one sync
      // aggregation or binary kernel over budget-bounded inputs), so a timeout now fires on
      // CPU-bound queries too and no query holds the event loop for long.
      const ev = new Evaluator(st, startMs, endMs, stepMs);
      const value = await evaluate(ev, expr);
      await st.pauseIfDue();
      const result = await toResult(value, ev.times, stepMs > 0, st);
      const notes: { warnings?: string[]; infos?: string[] } = {};
      if (st.warnings.size > 0) {
        notes.warnings = [...st.warnings];
      }
      if (st.infos.size > 0) {
        notes.infos = [...st.infos];
      }
      return { ...result, ...notes, ...(opts.stats ? { stats: st.readStats() } : {}) } as QueryResult;
    } finally {
      this.release();
    }
  }
}

/** Evaluation with allocation failures reported as the budget error they are, not a 500. */
async function evaluate(ev: Evaluator, expr: Expr): Promise<Value> {
  try {
    return await ev.eval(expr);
  } catch (e) {
    // "Invalid typed array length" / "Array buffer allocation failed": a column longer than any
    // budget allows; the budget checks before allocating, this is the net below them.
    if (e instanceof RangeError && /array|allocation/i.test(e.message)) {
      throw PromqlErrors.tooManySamples(TOO_MANY_SAMPLES_MESSAGE, { cause: e });
    }
    throw e;
  }
}

function finalLabels(s: { labels: Labels; dropName: boolean }): Labels {
  return s.dropName ? dropMetricName(s.labels) : s.labels;
}

function checkUnique(series: { labels: Labels }[]): void {
  const seen = new Set<string>();
  for (const s of series) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) {
      throw PromqlErrors.execution("vector cannot contain metrics with the same labelset");
    }
    seen.add(k);
  }
}

/** Items sorted by compareLabels(), each item's label names sorted once instead of per comparison. */
function sortedByLabels<T extends { labels: Labels }>(items: T[]): T[] {
  const keyed = items.map((item) => ({ item, names: Object.keys(item.labels).sort() }));
  keyed.sort((x, y) => {
    const a = x.item.labels;
    const b = y.item.labels;
    const l = Math.min(x.names.length, y.names.length);
    for (let i = 0; i < l; i++) {
      const xn = x.names[i]!;
      const yn = y.names[i]!;
      if (xn !== yn) {
        return xn < yn ? -1 : 1;
      }
      const xv = a[xn]!;
      const yv = b[yn]!;
      if (xv !== yv) {
        return xv < yv ? -1 : 1;
      }
    }
    return x.names.length - y.names.length;
  });
  return keyed.map((k) => k.item);
}

/** The present steps of one series as points, in an array sized once. */
function pointsOf(s: VSeries, secs: readonly number[]): Point[] {
  const has = s.has;
  const vals = s.vals;
  let count = 0;
  for (let i = 0; i < has.length; i++) {
    count += has[i]!;
  }
  const values = new Array<Point>(count);
  let k = 0;
  for (let i = 0; i < has.length; i++) {
    if (has[i]) {
      values[k++] = [secs[i]!, vals[i]!];
    }
  }
  return values;
}

/** Points of series that share a label set (they never overlap): the first present one per step. */
function mergedPoints(parts: readonly VSeries[], secs: readonly number[]): Point[] {
  const values: Point[] = [];
  for (let i = 0; i < secs.length; i++) {
    for (const p of parts) {
      if (p.has[i]) {
        values.push([secs[i]!, p.vals[i]!]);
        break;
      }
    }
  }
  return values;
}

async function toResult(
  value: Value,
  times: Float64Array,
  isRange: boolean,
  st: QueryState,
): Promise<QueryResult> {
  const n = times.length;
  switch (value.kind) {
    case "string":
      return { resultType: "string", result: [(times[0] as number) / 1000, value.value] };
    case "scalar":
      if (!isRange) {
        return { resultType: "scalar", result: [(times[0] as number) / 1000, value.vals[0] as number] };
      }
      return {
        resultType: "matrix",
        result: [
          { metric: {}, values: Array.from(times, (t, i) => [t / 1000, value.vals[i] as number] as Point) },
        ],
      };
    case "matrix": {
      const series = value.series.map((s: RawSeries) => ({ labels: finalLabels(s), s }));
      checkUnique(series);
      const result: { metric: Labels; values: Point[] }[] = [];
      for (const { labels, s } of sortedByLabels(series)) {
        await st.pauseIfDue();
        result.push({
          metric: labels,
          values: Array.from(s.ts, (t, i) => [t / 1000, s.vs[i] as number] as Point),
        });
      }
      return { resultType: "matrix", result };
    }
    case "vector": {
      const present = value.series.filter((s: VSeries) => s.has.includes(1));
      const labelled = present.map((s) => ({ labels: finalLabels(s), s }));
      if (!isRange) {
        checkUnique(labelled);
        return {
          resultType: "vector",
          result: labelled.map(({ labels, s }) => ({
            metric: labels,
            value: [(times[0] as number) / 1000, s.vals[0] as number] as Point,
          })),
        };
      }
      // Series that share a label set after dropping names merge if they never overlap.
      const byKey = new Map<string, { labels: Labels; parts: VSeries[] }>();
      for (const { labels, s } of labelled) {
        await st.pauseIfDue();
        const k = labelsKey(labels);
        const e = byKey.get(k);
        if (e) {
          for (const p of e.parts) {
            for (let i = 0; i < n; i++) {
              if (p.has[i] && s.has[i]) {
                throw PromqlErrors.execution("vector cannot contain metrics with the same labelset");
              }
            }
          }
          e.parts.push(s);
        } else {
          byKey.set(k, { labels, parts: [s] });
        }
      }
      const merged = sortedByLabels([...byKey.values()]);
      const secs = Array.from(times, (t) => t / 1000);
      const result: { metric: Labels; values: Point[] }[] = [];
      for (const { labels, parts } of merged) {
        await st.pauseIfDue();
        result.push({
          metric: labels,
          values: parts.length === 1 ? pointsOf(parts[0]!, secs) : mergedPoints(parts, secs),
        });
      }
      return { resultType: "matrix", result };
    }
  }
}
