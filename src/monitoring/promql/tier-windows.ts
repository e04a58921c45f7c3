// Range functions answered from a downsampled tier: each tier point is one window's aggregates
// (min, max, sum, count, last at the window's last sample time), turned here into the series and
// window function that the evaluator's window cursors run, as they run raw samples.
import { KahanSum } from "./kahan.js";
import { RANGE_FUNCTIONS, USES_RESETS, type RangeFn } from "./range-functions.js";
import type { AggregateColumn, AggregatePoints, TierUse } from "./resolution.js";

export type TierWindowInput = {
  ts: Float64Array;
  vs: Float64Array;
  n: number;
  fn: RangeFn;
  usesResets: boolean;
};

const sum = new KahanSum();

/** Σ vs[lo, hi): sum_over_time of sums, count_over_time of counts. */
const sumOf: RangeFn = (_ts, vs, lo, hi) => {
  sum.reset();
  for (let i = lo; i < hi; i++) {
    sum.add(vs[i]!);
  }
  return sum.value();
};

/** avg_over_time from the windows' sums and counts: the exact mean of the samples they hold. */
function avgOf(a: AggregatePoints): RangeFn {
  return (_ts, _vs, lo, hi) => {
    sum.reset();
    let count = 0;
    for (let i = lo; i < hi; i++) {
      sum.add(a.sum[i]!);
      count += a.count[i]!;
    }
    return sum.value() / count;
  };
}

/** The aggregate columns each use reads: the querier decodes only these. */
export const COLUMNS_FOR: Readonly<Record<TierUse, readonly AggregateColumn[]>> = {
  sum: ["sum"],
  count: ["count"],
  avg: ["sum", "count"],
  min: ["min"],
  max: ["max"],
  last: ["last"],
  present: ["last"],
  gauge: ["last"],
  counter: ["max", "last"],
};

/** The series and window function that answer `name` (whose TierUse is `use`) from `a`. */
export function tierWindowInput(use: TierUse, name: string, a: AggregatePoints): TierWindowInput {
  const n = a.ts.length;
  const plain = (vs: Float64Array, fn: RangeFn): TierWindowInput => ({
    ts: a.ts,
    vs,
    n,
    fn,
    usesResets: false,
  });
  switch (use) {
    case "sum":
      return plain(a.sum, sumOf);
    case "count":
      return plain(a.count, sumOf);
    case "avg":
      return plain(a.sum, avgOf(a));
    case "min":
      return plain(a.min, RANGE_FUNCTIONS.min_over_time!);
    case "max":
      return plain(a.max, RANGE_FUNCTIONS.max_over_time!);
    case "last":
      return plain(a.last, RANGE_FUNCTIONS.last_over_time!);
    case "present":
      return plain(a.last, RANGE_FUNCTIONS.present_over_time!);
    case "gauge":
      return plain(a.last, RANGE_FUNCTIONS[name]!);
    case "counter": {
      const c = counterPoints(a);
      return { ...c, fn: RANGE_FUNCTIONS[name]!, usesResets: USES_RESETS.has(name) };
    }
  }
}

/**
 * A counter's tier points as samples for rate/increase/resets: each window's last sample, plus —
 * where the window hides a reset that its last value does not show — the window's peak just
 * before it. A counter only falls at a reset, so within a window without one the last sample is
 * the largest; a window whose max is above its last saw a reset, and that max is the value the
 * counter reached before it. The point (peak, then last) lets the usual reset handling count the
 * increase up to the peak and the increase after the reset. This is what Thanos's "counter"
 * aggregate keeps, derived from max/last. What stays lost: a counter that climbs back to its
 * pre-reset peak within the same window (its rise before the reset is not counted), and all but
 * one reset in a window. It never counts more than the raw samples do.
 */
export function counterPoints(a: AggregatePoints): { ts: Float64Array; vs: Float64Array; n: number } {
  const n = a.ts.length;
  let extra = 0;
  for (let i = 1; i < n; i++) {
    if (hidesReset(a, i)) {
      extra++;
    }
  }
  if (extra === 0) {
    return { ts: a.ts, vs: a.last, n };
  }
  const ts = new Float64Array(n + extra);
  const vs = new Float64Array(n + extra);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && hidesReset(a, i)) {
      ts[k] = a.ts[i]! - 1; // between the two windows' last samples
      vs[k] = a.max[i]!;
      k++;
    }
    ts[k] = a.ts[i]!;
    vs[k] = a.last[i]!;
    k++;
  }
  return { ts, vs, n: k };
}

function hidesReset(a: AggregatePoints, i: number): boolean {
  return a.max[i]! > a.last[i]! && a.ts[i]! - 1 > a.ts[i - 1]!;
}
