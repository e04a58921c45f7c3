// Robust statistics for trend analysis and canary comparison: least squares, Holt's double
// exponential smoothing, median/MAD robust z-scores, and the Mann-Whitney U test.

export type Fit = { slope: number; intercept: number; r2: number; n: number };

/** Ordinary least squares of v over t (t in seconds relative to t0 for numeric stability). */
export function linearFit(ts: ArrayLike<number>, vs: ArrayLike<number>, t0 = 0): Fit {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < ts.length; i++) {
    const y = vs[i] as number;
    if (!Number.isFinite(y)) {
      continue;
    }
    const x = ((ts[i] as number) - t0) / 1000;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
  }
  if (n < 2) {
    return { slope: NaN, intercept: NaN, r2: NaN, n };
  }
  const cov = sxy - (sx * sy) / n;
  const varX = sxx - (sx * sx) / n;
  const varY = syy - (sy * sy) / n;
  const slope = varX === 0 ? 0 : cov / varX;
  const intercept = sy / n - (slope * sx) / n;
  const r2 = varX === 0 || varY === 0 ? 1 : (cov * cov) / (varX * varY);
  return { slope, intercept, r2, n };
}

/** Holt's linear (double exponential) smoothing; returns the level and trend after the last point. */
export function holt(vs: ArrayLike<number>, alpha: number, beta: number): { level: number; trend: number } {
  let level = NaN;
  let trend = 0;
  let prev = NaN;
  for (let i = 0; i < vs.length; i++) {
    const y = vs[i] as number;
    if (!Number.isFinite(y)) {
      continue;
    }
    if (Number.isNaN(level)) {
      level = y;
      prev = y;
      continue;
    }
    if (Number.isNaN(prev)) {
      prev = y;
    }
    const lastLevel = level;
    level = alpha * y + (1 - alpha) * (level + trend);
    trend = beta * (level - lastLevel) + (1 - beta) * trend;
  }
  return { level, trend };
}

export function median(values: number[]): number {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) {
    return NaN;
  }
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

/** Median absolute deviation (unscaled). */
export function mad(values: number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/**
 * Robust z-score of `x` against a window: (x - median) / (1.4826 × MAD). The constant makes MAD a
 * consistent estimator of the standard deviation for normal data. A flat window (MAD 0) gives 0
 * for x equal to the median and ±Infinity otherwise.
 */
export function robustZ(x: number, window: number[]): number {
  const m = median(window);
  const s = 1.4826 * mad(window);
  if (s === 0) {
    return x === m ? 0 : x > m ? Infinity : -Infinity;
  }
  return (x - m) / s;
}

export type MannWhitney = { u: number; z: number; pValue: number; n1: number; n2: number };

/**
 * Two-sided Mann-Whitney U test with the normal approximation and tie correction: does `a` tend to
 * be larger or smaller than `b`? `u` is U of sample a; z > 0 means a tends to be larger.
 */
export function mannWhitneyU(a: number[], b: number[]): MannWhitney {
  const xs = a.filter(Number.isFinite);
  const ys = b.filter(Number.isFinite);
  const n1 = xs.length;
  const n2 = ys.length;
  if (n1 === 0 || n2 === 0) {
    return { u: NaN, z: NaN, pValue: NaN, n1, n2 };
  }
  const all = [...xs.map((v) => ({ v, g: 0 })), ...ys.map((v) => ({ v, g: 1 }))].sort((p, q) => p.v - q.v);
  const n = all.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) {
      j++;
    }
    const rank = (i + j + 2) / 2; // average of 1-based ranks i+1..j+1
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) {
      if ((all[k] as { g: number }).g === 0) {
        rankSumA += rank;
      }
    }
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) {
    return { u, z: 0, pValue: 1, n1, n2 };
  }
  // Continuity correction towards the mean.
  const diff = u - mean;
  const z = (diff - 0.5 * Math.sign(diff)) / Math.sqrt(variance);
  return { u, z, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))), n1, n2 };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
