// Which storage resolution answers a selector: raw samples, or a downsampled tier (the TSDB keeps
// 1 m and 1 h tiers of min/max/sum/count/last per window). The rule follows Thanos's query API
// (max_source_resolution; auto = step / 5 for plain selectors) and bounds what Thanos leaves
// loose: a range function reads a tier only when its window spans at least MIN_POINTS_PER_WINDOW
// tier points, and only when aggregates can answer it. docs/monitoring.md "Resolution selection".
import type { Matcher, Querier } from "../model.js";

/** "auto", or the coarsest resolution (ms) the query may read; 0 = raw samples only. */
export type SourceResolution = "auto" | number;

/** Thanos's auto-downsampling: max_source_resolution = step / 5 (five tier points per step). */
export const AUTO_STEP_FACTOR = 5;

/**
 * A range selector reads a tier only when its window holds at least this many tier points: a
 * window's edges cut through tier windows, so a sum or count over the window can be off by up to
 * one tier window at each edge (at most 2/10 of the total, and nothing when the query's times and
 * range are multiples of the resolution). Thanos only guards two-sample functions (range / 2).
 */
export const MIN_POINTS_PER_WINDOW = 10;

/** One tier window's aggregates, oldest first; ts is the window's last sample time. */
export type AggregatePoints = {
  readonly ts: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly last: Float64Array;
};

export type AggregateSelection = { readonly labels: Record<string, string>; aggregates(): AggregatePoints };

/** A querier over one tier: select() gives each window's last sample; selectAggregates() the rest. */
export interface TierQuerier extends Querier {
  /** `want`: the columns to decode (each is a stream of its own); the others may come back empty. */
  selectAggregates(
    matchers: readonly Matcher[],
    mint: number,
    maxt: number,
    want?: readonly AggregateColumn[],
  ): AggregateSelection[];
}

export type AggregateColumn = "min" | "max" | "sum" | "count" | "last";

/** A storage that keeps downsampled tiers (the TSDB); other storages are read raw. */
export interface TieredStorage {
  /** The tier resolutions (ms) this storage can answer, ascending. */
  tierResolutions(): readonly number[];
  querier(hints?: { resolutionMs?: number }): Querier;
}

export function isTieredStorage(s: unknown): s is TieredStorage {
  return typeof (s as Partial<TieredStorage>).tierResolutions === "function";
}

/** How a range function is answered from a tier's aggregates (undefined: raw samples only). */
export type TierUse = "sum" | "count" | "avg" | "min" | "max" | "last" | "present" | "counter" | "gauge";

/**
 * The functions aggregates can answer. Not here, so always raw: quantile_over_time,
 * stddev/stdvar/mad_over_time (need every sample), changes, first_over_time and the ts_of_*
 * functions (which sample), irate/idelta (the last two raw samples), double_exponential_smoothing.
 */
export const TIER_FUNCTIONS: Readonly<Record<string, TierUse>> = {
  sum_over_time: "sum",
  count_over_time: "count",
  avg_over_time: "avg",
  min_over_time: "min",
  max_over_time: "max",
  last_over_time: "last",
  present_over_time: "present",
  rate: "counter",
  increase: "counter",
  resets: "counter",
  delta: "gauge",
  deriv: "gauge",
  predict_linear: "gauge",
};

/**
 * The coarsest resolution a selector may read. `stepMs` is the evaluator's step (0 for an instant
 * query); `rangeMs` the selector's window (undefined for a plain selector); `fn` the range
 * function around it. An explicit max_source_resolution caps plain selectors as given (as in
 * Thanos), and range functions at the same bound as auto.
 */
export function maxResolutionMs(
  param: SourceResolution,
  stepMs: number,
  rangeMs: number | undefined,
  fn: string | undefined,
): number {
  if (param === 0) {
    return 0;
  }
  if (rangeMs === undefined) {
    // A plain selector: Thanos's step / 5 (an instant query, with no step, reads raw samples).
    const auto = stepMs > 0 ? stepMs / AUTO_STEP_FACTOR : 0;
    return param === "auto" ? auto : param;
  }
  if (fn === undefined || TIER_FUNCTIONS[fn] === undefined) {
    return 0;
  }
  // A range function's error depends on how many tier points its window holds, not on the step
  // (its windows overlap or leave gaps whatever the step): bounded by the window alone.
  const byWindow = rangeMs / MIN_POINTS_PER_WINDOW;
  return param === "auto" ? byWindow : Math.min(param, byWindow);
}

/** The coarsest of `tiers` not above `maxMs`, or 0 (raw). */
export function pickTier(tiers: readonly number[], maxMs: number): number {
  let best = 0;
  for (const t of tiers) {
    if (t <= maxMs && t > best) {
      best = t;
    }
  }
  return best;
}
