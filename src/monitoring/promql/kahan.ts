// Kahan–Neumaier compensated summation as Prometheus's kahansum.Inc, kept allocation-free.

export class KahanSum {
  sum = 0;
  c = 0;

  reset(): void {
    this.sum = 0;
    this.c = 0;
  }

  add(inc: number): void {
    const t = this.sum + inc;
    if (t === Infinity || t === -Infinity) {
      this.c = 0;
    } else if (Math.abs(this.sum) >= Math.abs(inc)) {
      this.c += this.sum - t + inc;
    } else {
      this.c += inc - t + this.sum;
    }
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
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (values[lower] as number) * (1 - weight) + (values[upper] as number) * weight;
}
