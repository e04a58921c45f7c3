// The in-memory head: series (interned labels, inverted index), their open chunk in a fixed-size
// slab slot and their closed chunks in a shared arena. Per-series state lives in typed arrays
// indexed by slot; a series ref is slot + generation * 2^24, so a ref from before head GC freed
// and reused the slot is detected instead of writing into another series.
import type { Labels, Matcher } from "../model.js";
import { ChunkArena } from "./arena.js";
import { encodeSample, MAX_SAMPLE_BITS, newEncoderState, SAMPLES_PER_CHUNK } from "./chunk.js";
import { TsdbErrors } from "./errors.js";
import { compileMatcher, selectPostings, type PostingsIndex } from "./matchers.js";
import { EMPTY_POSTINGS, PostingsList } from "./postings.js";
import { comparePairs, seriesHash } from "./series-key.js";
import { Symbols } from "./symbols.js";
import { grown, grownCapacity, resized, type TypedArray } from "../typed-arrays.js";

export const SLOT_SPACE = 2 ** 24;

/** ref % SLOT_SPACE without a float modulo (a libc call, ~10 ns; the write path takes three a sample). */
export function slotOfRef(ref: number): number {
  return ref - Math.floor(ref / SLOT_SPACE) * SLOT_SPACE;
}

const SLOT_BYTES = 256; // open chunk bytes per series; a chunk is cut early when full
const SLOT_BITS = SLOT_BYTES * 8;
const SLOTS_PER_PAGE = 4096;

/** A chunk handed to a querier: immutable bytes (a copy for the open chunk). */
export type ChunkPart = { bytes: Uint8Array; count: number; minT: number; maxT: number };

/** A series' open chunk as a checkpoint stores it: its bytes and the encoder's state. */
export type OpenChunkState = {
  bytes: Uint8Array;
  count: number;
  minT: number;
  delta: number;
  bits: number;
  leading: number;
  trailing: number;
};

/** One series' data from one source (head or a block), for the querier to merge. */
export type SeriesParts = { labels: Labels; chunks: ChunkPart[]; maxVisibleT: number };

/** What a querier sees of the head: lastT per slot frozen at the first commit after its creation. */
export type HeadSnapshot = { lastT: Float64Array | undefined };

const enc = newEncoderState();
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export class Head implements PostingsIndex {
  // --- per-slot state ---------------------------------------------------------------------------
  private cap = 0;
  nSlots = 0;
  private freeSlots: number[] = [];
  gen = new Uint32Array(0);
  live = new Uint8Array(0);
  walLogged = new Uint8Array(0);
  lastT = new Float64Array(0);
  lastV = new Float64Array(0);
  lastVU32 = new Uint32Array(0);
  private cMinT = new Float64Array(0);
  private cDelta = new Float64Array(0);
  private cBits = new Uint32Array(0);
  private cCount = new Uint16Array(0);
  private cLead = new Uint8Array(0);
  private cTrail = new Uint8Array(0);
  private firstChunk = new Int32Array(0);
  private lastChunk = new Int32Array(0);
  private labelsOff = new Uint32Array(0);
  private labelsLen = new Uint16Array(0);
  private hash = new Float64Array(0);
  pendingT = new Float64Array(0);
  pendingOwner = new Uint32Array(0);
  private pendingI = new Uint32Array(0);
  /** 1 once a sliced truncation moved the slot's chunks into `nextArena` (see beginTruncate). */
  private migrated = new Uint8Array(0);

  // --- shared structures ------------------------------------------------------------------------
  private slab: Uint8Array[] = [];
  private arena = new ChunkArena();
  /** During a sliced truncation: the arena that migrated slots use; undefined otherwise. */
  private nextArena: ChunkArena | undefined;
  private truncMint = -Infinity;
  private truncSlots = 0;
  private labelPool = new Uint32Array(1024);
  private poolLen = 0;
  private syms = new Symbols();
  symbols: string[] = this.syms.list;
  private byHash = new Map<number, number>();
  private collisions = new Map<number, number[]>();
  private postingsMap = new Map<string, Map<string, PostingsList>>();
  private all = new PostingsList();

  numSeries = 0;
  numSamples = 0;
  minT = Infinity;
  maxT = -Infinity;
  /** Samples before this are in blocks already; appends before it are rejected. */
  minValidTime = -Infinity;
  outOfOrderRejected = 0;
  duplicateRejected = 0;
  tooOldRejected = 0;
  tooFarInFutureRejected = 0;
  /**
   * Queries ignore head data before this: set when a block holding that range becomes visible,
   * so the data is seen exactly once while the head's copy is dropped slice by slice.
   */
  hiddenBefore = -Infinity;
  /** Bumped when head data is hidden or dropped, so a querier can tell its block list is stale. */
  epoch = 0;
  private snap: HeadSnapshot | undefined;

  constructor(readonly chunkRangeMs: number) {}

  // --- series -----------------------------------------------------------------------------------

  /** The ref of the series with these labels, creating it if needed. Empty label values are dropped. */
  getOrCreate(labels: Labels): number {
    const names = Object.keys(labels);
    if (names.length > 1) {
      names.sort();
    }
    let w = 0;
    for (const n of names) {
      if (labels[n] !== "") {
        if (n === "") {
          throw TsdbErrors.invalidLabels("empty label name");
        }
        names[w++] = n;
      }
    }
    names.length = w;
    if (w === 0) {
      throw TsdbErrors.invalidLabels("empty label set");
    }
    const h = seriesHash(names, labels);
    const slot = this.byHash.get(h);
    if (slot !== undefined) {
      if (slot >= 0 && this.sameLabels(slot, names, labels)) {
        return this.refOf(slot);
      }
      for (const s of this.collisions.get(h) ?? []) {
        if (this.sameLabels(s, names, labels)) {
          return this.refOf(s);
        }
      }
    }
    return this.refOf(this.create(names, labels, h));
  }

  private sameLabels(slot: number, sortedNames: string[], labels: Labels): boolean {
    const off = this.labelsOff[slot]!;
    const len = this.labelsLen[slot]!;
    let k = 0;
    for (const n of sortedNames) {
      if (k >= len) {
        return false;
      }
      const p = off + 2 * k;
      if (this.symbols[this.labelPool[p]!] !== n || this.symbols[this.labelPool[p + 1]!] !== labels[n]) {
        return false;
      }
      k++;
    }
    return k === len;
  }

  refOf(slot: number): number {
    return this.gen[slot]! * SLOT_SPACE + slot;
  }

  /** The slot of a ref, or throws unknownRef when the series was dropped or never existed. */
  slotOf(ref: number): number {
    const slot = slotOfRef(ref);
    if (slot >= this.nSlots || this.live[slot] !== 1 || this.gen[slot]! * SLOT_SPACE + slot !== ref) {
      throw TsdbErrors.unknownRef(`series ref ${ref} is not in the head (dropped by head GC?)`);
    }
    return slot;
  }

  isLive(ref: number): boolean {
    const slot = slotOfRef(ref);
    return slot < this.nSlots && this.live[slot] === 1 && this.gen[slot]! * SLOT_SPACE + slot === ref;
  }

  private create(sortedNames: string[], labels: Labels, h: number, wantRef?: number): number {
    let slot: number;
    if (wantRef !== undefined) {
      slot = slotOfRef(wantRef);
      this.ensureCap(slot + 1);
      if (slot >= this.nSlots) {
        for (let s = this.nSlots; s < slot; s++) {
          this.freeSlots.push(s);
        }
        this.nSlots = slot + 1;
      } else {
        const i = this.freeSlots.indexOf(slot);
        if (i >= 0) {
          this.freeSlots.splice(i, 1);
        }
      }
      this.gen[slot] = (wantRef - slot) / SLOT_SPACE;
    } else if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop()!;
    } else {
      slot = this.nSlots;
      this.ensureCap(slot + 1);
      this.nSlots++;
    }
    this.live[slot] = 1;
    this.walLogged[slot] = 0;
    this.lastT[slot] = -Infinity;
    this.lastVU32[2 * slot] = 0;
    this.lastVU32[2 * slot + 1] = 0;
    this.cCount[slot] = 0;
    this.cBits[slot] = 0;
    this.firstChunk[slot] = -1;
    this.lastChunk[slot] = -1;
    this.pendingOwner[slot] = 0;
    this.migrated[slot] = this.nextArena ? 1 : 0;
    this.hash[slot] = h;
    const pairs = sortedNames.length;
    this.ensurePool(this.poolLen + 2 * pairs);
    this.labelsOff[slot] = this.poolLen;
    this.labelsLen[slot] = pairs;
    for (const n of sortedNames) {
      const v = labels[n]!;
      this.labelPool[this.poolLen++] = this.intern(n);
      this.labelPool[this.poolLen++] = this.intern(v);
      this.addPosting(n, v, slot);
    }
    this.all.add(slot);
    const prev = this.byHash.get(h);
    if (prev === undefined) {
      this.byHash.set(h, slot);
    } else {
      const list = this.collisions.get(h) ?? [];
      list.push(slot);
      this.collisions.set(h, list);
    }
    this.numSeries++;
    return slot;
  }

  /** Recreates a series with a given ref (WAL replay), so refs stay stable across restarts. */
  restoreSeries(ref: number, labels: Labels): number {
    const slot = slotOfRef(ref);
    if (slot < this.nSlots && this.live[slot] === 1) {
      if (this.gen[slot]! * SLOT_SPACE + slot === ref) {
        return slot;
      }
      this.dropSlot(slot); // a stale series record for a reused slot: the newer record wins
    }
    const names = Object.keys(labels)
      .filter((n) => labels[n] !== "")
      .sort();
    const created = this.create(names, labels, seriesHash(names, labels), ref);
    this.walLogged[created] = 1;
    return created;
  }

  private intern(s: string): number {
    return this.syms.intern(s);
  }

  private addPosting(name: string, value: string, slot: number): void {
    let byValue = this.postingsMap.get(name);
    if (!byValue) {
      byValue = new Map();
      this.postingsMap.set(name, byValue);
    }
    let p = byValue.get(value);
    if (!p) {
      p = new PostingsList();
      byValue.set(value, p);
    }
    p.add(slot);
  }

  labelsOf(slot: number): Labels {
    const out: Record<string, string> = {};
    const off = this.labelsOff[slot]!;
    for (let k = 0; k < this.labelsLen[slot]!; k++) {
      out[this.symbols[this.labelPool[off + 2 * k]!]!] = this.symbols[this.labelPool[off + 2 * k + 1]!]!;
    }
    return out;
  }

  /**
   * Orders two series as their labelsKey() strings would sort (names are stored sorted), without
   * building the strings: a block cut sorts every series and must not allocate a key for each.
   */
  compareLabels(a: number, b: number): number {
    const pool = this.labelPool;
    const sym = this.symbols;
    const oa = this.labelsOff[a]!;
    const ob = this.labelsOff[b]!;
    return comparePairs(
      sym,
      pool,
      oa,
      oa + 2 * this.labelsLen[a]!,
      sym,
      pool,
      ob,
      ob + 2 * this.labelsLen[b]!,
    );
  }

  labelValueOf(slot: number, name: string): string | undefined {
    const off = this.labelsOff[slot]!;
    for (let k = 0; k < this.labelsLen[slot]!; k++) {
      if (this.symbols[this.labelPool[off + 2 * k]!] === name) {
        return this.symbols[this.labelPool[off + 2 * k + 1]!];
      }
    }
    return undefined;
  }

  // --- PostingsIndex ----------------------------------------------------------------------------

  allPostings(): Uint32Array {
    return this.all.view();
  }

  valuesOf(name: string): Iterable<string> {
    return this.postingsMap.get(name)?.keys() ?? [];
  }

  postings(name: string, value: string): Uint32Array {
    return this.postingsMap.get(name)?.get(value)?.view() ?? EMPTY_POSTINGS;
  }

  labelNamesAll(): string[] {
    return [...this.postingsMap.keys()];
  }

  /** Index of the slot's pending sample in the owning appender's buffer. */
  pendingIdx(slot: number): number {
    return this.pendingI[slot]!;
  }

  setPendingIdx(slot: number, i: number): void {
    this.pendingI[slot] = i;
  }

  // --- appending --------------------------------------------------------------------------------

  /**
   * Checks one sample against the series' last committed sample (or the caller's pending one).
   * Returns true to keep it, false for an exact duplicate (a no-op), or throws.
   */
  check(slot: number, t: number, v: number, lastT: number, lastVHi: number, lastVLo: number): boolean {
    if (t < this.minValidTime) {
      this.tooOldRejected++;
      throw TsdbErrors.tooOld(`sample at ${t} is older than the head's min valid time ${this.minValidTime}`);
    }
    if (t <= lastT) {
      if (t === lastT) {
        f64[0] = v;
        if (u32[0] === lastVLo && u32[1] === lastVHi) {
          return false;
        }
        this.duplicateRejected++;
        throw TsdbErrors.duplicateSample(`series ${slot}: sample at ${t} already has a different value`);
      }
      this.outOfOrderRejected++;
      throw TsdbErrors.outOfOrder(`series ${slot}: sample at ${t} is before the last sample at ${lastT}`);
    }
    return true;
  }

  /**
   * Commits a batch: appends every acceptable sample to its series, compacting the accepted ones
   * to the front of the arrays (for the WAL), with `same[i] = 1` when the value's bits equal the
   * series' previous value. Samples invalidated since append() (another appender got there
   * first, or the series was dropped) are counted and skipped: commit never throws per sample.
   * Returns the accepted count; `newSeries` receives slots whose series record the WAL lacks.
   */
  commit(
    refs: Float64Array,
    ts: Float64Array,
    vs: Float64Array,
    n: number,
    same: Uint8Array,
    newSeries: number[],
  ): number {
    this.freezeSnapshot();
    const vsU32 = new Uint32Array(vs.buffer, vs.byteOffset, n * 2);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const ref = refs[i]!;
      const slot = slotOfRef(ref);
      if (slot >= this.nSlots || this.live[slot] !== 1 || this.gen[slot]! * SLOT_SPACE + slot !== ref) {
        continue;
      }
      const t = ts[i]!;
      const hi = vsU32[2 * i + 1]!;
      const lo = vsU32[2 * i]!;
      const lt = this.lastT[slot]!;
      if (t < this.minValidTime) {
        this.tooOldRejected++;
        continue;
      }
      const sameV = hi === this.lastVU32[2 * slot + 1] && lo === this.lastVU32[2 * slot];
      if (t <= lt) {
        if (t < lt) {
          this.outOfOrderRejected++;
        } else if (!sameV) {
          this.duplicateRejected++;
        }
        continue;
      }
      if (this.walLogged[slot] === 0) {
        this.walLogged[slot] = 1;
        newSeries.push(slot);
      }
      this.appendSample(slot, t, hi, lo);
      refs[k] = ref;
      ts[k] = t;
      vsU32[2 * k] = lo;
      vsU32[2 * k + 1] = hi;
      same[k] = sameV ? 1 : 0;
      k++;
    }
    return k;
  }

  /** WAL replay: the sample was accepted once, so only order is rechecked. */
  replaySample(slot: number, t: number, hi: number, lo: number): boolean {
    if (t <= this.lastT[slot]! || t < this.minValidTime) {
      return false;
    }
    this.appendSample(slot, t, hi, lo);
    return true;
  }

  private appendSample(slot: number, t: number, hi: number, lo: number): void {
    let count = this.cCount[slot]!;
    if (count > 0) {
      const minT = this.cMinT[slot]!;
      const boundary = Math.floor(minT / this.chunkRangeMs) * this.chunkRangeMs + this.chunkRangeMs;
      if (count >= SAMPLES_PER_CHUNK || this.cBits[slot]! + MAX_SAMPLE_BITS > SLOT_BITS || t >= boundary) {
        this.closeChunk(slot);
        count = 0;
      }
    }
    const page = this.slabPage(slot);
    const base = (slot % SLOTS_PER_PAGE) * SLOT_BYTES;
    enc.bitPos = this.cBits[slot]!;
    enc.count = count;
    enc.t = this.lastT[slot]!;
    enc.delta = this.cDelta[slot]!;
    enc.vHi = this.lastVU32[2 * slot + 1]!;
    enc.vLo = this.lastVU32[2 * slot]!;
    enc.leading = this.cLead[slot]!;
    enc.trailing = this.cTrail[slot]!;
    u32[0] = lo;
    u32[1] = hi;
    encodeSample(page, base, enc, t, f64[0]!);
    this.cBits[slot] = enc.bitPos;
    this.cCount[slot] = enc.count;
    this.cDelta[slot] = enc.delta;
    this.cLead[slot] = enc.leading;
    this.cTrail[slot] = enc.trailing;
    if (count === 0) {
      this.cMinT[slot] = t;
    }
    this.lastT[slot] = t;
    this.lastVU32[2 * slot] = lo;
    this.lastVU32[2 * slot + 1] = hi;
    this.numSamples++;
    if (t < this.minT) {
      this.minT = t;
    }
    if (t > this.maxT) {
      this.maxT = t;
    }
  }

  private slabPage(slot: number): Uint8Array {
    const p = Math.floor(slot / SLOTS_PER_PAGE);
    while (this.slab.length <= p) {
      this.slab.push(new Uint8Array(SLOTS_PER_PAGE * SLOT_BYTES));
    }
    return this.slab[p]!;
  }

  private closeChunk(slot: number): void {
    const count = this.cCount[slot]!;
    if (count === 0) {
      return;
    }
    const page = this.slabPage(slot);
    const base = (slot % SLOTS_PER_PAGE) * SLOT_BYTES;
    const len = Math.ceil(this.cBits[slot]! / 8);
    const arena = this.arenaOf(slot);
    const id = arena.add(page, base, len, this.cMinT[slot]!, this.lastT[slot]!, count);
    this.linkChunk(arena, slot, id);
    page.fill(0, base, base + len);
    this.cCount[slot] = 0;
    this.cBits[slot] = 0;
  }

  private arenaOf(slot: number): ChunkArena {
    return this.nextArena && this.migrated[slot] === 1 ? this.nextArena : this.arena;
  }

  private linkChunk(arena: ChunkArena, slot: number, id: number): void {
    const last = this.lastChunk[slot]!;
    if (last >= 0) {
      arena.next[last] = id;
    } else {
      this.firstChunk[slot] = id;
    }
    this.lastChunk[slot] = id;
  }

  // --- reading ----------------------------------------------------------------------------------

  /** A view for a new querier; see HeadSnapshot. */
  snapshot(): HeadSnapshot {
    if (!this.snap) {
      this.snap = { lastT: undefined };
    }
    return this.snap;
  }

  /** Called before any mutation: the current snapshot, if any querier holds it, keeps the old lastT. */
  freezeSnapshot(): void {
    if (this.snap) {
      this.snap.lastT = this.lastT.slice(0, this.nSlots);
      this.snap = undefined;
    }
  }

  selectSlots(matchers: readonly Matcher[]): Uint32Array {
    return selectPostings(this, matchers.map(compileMatcher));
  }

  /** Chunks of a slot overlapping [mint, maxt]; the open chunk is copied (its slot is reused). */
  chunksOf(slot: number, mint: number, maxt: number): ChunkPart[] {
    const out: ChunkPart[] = [];
    const arena = this.arenaOf(slot);
    for (let id = this.firstChunk[slot]!; id >= 0; id = arena.next[id]!) {
      if (arena.maxT[id]! >= mint && arena.minT[id]! <= maxt) {
        out.push({
          bytes: arena.bytes(id),
          count: arena.count[id]!,
          minT: arena.minT[id]!,
          maxT: arena.maxT[id]!,
        });
      }
    }
    const count = this.cCount[slot]!;
    if (count > 0 && this.lastT[slot]! >= mint && this.cMinT[slot]! <= maxt) {
      const page = this.slabPage(slot);
      const base = (slot % SLOTS_PER_PAGE) * SLOT_BYTES;
      out.push({
        bytes: page.slice(base, base + Math.ceil(this.cBits[slot]! / 8)),
        count,
        minT: this.cMinT[slot]!,
        maxT: this.lastT[slot]!,
      });
    }
    return out;
  }

  /** Chunks of a slot fully inside [mint, maxt) for a block cut; chunks never straddle the range. */
  chunksForBlock(slot: number, mint: number, maxt: number): ChunkPart[] {
    const out: ChunkPart[] = [];
    for (const c of this.chunksOf(slot, mint, maxt - 1)) {
      if (c.minT >= mint && c.maxT < maxt) {
        out.push(c);
      }
    }
    return out;
  }

  /** Whether chunksForBlock(slot, mint, maxt) would return anything, without allocating. */
  hasChunksIn(slot: number, mint: number, maxt: number): boolean {
    const arena = this.arenaOf(slot);
    for (let id = this.firstChunk[slot]!; id >= 0; id = arena.next[id]!) {
      if (arena.minT[id]! >= mint && arena.maxT[id]! < maxt) {
        return true;
      }
    }
    return this.cCount[slot]! > 0 && this.cMinT[slot]! >= mint && this.lastT[slot]! < maxt;
  }

  hasChunks(slot: number): boolean {
    return this.firstChunk[slot]! >= 0 || this.cCount[slot]! > 0;
  }

  chunkCount(): number {
    let open = 0;
    for (let s = 0; s < this.nSlots; s++) {
      if (this.live[s] === 1 && this.cCount[s]! > 0) {
        open++;
      }
    }
    return this.arena.n + (this.nextArena?.n ?? 0) + open;
  }

  // --- truncation and GC ------------------------------------------------------------------------

  /**
   * Drops every chunk that ends before `mint` (now in a block), then drops series left without
   * chunks unless an appender holds pending samples for them. Rebuilds the arena, the label pool
   * and the index so memory of dropped series is returned.
   */
  truncate(mint: number): { droppedSeries: number } {
    this.beginTruncate(mint);
    this.truncateSlots(0, this.truncSlots);
    return this.endTruncate();
  }

  /**
   * Starts a truncation done in slices (truncateSlots over [0, truncatingSlots), then
   * endTruncate): each slot's kept chunks move to a fresh arena when its turn comes, and appends
   * meanwhile go to whichever arena the slot uses, so the head stays writable and readable.
   */
  beginTruncate(mint: number): number {
    if (this.nextArena) {
      throw new Error("head truncation already in progress");
    }
    this.freezeSnapshot();
    this.minValidTime = Math.max(this.minValidTime, mint);
    this.hiddenBefore = Math.max(this.hiddenBefore, mint);
    this.epoch++;
    this.nextArena = new ChunkArena();
    this.truncMint = mint;
    this.truncSlots = this.nSlots;
    this.migrated.fill(0, 0, this.nSlots);
    return this.truncSlots;
  }

  /** Moves the kept chunks of slots [from, to) into the new arena. */
  truncateSlots(from: number, to: number): void {
    const old = this.arena;
    const arena = this.nextArena!;
    const mint = this.truncMint;
    for (let s = from; s < to && s < this.nSlots; s++) {
      if (this.live[s] !== 1 || this.migrated[s] === 1) {
        continue;
      }
      let id = this.firstChunk[s]!;
      this.firstChunk[s] = -1;
      this.lastChunk[s] = -1;
      for (; id >= 0; id = old.next[id]!) {
        if (old.maxT[id]! >= mint) {
          const b = old.bytes(id);
          const nid = arena.add(b, 0, b.length, old.minT[id]!, old.maxT[id]!, old.count[id]!);
          this.linkChunk(arena, s, nid);
        } else {
          this.numSamples -= old.count[id]!;
        }
      }
      if (this.cCount[s]! > 0 && this.lastT[s]! < mint) {
        const page = this.slabPage(s);
        const base = (s % SLOTS_PER_PAGE) * SLOT_BYTES;
        page.fill(0, base, base + Math.ceil(this.cBits[s]! / 8));
        this.numSamples -= this.cCount[s]!;
        this.cCount[s] = 0;
        this.cBits[s] = 0;
      }
      this.migrated[s] = 1;
    }
  }

  /** Switches to the new arena and drops series left empty (one pass over the slots). */
  endTruncate(): { droppedSeries: number } {
    this.freezeSnapshot();
    this.truncateSlots(0, this.truncSlots); // slots a caller skipped
    this.arena = this.nextArena!;
    this.nextArena = undefined;
    this.epoch++;
    let minT = Infinity;
    let dropped = 0;
    for (let s = 0; s < this.nSlots; s++) {
      if (this.live[s] !== 1) {
        continue;
      }
      const first = this.firstChunk[s]!;
      if (first >= 0) {
        minT = Math.min(minT, this.arena.minT[first]!);
      } else if (this.cCount[s]! > 0) {
        minT = Math.min(minT, this.cMinT[s]!);
      } else if (this.pendingOwner[s] === 0) {
        this.dropSlot(s);
        dropped++;
      }
    }
    this.minT = minT;
    if (this.numSamples === 0) {
      this.maxT = -Infinity;
    }
    if (dropped > 0) {
      this.rebuildIndex();
    }
    return { droppedSeries: dropped };
  }

  get truncating(): boolean {
    return this.nextArena !== undefined;
  }

  /** The slot range [0, n) the running truncation covers. */
  get truncatingSlots(): number {
    return this.nextArena ? this.truncSlots : 0;
  }

  private dropSlot(s: number): void {
    this.live[s] = 0;
    this.gen[s] = (this.gen[s]! + 1) % 2 ** 29;
    const h = this.hash[s]!;
    if (this.byHash.get(h) === s) {
      const rest = this.collisions.get(h);
      if (rest && rest.length > 0) {
        this.byHash.set(h, rest.shift()!);
        if (rest.length === 0) {
          this.collisions.delete(h);
        }
      } else {
        this.byHash.delete(h);
      }
    } else {
      const rest = this.collisions.get(h);
      if (rest) {
        const i = rest.indexOf(s);
        if (i >= 0) {
          rest.splice(i, 1);
        }
        if (rest.length === 0) {
          this.collisions.delete(h);
        }
      }
    }
    this.freeSlots.push(s);
    this.numSeries--;
  }

  private rebuildIndex(): void {
    const oldPool = this.labelPool;
    const oldSymbols = this.symbols;
    this.labelPool = new Uint32Array(Math.max(1024, this.poolLen));
    this.poolLen = 0;
    this.syms = new Symbols();
    this.symbols = this.syms.list;
    this.postingsMap = new Map();
    this.all = new PostingsList();
    for (let s = 0; s < this.nSlots; s++) {
      if (this.live[s] !== 1) {
        continue;
      }
      const off = this.labelsOff[s]!;
      const len = this.labelsLen[s]!;
      this.labelsOff[s] = this.poolLen;
      for (let k = 0; k < len; k++) {
        const n = oldSymbols[oldPool[off + 2 * k]!]!;
        const v = oldSymbols[oldPool[off + 2 * k + 1]!]!;
        this.labelPool[this.poolLen++] = this.intern(n);
        this.labelPool[this.poolLen++] = this.intern(v);
        this.addPosting(n, v, s);
      }
      this.all.add(s);
    }
    // Trailing free slots can shrink the high-water mark.
    while (this.nSlots > 0 && this.live[this.nSlots - 1] !== 1) {
      this.nSlots--;
    }
    this.freeSlots = this.freeSlots.filter((s) => s < this.nSlots).sort((a, b) => b - a);
  }

  // --- checkpoint support -----------------------------------------------------------------------

  /** Every live slot with its labels and chunks, for a WAL checkpoint. */
  *liveSlots(): Generator<number> {
    for (let s = 0; s < this.nSlots; s++) {
      if (this.live[s] === 1) {
        yield s;
      }
    }
  }

  openChunkState(slot: number): OpenChunkState {
    const page = this.slabPage(slot);
    const base = (slot % SLOTS_PER_PAGE) * SLOT_BYTES;
    return {
      bytes: page.subarray(base, base + Math.ceil(this.cBits[slot]! / 8)),
      count: this.cCount[slot]!,
      minT: this.cMinT[slot]!,
      delta: this.cDelta[slot]!,
      bits: this.cBits[slot]!,
      leading: this.cLead[slot]!,
      trailing: this.cTrail[slot]!,
    };
  }

  /** The slot's closed chunks (views of arena pages; no copy of the open chunk). */
  closedChunks(slot: number): ChunkPart[] {
    const out: ChunkPart[] = [];
    const arena = this.arenaOf(slot);
    for (let id = this.firstChunk[slot]!; id >= 0; id = arena.next[id]!) {
      out.push({
        bytes: arena.bytes(id),
        count: arena.count[id]!,
        minT: arena.minT[id]!,
        maxT: arena.maxT[id]!,
      });
    }
    return out;
  }

  restoreClosedChunk(slot: number, c: ChunkPart): void {
    const arena = this.arenaOf(slot);
    const id = arena.add(c.bytes, 0, c.bytes.length, c.minT, c.maxT, c.count);
    this.linkChunk(arena, slot, id);
    this.numSamples += c.count;
    this.minT = Math.min(this.minT, c.minT);
    this.maxT = Math.max(this.maxT, c.maxT);
  }

  restoreOpenChunk(slot: number, st: OpenChunkState): void {
    const page = this.slabPage(slot);
    const base = (slot % SLOTS_PER_PAGE) * SLOT_BYTES;
    page.set(st.bytes, base);
    this.cCount[slot] = st.count;
    this.cMinT[slot] = st.minT;
    this.cDelta[slot] = st.delta;
    this.cBits[slot] = st.bits;
    this.cLead[slot] = st.leading;
    this.cTrail[slot] = st.trailing;
    this.numSamples += st.count;
    if (st.count > 0) {
      this.minT = Math.min(this.minT, st.minT);
    }
  }

  restoreLast(slot: number, t: number, hi: number, lo: number): void {
    this.lastT[slot] = t;
    this.lastVU32[2 * slot] = lo;
    this.lastVU32[2 * slot + 1] = hi;
    if (t > this.maxT) {
      this.maxT = t;
    }
  }

  // --- memory -----------------------------------------------------------------------------------

  memoryBytes(): number {
    const perSlot = 4 + 1 + 1 + 8 + 8 + 8 + 8 + 4 + 2 + 1 + 1 + 4 + 4 + 4 + 2 + 8 + 8 + 4;
    return (
      this.cap * perSlot +
      this.slab.length * SLOTS_PER_PAGE * SLOT_BYTES +
      this.arena.memoryBytes() +
      (this.nextArena?.memoryBytes() ?? 0) +
      this.labelPool.byteLength
    );
  }

  headChunkBytes(): number {
    let open = 0;
    for (let s = 0; s < this.nSlots; s++) {
      if (this.live[s] === 1) {
        open += Math.ceil(this.cBits[s]! / 8);
      }
    }
    return this.arena.bytesUsed + (this.nextArena?.bytesUsed ?? 0) + open;
  }

  postingsStats(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const [n, byValue] of this.postingsMap) {
      const m = new Map<string, number>();
      for (const [v, p] of byValue) {
        m.set(v, p.n);
      }
      out.set(n, m);
    }
    return out;
  }

  private ensurePool(n: number): void {
    if (n > this.labelPool.length) {
      this.labelPool = grown(this.labelPool, n, this.poolLen);
    }
  }

  private ensureCap(n: number): void {
    if (n <= this.cap) {
      return;
    }
    const cap = grownCapacity(this.cap, n, 1024);
    const g = <T extends TypedArray>(a: T): T => resized(a, cap);
    this.gen = g(this.gen);
    this.live = g(this.live);
    this.walLogged = g(this.walLogged);
    this.lastT = g(this.lastT);
    this.lastV = g(this.lastV);
    this.lastVU32 = new Uint32Array(this.lastV.buffer);
    this.cMinT = g(this.cMinT);
    this.cDelta = g(this.cDelta);
    this.cBits = g(this.cBits);
    this.cCount = g(this.cCount);
    this.cLead = g(this.cLead);
    this.cTrail = g(this.cTrail);
    this.firstChunk = g(this.firstChunk);
    this.lastChunk = g(this.lastChunk);
    this.labelsOff = g(this.labelsOff);
    this.labelsLen = g(this.labelsLen);
    this.hash = g(this.hash);
    this.pendingT = g(this.pendingT);
    this.pendingOwner = g(this.pendingOwner);
    this.pendingI = g(this.pendingI);
    this.migrated = g(this.migrated);
    this.cap = cap;
  }
}
