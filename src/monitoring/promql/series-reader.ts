// Reads selected series one at a time into buffers reused from series to series, so a selector over
// many series and a long range holds one series' samples at a time instead of all of them.
import { isStaleNaN } from "../model.js";
import type { Series } from "../model.js";

/**
 * Growable buffers a querier may decode into (the TSDB's samplesInto); it replaces them when too
 * small, and sets nanFree when it knows no value is NaN (then there is no staleness marker to drop).
 */
export type SampleScratch = { ts: Float64Array; vs: Float64Array; nanFree?: boolean };

/** A series that can decode into the caller's buffers; queriers without it are read via samples(). */
type MaybeScratchSeries = Series & { samplesInto?: (scratch: SampleScratch) => number };

const EMPTY = new Float64Array(0);

/**
 * After read(), ts/vs[0, n) hold the series' samples. They are valid until the next read() and may
 * alias the querier's arrays, so callers copy what they keep.
 */
export class SeriesReader {
  ts: Float64Array = EMPTY;
  vs: Float64Array = EMPTY;
  n = 0;
  private readonly scratch: SampleScratch = { ts: EMPTY, vs: EMPTY };

  /** Loads one series; with dropStale, staleness markers are left out (range-vector semantics). */
  read(series: Series, dropStale: boolean): number {
    const s = series as MaybeScratchSeries;
    const sc = this.scratch;
    let n: number;
    let nanFree = false;
    if (s.samplesInto) {
      sc.nanFree = undefined;
      n = s.samplesInto(sc);
      nanFree = sc.nanFree === true;
      this.ts = sc.ts;
      this.vs = sc.vs;
    } else {
      const got = s.samples();
      n = got.ts.length;
      this.ts = got.ts;
      this.vs = got.vs;
    }
    this.n = n;
    if (dropStale && !nanFree) {
      this.dropStale();
    }
    return this.n;
  }

  private dropStale(): void {
    const n = this.n;
    const vs = this.vs;
    let first = -1;
    for (let i = 0; i < n; i++) {
      const v = vs[i]!;
      if (v !== v && isStaleNaN(v)) {
        first = i;
        break;
      }
    }
    if (first < 0) {
      return;
    }
    const sc = this.scratch;
    if (this.ts !== sc.ts) {
      // The querier's own arrays: never write into them.
      if (sc.ts.length < n) {
        sc.ts = new Float64Array(n);
        sc.vs = new Float64Array(n);
      }
      sc.ts.set(this.ts.subarray(0, first));
      sc.vs.set(this.vs.subarray(0, first));
    }
    const ts = this.ts;
    const outT = sc.ts;
    const outV = sc.vs;
    let k = first;
    for (let i = first + 1; i < n; i++) {
      const v = vs[i]!;
      if (v !== v && isStaleNaN(v)) {
        continue;
      }
      outT[k] = ts[i]!;
      outV[k] = v;
      k++;
    }
    this.ts = outT;
    this.vs = outV;
    this.n = k;
  }
}
