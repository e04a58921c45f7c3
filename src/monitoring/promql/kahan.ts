// Kahan–Neumaier compensated summation as Prometheus's kahansum.Inc, kept allocation-free.

/**
 * kahansum.Inc's step: the compensation c after t = sum + x, or 0 once t overflows. A function of
 * numbers only, so hot loops keep their sums on locals or typed arrays and V8 inlines the call.
 */
export function compensate(sum: number, x: number, t: number, c: number): number {
  if (t === Infinity || t === -Infinity) {
    return 0;
  }
  return Math.abs(sum) >= Math.abs(x) ? c + (sum - t + x) : c + (x - t + sum);
}

export class KahanSum {
  sum = 0;
  c = 0;

  reset(): void {
    this.sum = 0;
    this.c = 0;
  }

  add(inc: number): void {
    const t = this.sum + inc;
    this.c = compensate(this.sum, inc, t, this.c);
    this.sum = t;
  }

  /** The compensated total; an infinite sum is returned as is (c would be NaN-prone). */
  value(): number {
    if (this.sum === Infinity || this.sum === -Infinity) {
      return this.sum;
    }
    return this.sum + this.c;
  }
}

/** Prometheus's quantile over a list of floats (sorted in place; NaN sorts first). */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) {
    return NaN;
  }
  if (q < 0) {
    return -Infinity;
  }
  if (q > 1) {
    return Infinity;
  }
  values.sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  return quantileOfSorted(q, values, values.length);
}

/** The q-quantile (0 <= q <= 1) of sorted[0, n), n > 0, interpolated as Prometheus does. */
function quantileOfSorted(q: number, sorted: ArrayLike<number>, n: number): number {
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

let window = new Float64Array(64);

/**
 * quantileOf() over vs[lo, hi) (quantile_over_time's windows): sorted natively in a reused typed
 * array, not by a comparator over a fresh array per window. The native order differs only in
 * placing NaN last (moved to the front here, as quantileOf sorts them) and -0 before 0, which
 * quantileOf keeps in input order: windows holding both zeros take quantileOf itself.
 */
export function quantileOfRange(q: number, vs: Float64Array, lo: number, hi: number): number {
  const n = hi - lo;
  if (n <= 0 || Number.isNaN(q)) {
    return NaN;
  }
  if (q < 0 || q > 1) {
    return q < 0 ? -Infinity : Infinity;
  }
  if (window.length < n) {
    window = new Float64Array(Math.max(n, 2 * window.length));
  }
  let nans = 0;
  let negZero = false;
  let posZero = false;
  for (let i = 0; i < n; i++) {
    const v = vs[lo + i]!;
    window[i] = v;
    if (v !== v) {
      nans++;
    } else if (v === 0) {
      if (Object.is(v, -0)) {
        negZero = true;
      } else {
        posZero = true;
      }
    }
  }
  if (negZero && posZero) {
    return quantileOf(q, Array.from(vs.subarray(lo, hi)));
  }
  const sorted = window.subarray(0, n).sort();
  if (nans > 0) {
    sorted.copyWithin(nans, 0, n - nans);
    sorted.fill(NaN, 0, nans);
  }
  return quantileOfSorted(q, sorted, n);
}

/**
 * Prometheus's average: a compensated sum while it stays finite, switching to an incremental mean
 * (also compensated) once the sum would overflow. Reused across steps: call reset() first.
 */
export class KahanAvg {
  private count = 0;
  private sum = 0;
  private c = 0;
  private mean = 0;
  private incremental = false;

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.c = 0;
    this.mean = 0;
    this.incremental = false;
  }

  add(v: number): void {
    const count = ++this.count;
    if (count === 1) {
      this.sum = v;
      return;
    }
    if (!this.incremental) {
      const t = this.sum + v;
      if (t !== Infinity && t !== -Infinity) {
        this.c = compensate(this.sum, v, t, this.c);
        this.sum = t;
        return;
      }
      this.incremental = true;
      this.mean = this.sum / (count - 1);
      this.c /= count - 1;
    }
    // Compensated add of v/count onto (q*mean, q*c).
    const q = (count - 1) / count;
    const base = q * this.mean;
    const inc = v / count;
    const t = base + inc;
    this.c = compensate(base, inc, t, q * this.c);
    this.mean = t;
  }

  value(): number {
    if (this.count === 1) {
      return this.sum;
    }
    return this.incremental ? this.mean + this.c : this.sum / this.count + this.c / this.count;
  }
}

const slowAvg = new KahanAvg();

/**
 * KahanAvg over vs[lo, hi) (hi > lo), for avg_over_time's per-sample loop: the compensated sum
 * runs on locals, and a window whose sum overflows is handed to KahanAvg itself, whose result this
 * then is exactly.
 */
export function avgOf(vs: Float64Array, lo: number, hi: number): number {
  let sum = vs[lo]!;
  let c = 0;
  for (let i = lo + 1; i < hi; i++) {
    const v = vs[i]!;
    const t = sum + v;
    if (t === Infinity || t === -Infinity) {
      slowAvg.reset();
      for (let j = lo; j < hi; j++) {
        slowAvg.add(vs[j]!);
      }
      return slowAvg.value();
    }
    c = compensate(sum, v, t, c);
    sum = t;
  }
  const n = hi - lo;
  return n === 1 ? sum : sum / n + c / n;
}
