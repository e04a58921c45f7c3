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
        if (Math.abs(this.sum) >= Math.abs(v)) {
          this.c += this.sum - t + v;
        } else {
          this.c += v - t + this.sum;
        }
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
    let comp = q * this.c;
    const inc = v / count;
    const t = base + inc;
    if (t === Infinity || t === -Infinity) {
      comp = 0;
    } else if (Math.abs(base) >= Math.abs(inc)) {
      comp += base - t + inc;
    } else {
      comp += inc - t + base;
    }
    this.mean = t;
    this.c = comp;
  }

  value(): number {
    if (this.count === 1) {
      return this.sum;
    }
    return this.incremental ? this.mean + this.c : this.sum / this.count + this.c / this.count;
  }
}
