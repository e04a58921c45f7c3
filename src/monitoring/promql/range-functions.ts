// Functions over range-vector windows (rate, *_over_time, deriv, ...). Each one reads the samples
// ts[lo..hi) of one series for one output step and returns the value, or undefined for no output.
import { KahanSum, avgOf, compensate, quantileOf, quantileOfRange } from "./kahan.js";

export type WindowCtx = {
  /** Evaluation time minus offset: the window is (ref - rangeMs, ref]. */
  ref: number;
  rangeMs: number;
  /** Step timestamp (enh.Ts in Prometheus), used by predict_linear. */
  stepTime: number;
  /** Scalar arguments for this step, in argument order. */
  params: number[];
  /**
   * For functions in USES_RESETS: the indices r of the series where vs[r] < vs[r - 1] (counter
   * resets), ascending, found once per series by findResets() instead of rescanning every window.
   */
  resets: Int32Array;
  nResets: number;
  /** The first entry of resets that may still lie in a window: windows only move forward. */
  resetFrom: number;
};

/** Records the counter resets of vs[0, len) into c.resets (see WindowCtx) and rewinds the cursor. */
export function findResets(vs: Float64Array, len: number, c: WindowCtx): void {
  if (c.resets.length < len) {
    c.resets = new Int32Array(len);
  }
  const resets = c.resets;
  let n = 0;
  for (let i = 1; i < len; i++) {
    if (vs[i]! < vs[i - 1]!) {
      resets[n++] = i;
    }
  }
  c.nResets = n;
  c.resetFrom = 0;
}

export type RangeFn = (
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  c: WindowCtx,
) => number | undefined;

const k1 = new KahanSum();

function extrapolatedRate(isCounter: boolean, isRate: boolean): RangeFn {
  return (ts, vs, lo, hi, c) => {
    const count = hi - lo;
    if (count < 2) {
      return undefined;
    }
    const rangeStart = c.ref - c.rangeMs;
    const rangeEnd = c.ref;
    const first = vs[lo] as number;
    let result = (vs[hi - 1] as number) - first;
    if (isCounter) {
      // The resets inside the window (lo < r < hi), added in order as Prometheus's scan adds them.
      const resets = c.resets;
      const nResets = c.nResets;
      let k = c.resetFrom;
      while (k < nResets && resets[k]! <= lo) {
        k++;
      }
      c.resetFrom = k;
      for (; k < nResets && resets[k]! < hi; k++) {
        result += vs[resets[k]! - 1]!;
      }
    }
    const firstT = ts[lo] as number;
    const lastT = ts[hi - 1] as number;
    let durationToStart = (firstT - rangeStart) / 1000;
    let durationToEnd = (rangeEnd - lastT) / 1000;
    const sampledInterval = (lastT - firstT) / 1000;
    const avg = sampledInterval / (count - 1);
    const threshold = avg * 1.1;
    if (durationToStart >= threshold) {
      durationToStart = avg / 2;
    }
    if (isCounter) {
      let durationToZero = durationToStart;
      if (result > 0 && first >= 0) {
        durationToZero = sampledInterval * (first / result);
      }
      if (durationToZero < durationToStart) {
        durationToStart = durationToZero;
      }
    }
    if (durationToEnd >= threshold) {
      durationToEnd = avg / 2;
    }
    let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
    if (isRate) {
      factor /= c.rangeMs / 1000;
    }
    return result * factor;
  };
}

function instantValue(isRate: boolean): RangeFn {
  return (ts, vs, lo, hi) => {
    if (hi - lo < 2) {
      return undefined;
    }
    const t0 = ts[hi - 2] as number;
    const t1 = ts[hi - 1] as number;
    const v0 = vs[hi - 2] as number;
    const v1 = vs[hi - 1] as number;
    const interval = t1 - t0;
    if (interval === 0) {
      return undefined;
    }
    let r = v1;
    if (!isRate || !(v1 < v0)) {
      r = v1 - v0;
    }
    if (isRate) {
      r /= interval / 1000;
    }
    return r;
  };
}

/** linearRegression()'s result (one shared object: the evaluation is synchronous). */
const regression = { slope: 0, intercept: 0 };

/**
 * Prometheus's linearRegression over ts/vs[lo, hi) into `regression`. The four Kahan-Neumaier sums
 * (kahansum.Inc) are kept on locals: this loop runs for every sample of every window, and locals
 * stay in registers where KahanSum's fields would be loaded and stored per sample.
 */
function linearRegression(
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  interceptTime: number,
): void {
  const initY = vs[lo]!;
  let constY = true;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) {
      constY = false;
    }
    const x = (ts[i]! - interceptTime) / 1000;
    let t = sumX + x;
    cX = compensate(sumX, x, t, cX);
    sumX = t;
    t = sumY + y;
    cY = compensate(sumY, y, t, cY);
    sumY = t;
    const xy = x * y;
    t = sumXY + xy;
    cXY = compensate(sumXY, xy, t, cXY);
    sumXY = t;
    const x2 = x * x;
    t = sumX2 + x2;
    cX2 = compensate(sumX2, x2, t, cX2);
    sumX2 = t;
  }
  if (constY) {
    const inf = initY === Infinity || initY === -Infinity;
    regression.slope = inf ? NaN : 0;
    regression.intercept = inf ? NaN : initY;
    return;
  }
  const n = hi - lo;
  const sx = sumX + cX;
  const sy = sumY + cY;
  const covXY = sumXY + cXY - (sx * sy) / n;
  const varX = sumX2 + cX2 - (sx * sx) / n;
  const slope = covXY / varX;
  regression.slope = slope;
  regression.intercept = sy / n - (slope * sx) / n;
}

function avgOverTime(_ts: Float64Array, vs: Float64Array, lo: number, hi: number): number {
  return avgOf(vs, lo, hi);
}

function variance(vs: Float64Array, lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const f = vs[i] as number;
    count++;
    const delta = f - (mean + cMean);
    const dMean = delta / count;
    let t = mean + dMean;
    cMean = compensate(mean, dMean, t, cMean);
    mean = t;
    const dAux = delta * (f - (mean + cMean));
    t = aux + dAux;
    cAux = compensate(aux, dAux, t, cAux);
    aux = t;
  }
  return (aux + cAux) / count;
}

function windowValues(vs: Float64Array, lo: number, hi: number): number[] {
  const out = new Array<number>(hi - lo);
  for (let i = lo; i < hi; i++) {
    out[i - lo] = vs[i] as number;
  }
  return out;
}

function compareOverTime(better: (cur: number, best: number) => boolean, returnTs: boolean): RangeFn {
  return (ts, vs, lo, hi) => {
    let best = vs[lo] as number;
    let bestT = ts[lo] as number;
    for (let i = lo; i < hi; i++) {
      const v = vs[i] as number;
      if (better(v, best)) {
        best = v;
        bestT = ts[i] as number;
      }
    }
    return returnTs ? bestT / 1000 : best;
  };
}

function doubleExponentialSmoothing(
  _ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  c: WindowCtx,
): number | undefined {
  const sf = c.params[0] as number;
  const tf = c.params[1] as number;
  if (!(sf > 0 && sf < 1)) {
    throw new RangeFunctionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFloat6(sf)}`);
  }
  if (!(tf > 0 && tf < 1)) {
    throw new RangeFunctionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFloat6(tf)}`);
  }
  const l = hi - lo;
  if (l < 2) {
    return undefined;
  }
  let s0 = 0;
  let s1 = vs[lo] as number;
  let b = (vs[lo + 1] as number) - (vs[lo] as number);
  for (let i = 1; i < l; i++) {
    const x = sf * (vs[lo + i] as number);
    b = i - 1 === 0 ? b : tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

/** Go's %f formatting (6 decimals) for error messages. */
function goFloat6(v: number): string {
  if (Number.isNaN(v)) {
    return "NaN";
  }
  if (!Number.isFinite(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  return v.toFixed(6);
}

/** An evaluation error raised from inside a function (becomes an execution error). */
export class RangeFunctionError extends Error {}

export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFn>> = {
  rate: extrapolatedRate(true, true),
  increase: extrapolatedRate(true, false),
  delta: extrapolatedRate(false, false),
  irate: instantValue(true),
  idelta: instantValue(false),
  deriv: (ts, vs, lo, hi) => {
    if (hi - lo < 2) {
      return undefined;
    }
    linearRegression(ts, vs, lo, hi, ts[lo]!);
    return regression.slope;
  },
  predict_linear: (ts, vs, lo, hi, c) => {
    if (hi - lo < 2) {
      return undefined;
    }
    linearRegression(ts, vs, lo, hi, c.stepTime);
    return regression.slope * (c.params[0] as number) + regression.intercept;
  },
  avg_over_time: avgOverTime,
  count_over_time: (_ts, _vs, lo, hi) => hi - lo,
  sum_over_time: (_ts, vs, lo, hi) => {
    k1.reset();
    for (let i = lo; i < hi; i++) {
      k1.add(vs[i] as number);
    }
    return k1.value();
  },
  min_over_time: compareOverTime((cur, best) => cur < best || Number.isNaN(best), false),
  max_over_time: compareOverTime((cur, best) => cur > best || Number.isNaN(best), false),
  ts_of_min_over_time: compareOverTime((cur, best) => cur <= best || Number.isNaN(best), true),
  ts_of_max_over_time: compareOverTime((cur, best) => cur >= best || Number.isNaN(best), true),
  last_over_time: (_ts, vs, _lo, hi) => vs[hi - 1] as number,
  first_over_time: (_ts, vs, lo) => vs[lo] as number,
  ts_of_last_over_time: (ts, _vs, _lo, hi) => (ts[hi - 1] as number) / 1000,
  ts_of_first_over_time: (ts, _vs, lo) => (ts[lo] as number) / 1000,
  present_over_time: () => 1,
  stddev_over_time: (_ts, vs, lo, hi) => Math.sqrt(variance(vs, lo, hi)),
  stdvar_over_time: (_ts, vs, lo, hi) => variance(vs, lo, hi),
  quantile_over_time: (_ts, vs, lo, hi, c) => quantileOfRange(c.params[0] as number, vs, lo, hi),
  mad_over_time: (_ts, vs, lo, hi) => {
    const values = windowValues(vs, lo, hi);
    if (values.some((v) => Number.isNaN(v))) {
      return NaN;
    }
    const median = quantileOf(0.5, values.slice());
    return quantileOf(
      0.5,
      values.map((v) => Math.abs(v - median)),
    );
  },
  changes: (_ts, vs, lo, hi) => {
    let changes = 0;
    let prev = vs[lo] as number;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i] as number;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) {
        changes++;
      }
      prev = cur;
    }
    return changes;
  },
  resets: (_ts, vs, lo, hi) => {
    let resets = 0;
    let prev = vs[lo] as number;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i] as number;
      if (cur < prev) {
        resets++;
      }
      prev = cur;
    }
    return resets;
  },
  double_exponential_smoothing: doubleExponentialSmoothing,
};

/** Range functions that read WindowCtx.resets. */
export const USES_RESETS = new Set(["rate", "increase"]);

/** Range functions that keep the metric name (Prometheus 3 drops it for all others). */
export const KEEPS_NAME = new Set(["last_over_time", "first_over_time"]);
