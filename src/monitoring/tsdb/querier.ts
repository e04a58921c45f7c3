// Queriers: one consistent view over the head and the persisted blocks, merging a series' data from
// every source by timestamp (duplicates from overlapping sources are dropped). With a resolution
// they read the downsampled tier where it exists and aggregate raw data on the fly after it.
import { type Labels, type Matcher, type Querier, type Series, type SeriesSamples } from "../model.js";
import type { Block, BlockChunk, LoadedIndex } from "./block.js";
import { decodeChunk } from "./chunk.js";
import { StorageError } from "./errors.js";
import {
  aggregate,
  decodeAggregates,
  sliceAggregates,
  type AggregateColumn,
  type Aggregates,
} from "./downsample.js";
import type { ChunkPart, Head, HeadSnapshot } from "./head.js";
import { compileMatcher, labelsMatch, type CompiledMatcher } from "./matchers.js";
import { comparePairs, labelsKey, labelsKeyOfPairs } from "./series-key.js";

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
  /** `want`: the columns to decode (default all; the others come back empty). */
  selectAggregates(
    matchers: readonly Matcher[],
    mint: number,
    maxt: number,
    want?: readonly AggregateColumn[],
  ): AggregateSeries[];
}

/**
 * One source's chunks of a series: head parts or block chunks (read in place, never copied). A raw
 * block's series is selected by its index alone (`lazy`): its chunks are read when the series is
 * decoded and dropped after, so a select over many series holds no chunk bytes and each series'
 * buffers die young instead of surviving the whole query in the heap.
 */
export type Source = {
  parts: ChunkPart[] | undefined;
  blockChunks: BlockChunk[] | undefined;
  upper: number;
  lazy?: { block: Block; id: number };
};

/**
 * Growable decode buffers that a caller reuses from series to series: samplesInto() fills
 * ts/vs[0, n) and replaces them with larger arrays when they are too small. It sets nanFree when
 * it knows that no value is NaN (so no staleness marker), sparing the caller a scan for them.
 */
export type SampleScratch = { ts: Float64Array; vs: Float64Array; nanFree?: boolean };

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
const ALL_COLUMNS: readonly AggregateColumn[] = ["min", "max", "sum", "count", "last"];
const LAST: readonly AggregateColumn[] = ["last"];

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

  /**
   * Series in label order (as Prometheus's sorted selects: topk ties depend on it). Block chunks
   * are read when a series is decoded, so decode before yielding to the event loop (as queries
   * do, synchronously): a block that retention or compaction retires meanwhile is deleted.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number): ScratchSeries[] {
    if (this.resolutionMs > 0) {
      return this.selectAggregates(matchers, mint, maxt, LAST).map((s) => {
        const samples = () => {
          const a = s.aggregates();
          return { ts: a.ts, vs: a.last };
        };
        return { labels: s.labels, samples, samplesInto: (sc: SampleScratch) => copyInto(samples(), sc) };
      });
    }
    return this.gatherRaw(matchers.map(compileMatcher), mint, maxt).map(
      (g) => new RawSeries(g.labels, g.sources, mint, maxt, this.onCorrupt),
    );
  }

  selectAggregates(
    matchers: readonly Matcher[],
    mint: number,
    maxt: number,
    want: readonly AggregateColumn[] = ALL_COLUMNS,
  ): AggregateSeries[] {
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
    const corrupt = this.onCorrupt;
    const keys = [...byKey.keys()].sort();
    return keys.map((k) => {
      const e = byKey.get(k)!;
      return {
        labels: e.labels,
        aggregates: () => {
          const parts: Aggregates[] = e.tier.map((chunks) => decodeAggregates(chunks, mint, maxt, want));
          if (e.raw.length > 0) {
            const s = new RawSeries(e.labels, e.raw, rawFrom, maxt, corrupt).samples();
            parts.push(aggregate(s.ts, s.vs, s.ts.length, res));
          }
          return mergeAggregates(parts, want);
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
    const found = blocks.map((b) => this.selectInBlock(b, ms, mint, maxt));
    const fromBlocks = mergeBlockLists(blocks, found);
    if (fromHead.length === 0) {
      return fromBlocks;
    }
    return fromBlocks.length === 0 ? fromHead : mergeWithHead(fromBlocks, fromHead);
  }

  /** The block's series matching ms with a chunk overlapping [mint, maxt], from its index only. */
  private selectInBlock(b: Block, ms: readonly CompiledMatcher[], mint: number, maxt: number): Uint32Array {
    if (b.corrupt) {
      return EMPTY_IDS;
    }
    try {
      const ids = b.select(ms);
      const ix = b.index();
      let n = 0;
      const out = new Uint32Array(ids.length);
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k]!;
        for (let c = ix.chunkStart[id]!; c < ix.chunkStart[id + 1]!; c++) {
          if (ix.maxT[c]! >= mint && ix.minT[c]! <= maxt) {
            out[n++] = id;
            break;
          }
        }
      }
      return out.subarray(0, n);
    } catch (err) {
      if (err instanceof StorageError) {
        this.onCorrupt(b, err);
        return EMPTY_IDS;
      }
      throw err;
    }
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

const EMPTY_IDS = new Uint32Array(0);

function lazySource(block: Block, id: number): Source {
  return { parts: undefined, blockChunks: undefined, upper: Infinity, lazy: { block, id } };
}

type BlockList = { block: Block; ix: LoadedIndex; ids: Uint32Array; pos: number };

/**
 * The blocks' selected series as one label-ordered list, each with its sources in block order.
 * Every block's index lists its series in label order, so a k-way merge comparing label pairs
 * finds a series in every block without building keys, hashing or sorting.
 */
function mergeBlockLists(blocks: readonly Block[], found: readonly Uint32Array[]): Gathered[] {
  const lists: BlockList[] = [];
  for (let i = 0; i < blocks.length; i++) {
    if (found[i]!.length > 0) {
      lists.push({ block: blocks[i]!, ix: blocks[i]!.index(), ids: found[i]!, pos: 0 });
    }
  }
  const out: Gathered[] = [];
  const atMin: BlockList[] = [];
  for (;;) {
    atMin.length = 0;
    for (const l of lists) {
      if (l.pos >= l.ids.length) {
        continue;
      }
      const m = atMin[0];
      const c = m ? compareBlockSeries(l.ix, l.ids[l.pos]!, m.ix, m.ids[m.pos]!) : -1;
      if (c < 0) {
        atMin.length = 0;
      }
      if (c <= 0) {
        atMin.push(l);
      }
    }
    const first = atMin[0];
    if (!first) {
      return out;
    }
    const g: Gathered = { labels: first.block.labelsOf(first.ids[first.pos]!), sources: [] };
    for (const l of atMin) {
      g.sources.push(lazySource(l.block, l.ids[l.pos++]!));
    }
    out.push(g);
  }
}

/** Label order of two blocks' series, as labelsKey() order. */
function compareBlockSeries(a: LoadedIndex, ia: number, b: LoadedIndex, ib: number): number {
  return comparePairs(
    a.symbols,
    a.pairs,
    a.labelsOff[ia]!,
    a.labelsOff[ia + 1]!,
    b.symbols,
    b.pairs,
    b.labelsOff[ib]!,
    b.labelsOff[ib + 1]!,
  );
}

/** Block series and head series (each list in label order) merged by labelsKey(), blocks' sources first. */
function mergeWithHead(fromBlocks: readonly Gathered[], fromHead: readonly Gathered[]): Gathered[] {
  const out: Gathered[] = [];
  const blockKey = (g: Gathered) => {
    const lazy = g.sources[0]!.lazy!;
    const ix = lazy.block.index();
    return labelsKeyOfPairs(ix.symbols, ix.pairs, ix.labelsOff[lazy.id]!, ix.labelsOff[lazy.id + 1]!);
  };
  let i = 0;
  let j = 0;
  let kb = blockKey(fromBlocks[0]!);
  let kh = labelsKey(fromHead[0]!.labels);
  while (i < fromBlocks.length && j < fromHead.length) {
    const fromB = kb <= kh;
    const fromH = kh <= kb;
    if (fromB && fromH) {
      const g = fromBlocks[i++]!;
      g.sources.push(fromHead[j++]!.sources[0]!);
      out.push(g);
    } else if (fromB) {
      out.push(fromBlocks[i++]!);
    } else {
      out.push(fromHead[j++]!);
    }
    if (fromB && i < fromBlocks.length) {
      kb = blockKey(fromBlocks[i]!);
    }
    if (fromH && j < fromHead.length) {
      kh = labelsKey(fromHead[j]!.labels);
    }
  }
  return out.concat(fromBlocks.slice(i), fromHead.slice(j));
}

/** A selected series of raw data: its sources are decoded (lazy block chunks read) on each call. */
class RawSeries implements ScratchSeries {
  constructor(
    readonly labels: Labels,
    private readonly sources: readonly Source[],
    private readonly mint: number,
    private readonly maxt: number,
    private readonly onCorrupt: (b: Block, err: StorageError) => void,
  ) {}

  samples(): SeriesSamples {
    const sc: SampleScratch = { ts: EMPTY, vs: EMPTY };
    const n = this.samplesInto(sc);
    return n === 0 ? { ts: EMPTY, vs: EMPTY } : { ts: sc.ts.subarray(0, n), vs: sc.vs.subarray(0, n) };
  }

  /** Reads the lazy sources' chunks, decodes, and drops the chunks again (they die young). */
  samplesInto(sc: SampleScratch): number {
    const { sources, mint, maxt } = this;
    for (const s of sources) {
      if (s.lazy) {
        s.blockChunks = readBlockChunks(s.lazy.block, s.lazy.id, mint, maxt, this.onCorrupt);
      }
    }
    try {
      return decodeInto(sources, mint, maxt, sc);
    } finally {
      for (const s of sources) {
        if (s.lazy) {
          s.blockChunks = undefined;
        }
      }
    }
  }
}

/** Series id's chunks overlapping [mint, maxt]; none from a corrupt block (reported once found). */
function readBlockChunks(
  b: Block,
  id: number,
  mint: number,
  maxt: number,
  onCorrupt: (b: Block, err: StorageError) => void,
): BlockChunk[] {
  if (b.corrupt) {
    return [];
  }
  try {
    return b.readChunks(id, mint, maxt);
  } catch (err) {
    if (err instanceof StorageError) {
      onCorrupt(b, err);
      return [];
    }
    throw err;
  }
}

function ensure(sc: SampleScratch, n: number): void {
  if (sc.ts.length < n) {
    const size = Math.max(n, Math.min(2 * sc.ts.length, n + 65_536));
    sc.ts = new Float64Array(size);
    sc.vs = new Float64Array(size);
  }
}

function copyInto(s: SeriesSamples, sc: SampleScratch): number {
  sc.nanFree = false;
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
  sc.nanFree = true;
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
      // One pass for both checks: order within the run, and NaN values for SampleScratch.nanFree.
      let nanFree = vs[from] === vs[from];
      for (let i = from + 1; i < n; i++) {
        if (ts[i]! <= ts[i - 1]!) {
          runsOk = false;
        }
        const v = vs[i]!;
        if (v !== v) {
          nanFree = false;
        }
      }
      if (!nanFree) {
        sc.nanFree = false;
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

// The merges' output scratch (module-level: merges run one at a time, synchronously).
let tmpT = new Float64Array(0);
let tmpV = new Float64Array(0);

/** Output room for `n` merged samples: times, and value bits as u32 pairs. */
function mergeOutput(n: number): { outT: Float64Array; outU: Uint32Array } {
  if (tmpT.length < n) {
    tmpT = new Float64Array(n);
    tmpV = new Float64Array(n);
  }
  return { outT: tmpT, outU: new Uint32Array(tmpV.buffer, 0, 2 * n) };
}

/** Copies sample `from` of (ts, vU) to slot k of the output. */
function put(
  outT: Float64Array,
  outU: Uint32Array,
  k: number,
  ts: Float64Array,
  vU: Uint32Array,
  from: number,
): void {
  outT[k] = ts[from]!;
  outU[2 * k] = vU[2 * from]!;
  outU[2 * k + 1] = vU[2 * from + 1]!;
}

/** Merges consecutive strictly time-ordered runs of sc into one, dropping later duplicates. Returns the length. */
function mergeRuns(sc: SampleScratch, ends: readonly number[]): number {
  const ts = sc.ts;
  const vU = new Uint32Array(sc.vs.buffer, sc.vs.byteOffset, 2 * sc.vs.length);
  const { outT, outU } = mergeOutput(ends[ends.length - 1]!);
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
      put(outT, outU, k++, ts, vU, from);
    }
    ts.set(outT.subarray(0, k));
    vU.set(outU.subarray(0, 2 * k));
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
  const { outT, outU } = mergeOutput(n);
  let k = 0;
  for (let x = 0; x < n; x++) {
    const i = idx[x]!;
    if (k > 0 && outT[k - 1] === ts[i]) {
      continue;
    }
    put(outT, outU, k++, ts, vU, i);
  }
  ts.set(outT.subarray(0, k));
  vU.set(outU.subarray(0, 2 * k));
  return k;
}

/** Tier parts (each in time order) as one series; only the `want` columns are filled. */
function mergeAggregates(parts: Aggregates[], want: readonly AggregateColumn[]): Aggregates {
  if (parts.length === 1) {
    return parts[0]!;
  }
  let total = 0;
  for (const p of parts) {
    total += p.ts.length;
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
  for (const p of parts) {
    // Each part is in time order, so what overlaps the parts before it is a prefix: skip it and
    // copy the rest column by column (a keyed copy per point was most of a tier query's time).
    let from = 0;
    while (n > 0 && from < p.ts.length && p.ts[from]! <= out.ts[n - 1]!) {
      from++; // an overlap keeps the first point
    }
    out.ts.set(p.ts.subarray(from), n);
    for (const col of want) {
      out[col].set(p[col].subarray(from), n);
    }
    n += p.ts.length - from;
  }
  return sliceAggregates(out, 0, n);
}
