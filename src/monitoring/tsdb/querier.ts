// Queriers: one consistent view over the head and the persisted blocks, merging a series' data from
// every source by timestamp (duplicates from overlapping sources are dropped). With a resolution
// they read the downsampled tier where it exists and aggregate raw data on the fly after it.
import {
  labelsKey,
  type Labels,
  type Matcher,
  type Querier,
  type Series,
  type SeriesSamples,
} from "../model.js";
import type { Block, BlockChunk } from "./block.js";
import { decodeChunk } from "./chunk.js";
import { StorageError } from "./errors.js";
import {
  aggregate,
  decodeAggregates,
  emptyAggregates,
  sliceAggregates,
  type Aggregates,
} from "./downsample.js";
import type { ChunkPart, Head, HeadSnapshot } from "./head.js";
import { compileMatcher, labelsMatch, type CompiledMatcher } from "./matchers.js";

export type QuerierHints = {
  /**
   * 0 (default): raw samples. 60_000 or 3_600_000 (a configured tier): select() returns one point
   * per window — the window's last sample, at its timestamp — and selectAggregates() gives the
   * window's min/max/sum/count/last. Ranges not yet downsampled are aggregated from raw data.
   */
  resolutionMs?: number;
};

export type AggregateSeries = { readonly labels: Labels; aggregates(): Aggregates };

export interface TsdbQuerier extends Querier {
  readonly resolutionMs: number;
  selectAggregates(matchers: readonly Matcher[], mint: number, maxt: number): AggregateSeries[];
}

/** One source's chunks of a series: head parts or block chunks (read in place, never copied). */
export type Source = { parts: ChunkPart[] | undefined; blockChunks: BlockChunk[] | undefined; upper: number };

/**
 * Growable decode buffers that a caller reuses from series to series: samplesInto() fills
 * ts/vs[0, n) and replaces them with larger arrays when they are too small.
 */
export type SampleScratch = { ts: Float64Array; vs: Float64Array };

/** A selected series that can also decode into the caller's scratch buffers (no allocation). */
export type ScratchSeries = Series & { samplesInto(scratch: SampleScratch): number };

/**
 * The blocks a querier reads and the head range they replace. A block cut makes its blocks and
 * the head's hiddenBefore visible in one synchronous step, so each sample is read exactly once.
 */
export type StorageView = {
  readonly raw: readonly Block[];
  readonly tiers: readonly Block[];
  readonly hiddenBefore: number;
  readonly epoch: number;
};
type Gathered = { labels: Labels; sources: Source[] };

const EMPTY = new Float64Array(0);

export class MergeQuerier implements TsdbQuerier {
  constructor(
    private readonly head: Head,
    private readonly snap: HeadSnapshot,
    private view: StorageView,
    readonly resolutionMs: number,
    private readonly onCorrupt: (b: Block, err: StorageError) => void,
    private readonly currentView: () => StorageView,
  ) {}

  /**
   * The view, refreshed when the head dropped or hid data since it was taken (a querier kept
   * across a block cut): the cut block then holds that data, so it must be read too.
   */
  private v(): StorageView {
    if (this.view.epoch !== this.head.epoch) {
      this.view = this.currentView();
    }
    return this.view;
  }

  private get rawBlocks(): readonly Block[] {
    return this.v().raw;
  }

  private get tierBlocks(): readonly Block[] {
    return this.v().tiers;
  }

  /** Series in label order (as Prometheus's sorted selects: topk ties depend on it). */
  select(matchers: readonly Matcher[], mint: number, maxt: number): ScratchSeries[] {
    if (this.resolutionMs > 0) {
      return this.selectAggregates(matchers, mint, maxt).map((s) => {
        const samples = () => {
          const a = s.aggregates();
          return { ts: a.ts, vs: a.last };
        };
        return { labels: s.labels, samples, samplesInto: (sc: SampleScratch) => copyInto(samples(), sc) };
      });
    }
    return this.gatherRaw(matchers.map(compileMatcher), mint, maxt).map((g) => ({
      labels: g.labels,
      samples: () => decodeSources(g.sources, mint, maxt),
      samplesInto: (sc: SampleScratch) => decodeInto(g.sources, mint, maxt, sc),
    }));
  }

  selectAggregates(matchers: readonly Matcher[], mint: number, maxt: number): AggregateSeries[] {
    const res = this.resolutionMs;
    if (res <= 0) {
      throw new Error("selectAggregates needs a querier with resolutionMs > 0");
    }
    const ms = matchers.map(compileMatcher);
    let covered = -Infinity;
    for (const b of this.tierBlocks) {
      covered = Math.max(covered, b.meta.maxTime);
    }
    const byKey = new Map<string, { labels: Labels; tier: BlockChunk[][]; raw: Source[] }>();
    const entry = (labels: Labels) => {
      const k = labelsKey(labels);
      let e = byKey.get(k);
      if (!e) {
        e = { labels, tier: [], raw: [] };
        byKey.set(k, e);
      }
      return e;
    };
    for (const b of this.tierBlocks) {
      if (b.meta.maxTime <= mint || b.meta.minTime > maxt) {
        continue;
      }
      const found = this.fromBlock(b, ms, mint, maxt);
      for (const f of found) {
        entry(f.labels).tier.push(f.chunks);
      }
    }
    const rawFrom = Math.max(mint, covered);
    if (rawFrom <= maxt) {
      for (const g of this.gatherRaw(ms, rawFrom, maxt)) {
        entry(g.labels).raw.push(...g.sources);
      }
    }
    const keys = [...byKey.keys()].sort();
    return keys.map((k) => {
      const e = byKey.get(k)!;
      return {
        labels: e.labels,
        aggregates: () => {
          const parts: Aggregates[] = e.tier.map((chunks) => decodeAggregates(chunks, mint, maxt));
          if (e.raw.length > 0) {
            const s = decodeSources(e.raw, rawFrom, maxt);
            parts.push(aggregate(s.ts, s.vs, s.ts.length, res));
          }
          return mergeAggregates(parts);
        },
      };
    });
  }

  private fromBlock(
    b: Block,
    ms: readonly CompiledMatcher[],
    mint: number,
    maxt: number,
  ): { labels: Labels; chunks: BlockChunk[] }[] {
    if (b.corrupt) {
      return [];
    }
    try {
      const out: { labels: Labels; chunks: BlockChunk[] }[] = [];
      for (const id of b.select(ms)) {
        const chunks = b.readChunks(id, mint, maxt);
        if (chunks.length > 0) {
          out.push({ labels: b.labelsOf(id), chunks });
        }
      }
      return out;
    } catch (err) {
      if (err instanceof StorageError) {
        this.onCorrupt(b, err);
        return [];
      }
      throw err;
    }
  }

  private gatherRaw(ms: readonly CompiledMatcher[], mint: number, maxt: number): Gathered[] {
    const blocks = this.rawBlocks.filter((b) => b.meta.maxTime > mint && b.meta.minTime <= maxt);
    const fromHead: Gathered[] = [];
    const h = this.head;
    const lo = Math.max(mint, this.v().hiddenBefore);
    // Slots are in creation order; compareLabels sorts them by label set without building keys.
    const slots = h
      .selectSlots(ms.map((m) => m.matcher))
      .slice()
      .sort((a, b) => h.compareLabels(a, b));
    const snapT = this.snap.lastT;
    for (const slot of slots) {
      const upper = snapT ? (slot < snapT.length ? snapT[slot]! : -Infinity) : h.lastT[slot]!;
      if (upper < lo) {
        continue;
      }
      const chunks = h.chunksOf(slot, lo, maxt);
      if (chunks.length > 0) {
        fromHead.push({
          labels: h.labelsOf(slot),
          sources: [{ parts: chunks, blockChunks: undefined, upper }],
        });
      }
    }
    if (blocks.length === 0) {
      return fromHead;
    }
    const byKey = new Map<string, Gathered>();
    const add = (labels: Labels, src: Source) => {
      const k = labelsKey(labels);
      const e = byKey.get(k);
      if (e) {
        e.sources.push(src);
      } else {
        byKey.set(k, { labels, sources: [src] });
      }
    };
    for (const b of blocks) {
      for (const f of this.fromBlock(b, ms, mint, maxt)) {
        add(f.labels, { parts: undefined, blockChunks: f.chunks, upper: Infinity });
      }
    }
    for (const g of fromHead) {
      add(g.labels, g.sources[0]!);
    }
    return [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    const names = new Set<string>();
    if (!matchers || matchers.length === 0) {
      this.head.labelNamesAll().forEach((n) => names.add(n));
      for (const b of this.allBlocks()) {
        this.safely(b, () => b.labelNames().forEach((n) => names.add(n)));
      }
    } else {
      this.eachMatching(matchers, (labels) => Object.keys(labels).forEach((n) => names.add(n)));
    }
    return [...names].sort();
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    const values = new Set<string>();
    if (!matchers || matchers.length === 0) {
      for (const v of this.head.valuesOf(name)) {
        values.add(v);
      }
      for (const b of this.allBlocks()) {
        this.safely(b, () => {
          for (const v of b.valuesOf(name)) {
            values.add(v);
          }
        });
      }
    } else {
      this.eachMatching(matchers, (labels) => {
        const v = labels[name];
        if (v !== undefined && v !== "") {
          values.add(v);
        }
      });
    }
    return [...values].sort();
  }

  private allBlocks(): Block[] {
    return this.resolutionMs > 0 ? [...this.rawBlocks, ...this.tierBlocks] : [...this.rawBlocks];
  }

  private eachMatching(matchers: readonly Matcher[], each: (labels: Labels) => void): void {
    const ms = matchers.map(compileMatcher);
    for (const slot of this.head.selectSlots(matchers)) {
      each(this.head.labelsOf(slot));
    }
    for (const b of this.allBlocks()) {
      this.safely(b, () => {
        for (const id of b.select(ms)) {
          const labels = b.labelsOf(id);
          if (labelsMatch((n) => labels[n], ms)) {
            each(labels);
          }
        }
      });
    }
  }

  private safely(b: Block, f: () => void): void {
    if (b.corrupt) {
      return;
    }
    try {
      f();
    } catch (err) {
      if (err instanceof StorageError) {
        this.onCorrupt(b, err);
        return;
      }
      throw err;
    }
  }
}

/** Decodes every source's chunks within [mint, maxt] (and each source's upper bound) and merges them. */
function decodeSources(sources: readonly Source[], mint: number, maxt: number): SeriesSamples {
  const sc: SampleScratch = { ts: EMPTY, vs: EMPTY };
  const n = decodeInto(sources, mint, maxt, sc);
  return n === 0 ? { ts: EMPTY, vs: EMPTY } : { ts: sc.ts.subarray(0, n), vs: sc.vs.subarray(0, n) };
}

function ensure(sc: SampleScratch, n: number): void {
  if (sc.ts.length < n) {
    const size = Math.max(n, Math.min(2 * sc.ts.length, n + 65_536));
    sc.ts = new Float64Array(size);
    sc.vs = new Float64Array(size);
  }
}

function copyInto(s: SeriesSamples, sc: SampleScratch): number {
  const n = s.ts.length;
  ensure(sc, n);
  sc.ts.set(s.ts);
  // Through Uint32 views: a Float64Array copy may canonicalise NaN payloads (STALE_NAN).
  new Uint32Array(sc.vs.buffer, sc.vs.byteOffset, 2 * n).set(
    new Uint32Array(s.vs.buffer, s.vs.byteOffset, 2 * n),
  );
  return n;
}

/** Source run boundaries of the last decode: sources are few (blocks + head), so a small array. */
const runEnds: number[] = [];

/**
 * Decodes into sc.ts/vs[0, n) and returns n. Each source is in time order; when sources overlap
 * (a block and the head, or overlapping blocks) their runs are merged, the earlier source winning
 * on equal timestamps.
 */
export function decodeInto(
  sources: readonly Source[],
  mint: number,
  maxt: number,
  sc: SampleScratch,
): number {
  let total = 0;
  for (const s of sources) {
    const hi = Math.min(maxt, s.upper);
    if (s.parts) {
      for (const c of s.parts) {
        if (c.maxT >= mint && c.minT <= hi) {
          total += c.count;
        }
      }
    } else if (s.blockChunks) {
      for (const c of s.blockChunks) {
        if (c.maxT >= mint && c.minT <= hi) {
          total += c.count;
        }
      }
    }
  }
  if (total === 0) {
    return 0;
  }
  ensure(sc, total);
  const ts = sc.ts;
  const vs = sc.vs;
  let n = 0;
  let ordered = true;
  let runsOk = true;
  runEnds.length = 0;
  for (const s of sources) {
    const hi = Math.min(maxt, s.upper);
    const from = n;
    if (s.parts) {
      for (const c of s.parts) {
        if (c.maxT >= mint && c.minT <= hi) {
          n = decodeChunk(c.bytes, c.count, ts, vs, n, mint, hi);
        }
      }
    } else if (s.blockChunks) {
      for (const c of s.blockChunks) {
        if (c.maxT >= mint && c.minT <= hi) {
          n = decodeChunk(c.cols[0]!, c.count, ts, vs, n, mint, hi);
        }
      }
    }
    if (n > from) {
      for (let i = from + 1; i < n; i++) {
        if (ts[i]! <= ts[i - 1]!) {
          runsOk = false;
          break;
        }
      }
      if (from > 0 && ts[from]! <= ts[from - 1]!) {
        ordered = false;
      }
      runEnds.push(n);
    }
  }
  if (!runsOk) {
    return sortDedupe(sc, n);
  }
  return ordered ? n : mergeRuns(sc, runEnds);
}

let tmpT = new Float64Array(0);
let tmpV = new Float64Array(0);

/** Merges consecutive strictly time-ordered runs of sc into one, dropping later duplicates. Returns the length. */
function mergeRuns(sc: SampleScratch, ends: readonly number[]): number {
  const ts = sc.ts;
  const vU = new Uint32Array(sc.vs.buffer, sc.vs.byteOffset, 2 * sc.vs.length);
  const total = ends[ends.length - 1]!;
  if (tmpT.length < total) {
    tmpT = new Float64Array(total);
    tmpV = new Float64Array(total);
  }
  const oU = new Uint32Array(tmpV.buffer, 0, 2 * total);
  let acc = ends[0]!;
  for (let r = 1; r < ends.length; r++) {
    const lo = ends[r - 1]!;
    const hi = ends[r]!;
    if (ts[lo]! > ts[acc - 1]!) {
      // Entirely after what is merged so far: move it down over dropped duplicates.
      if (lo !== acc) {
        ts.copyWithin(acc, lo, hi);
        vU.copyWithin(2 * acc, 2 * lo, 2 * hi);
      }
      acc += hi - lo;
      continue;
    }
    let i = 0;
    let j = lo;
    let k = 0;
    while (i < acc || j < hi) {
      let from: number;
      if (j >= hi || (i < acc && ts[i]! <= ts[j]!)) {
        if (j < hi && ts[i] === ts[j]) {
          j++; // the earlier source (older block before head) wins
        }
        from = i++;
      } else {
        from = j++;
      }
      tmpT[k] = ts[from]!;
      oU[2 * k] = vU[2 * from]!;
      oU[2 * k + 1] = vU[2 * from + 1]!;
      k++;
    }
    ts.set(tmpT.subarray(0, k));
    vU.set(oU.subarray(0, 2 * k));
    acc = k;
  }
  return acc;
}

/** The general case (a source itself out of order): sort everything, first of equal timestamps wins. */
function sortDedupe(sc: SampleScratch, n: number): number {
  const ts = sc.ts;
  const vU = new Uint32Array(sc.vs.buffer, sc.vs.byteOffset, 2 * n);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    idx[i] = i;
  }
  idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
  const t2 = new Float64Array(n);
  const v2 = new Uint32Array(2 * n);
  let k = 0;
  for (let x = 0; x < n; x++) {
    const i = idx[x]!;
    if (k > 0 && t2[k - 1] === ts[i]) {
      continue;
    }
    t2[k] = ts[i]!;
    v2[2 * k] = vU[2 * i]!;
    v2[2 * k + 1] = vU[2 * i + 1]!;
    k++;
  }
  ts.set(t2.subarray(0, k));
  vU.set(v2.subarray(0, 2 * k));
  return k;
}

function mergeAggregates(parts: Aggregates[]): Aggregates {
  if (parts.length === 1) {
    return parts[0]!;
  }
  let total = 0;
  for (const p of parts) {
    total += p.ts.length;
  }
  const out = emptyAggregates(total);
  let n = 0;
  for (const p of parts) {
    for (let i = 0; i < p.ts.length; i++) {
      if (n > 0 && p.ts[i]! <= out.ts[n - 1]!) {
        continue; // tiers are written in time order; an overlap keeps the first point
      }
      out.ts[n] = p.ts[i]!;
      out.min[n] = p.min[i]!;
      out.max[n] = p.max[i]!;
      out.sum[n] = p.sum[i]!;
      out.count[n] = p.count[i]!;
      out.last[n] = p.last[i]!;
      n++;
    }
  }
  return sliceAggregates(out, 0, n);
}
