// Downsampling: per series and per window of `resolution` ms (aligned to the epoch), the min, max,
// sum, count and last of the samples in the window. A point's timestamp is that of the window's
// last sample, so `last` is a real sample at its real time. Staleness markers are skipped (a window
// holding only markers has no point); other NaNs propagate into min/max/sum as in arithmetic.
import { isStaleNaN } from "../model.js";
import type { BlockChunk } from "./block.js";
import { decodeChunk, encodeChunk, encodeChunkView, SAMPLES_PER_CHUNK } from "./chunk.js";

export type Aggregates = {
  readonly ts: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly last: Float64Array;
};

export function emptyAggregates(n: number): Aggregates {
  return {
    ts: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    sum: new Float64Array(n),
    count: new Float64Array(n),
    last: new Float64Array(n),
  };
}

/**
 * Aggregates raw samples (ascending) into windows of `resolution` ms. With `scratch` (at least n
 * long) the result is a view into it, valid until the scratch is reused.
 */
export function aggregate(
  ts: Float64Array,
  vs: Float64Array,
  n: number,
  resolution: number,
  scratch?: Aggregates,
): Aggregates {
  const out = scratch && scratch.ts.length >= n ? scratch : emptyAggregates(n);
  let k = -1;
  let win = NaN;
  for (let i = 0; i < n; i++) {
    const v = vs[i]!;
    if (isStaleNaN(v)) {
      continue;
    }
    const t = ts[i]!;
    const w = Math.floor(t / resolution);
    if (w !== win) {
      win = w;
      k++;
      out.min[k] = v;
      out.max[k] = v;
      out.sum[k] = 0;
      out.count[k] = 0;
    }
    out.ts[k] = t;
    if (v < out.min[k]! || v !== v) {
      out.min[k] = v;
    }
    if (v > out.max[k]! || v !== v) {
      out.max[k] = v;
    }
    out.sum[k]! += v;
    out.count[k]! += 1;
    out.last[k] = v;
  }
  return sliceAggregates(out, 0, k + 1);
}

export function sliceAggregates(a: Aggregates, from: number, to: number): Aggregates {
  return {
    ts: a.ts.subarray(from, to),
    min: a.min.subarray(from, to),
    max: a.max.subarray(from, to),
    sum: a.sum.subarray(from, to),
    count: a.count.subarray(from, to),
    last: a.last.subarray(from, to),
  };
}

const COLS = ["min", "max", "sum", "count", "last"] as const;

/** One aggregate column of a tier (each is its own XOR stream, with its own copy of the times). */
export type AggregateColumn = (typeof COLS)[number];

const EMPTY = new Float64Array(0);

/**
 * Five XOR streams per chunk (min, max, sum, count, last) sharing the timestamps. With `pool` the
 * streams are views into pool.buf (grown as needed), valid until the pool's next use: a block cut
 * encodes 200k series and must not allocate a buffer per stream.
 */
export function encodeAggregates(a: Aggregates, pool?: { buf: Uint8Array }): BlockChunk[] {
  const out: BlockChunk[] = [];
  let used = 0;
  for (let from = 0; from < a.ts.length; from += SAMPLES_PER_CHUNK) {
    const to = Math.min(a.ts.length, from + SAMPLES_PER_CHUNK);
    const cols = COLS.map((c) => {
      if (!pool) {
        return encodeChunk(a.ts, a[c], from, to);
      }
      const v = encodeChunkView(a.ts, a[c], from, to);
      if (pool.buf.length < used + v.length) {
        const grown = new Uint8Array(Math.max(4096, 2 * (used + v.length)));
        grown.set(pool.buf.subarray(0, used));
        pool.buf = grown; // earlier views keep the old buffer
      }
      pool.buf.set(v, used);
      used += v.length;
      return pool.buf.subarray(used - v.length, used);
    });
    out.push({ minT: a.ts[from]!, maxT: a.ts[to - 1]!, count: to - from, cols });
  }
  return out;
}

/**
 * Decodes aggregate chunks, keeping points with mint <= t <= maxt. With `want`, only those columns
 * are decoded (each stream repeats the times, so a plain selector reading `last` does a fifth of
 * the work); the others come back empty.
 */
export function decodeAggregates(
  chunks: readonly BlockChunk[],
  mint: number,
  maxt: number,
  want: readonly AggregateColumn[] = COLS,
): Aggregates {
  let total = 0;
  for (const c of chunks) {
    total += c.count;
  }
  const out: Record<AggregateColumn | "ts", Float64Array> = {
    ts: new Float64Array(total),
    min: EMPTY,
    max: EMPTY,
    sum: EMPTY,
    count: EMPTY,
    last: EMPTY,
  };
  for (const col of want) {
    out[col] = new Float64Array(total);
  }
  let n = 0;
  for (const c of chunks) {
    let m = n;
    COLS.forEach((col, i) => {
      if (out[col] !== EMPTY) {
        m = decodeChunk(c.cols[i]!, c.count, out.ts, out[col], n, mint, maxt);
      }
    });
    n = m;
  }
  return sliceAggregates(out, 0, n);
}
