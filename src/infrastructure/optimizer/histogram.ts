// Decaying histograms with exponentially growing buckets: the VPA recommender's distribution of
// usage (kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/util). Bucket i starts at
// first·(ratioⁱ − 1)/(ratio − 1), so relative resolution is the same for 10 m and 10 cores; a
// percentile answers the END of the bucket it falls in (never below what was observed). Weights
// decay by half every half-life, so last week's load counts half of today's after 24 h.

/** Weights below this count as empty (the VPA's 0.001 × its minimum sample weight 0.1). */
export const HISTOGRAM_EPSILON = 0.0001;
/** The VPA's bucket growth: each bucket 5 % wider than the one before. */
export const BUCKET_GROWTH = 1.05;
/** The VPA's half-life of both CPU and memory histograms. */
export const DECAY_HALF_LIFE_MS = 24 * 3600_000;
/** Reference time is moved once weights would grow beyond 2^100 (floating point stays exact). */
const MAX_DECAY_EXPONENT = 100;

export type BucketScheme = {
  readonly firstBucketSize: number;
  readonly ratio: number;
  readonly numBuckets: number;
};

/** The bucket scheme covering [0, maxValue] with buckets starting at `firstBucketSize` wide. */
export function exponentialBuckets(
  maxValue: number,
  firstBucketSize: number,
  ratio = BUCKET_GROWTH,
): BucketScheme {
  if (!(maxValue > 0) || !(firstBucketSize > 0) || !(ratio > 1)) {
    throw new Error(
      `bad histogram scheme: maxValue ${maxValue}, firstBucketSize ${firstBucketSize}, ratio ${ratio}`,
    );
  }
  const numBuckets =
    Math.ceil(Math.log((maxValue * (ratio - 1)) / firstBucketSize + 1) / Math.log(ratio)) + 1;
  return { firstBucketSize, ratio, numBuckets };
}

/** CPU in cores: 10 m first bucket up to 1000 cores (the VPA's CPUHistogramOptions). */
export const CPU_BUCKETS = exponentialBuckets(1000, 0.01);
/** Memory in bytes: 10 MB first bucket up to 1 TB (the VPA's MemoryHistogramOptions). */
export const MEMORY_BUCKETS = exponentialBuckets(1e12, 1e7);

export function bucketOf(s: BucketScheme, value: number): number {
  if (!(value >= s.firstBucketSize)) {
    return 0; // below the first boundary, negative or NaN
  }
  const b = Math.floor(Math.log((value * (s.ratio - 1)) / s.firstBucketSize + 1) / Math.log(s.ratio));
  return Math.min(b, s.numBuckets - 1);
}

export function bucketStart(s: BucketScheme, bucket: number): number {
  return bucket === 0 ? 0 : (s.firstBucketSize * (s.ratio ** bucket - 1)) / (s.ratio - 1);
}

/** A weighted histogram over a bucket scheme; no interpolation inside a bucket. */
export class Histogram {
  private readonly weights: Float64Array;
  private total = 0;
  private minBucket: number;
  private maxBucket = 0;

  constructor(readonly scheme: BucketScheme) {
    this.weights = new Float64Array(scheme.numBuckets);
    this.minBucket = scheme.numBuckets - 1;
  }

  get totalWeight(): number {
    return this.total;
  }

  add(value: number, weight: number): void {
    if (!(weight >= 0) || !Number.isFinite(weight) || !Number.isFinite(value)) {
      return; // a NaN or infinite sample (a counter reset mid-rate) would poison every percentile
    }
    const b = bucketOf(this.scheme, value);
    this.weights[b] = (this.weights[b] ?? 0) + weight;
    this.total += weight;
    if ((this.weights[b] ?? 0) >= HISTOGRAM_EPSILON) {
      this.minBucket = Math.min(this.minBucket, b);
      this.maxBucket = Math.max(this.maxBucket, b);
    }
  }

  isEmpty(): boolean {
    return (this.weights[this.minBucket] ?? 0) < HISTOGRAM_EPSILON;
  }

  /** The end of the bucket where the cumulative weight reaches p·total (p in [0, 1]); 0 when empty. */
  percentile(p: number): number {
    if (this.isEmpty()) {
      return 0;
    }
    const threshold = p * this.total;
    let partial = 0;
    let b = this.minBucket;
    for (; b < this.maxBucket; b++) {
      partial += this.weights[b] ?? 0;
      if (partial >= threshold) {
        break;
      }
    }
    // The last bucket has no end: its start is the best bound there is.
    return b < this.scheme.numBuckets - 1 ? bucketStart(this.scheme, b + 1) : bucketStart(this.scheme, b);
  }

  /** Multiplies every weight by `factor` (percentiles do not move); drops buckets that fall below epsilon. */
  scale(factor: number): void {
    for (let b = this.minBucket; b <= this.maxBucket; b++) {
      this.weights[b] = (this.weights[b] ?? 0) * factor;
    }
    this.total *= factor;
    const last = this.scheme.numBuckets - 1;
    while ((this.weights[this.minBucket] ?? 0) < HISTOGRAM_EPSILON && this.minBucket < last) {
      this.minBucket++;
    }
    while ((this.weights[this.maxBucket] ?? 0) < HISTOGRAM_EPSILON && this.maxBucket > 0) {
      this.maxBucket--;
    }
  }
}

/**
 * A histogram whose samples weigh 2^((t − reference)/halfLife): newer samples weigh more, so after
 * one half-life an old sample counts half as much as a new one of the same weight.
 */
export class DecayingHistogram {
  readonly histogram: Histogram;
  private reference: number | undefined;

  constructor(
    scheme: BucketScheme,
    readonly halfLifeMs = DECAY_HALF_LIFE_MS,
  ) {
    this.histogram = new Histogram(scheme);
  }

  add(value: number, weight: number, timeMs: number): void {
    this.histogram.add(value, weight * this.decayFactor(timeMs));
  }

  percentile(p: number): number {
    return this.histogram.percentile(p);
  }

  isEmpty(): boolean {
    return this.histogram.isEmpty();
  }

  private decayFactor(timeMs: number): number {
    if (this.reference === undefined) {
      this.reference = Math.round(timeMs / this.halfLifeMs) * this.halfLifeMs;
    } else if (timeMs > this.reference + this.halfLifeMs * MAX_DECAY_EXPONENT) {
      // Move the reference forward by whole half-lives and scale what is there to match.
      const next = Math.round(timeMs / this.halfLifeMs) * this.halfLifeMs;
      this.histogram.scale(2 ** Math.round((this.reference - next) / this.halfLifeMs));
      this.reference = next;
    }
    return 2 ** ((timeMs - this.reference) / this.halfLifeMs);
  }
}
