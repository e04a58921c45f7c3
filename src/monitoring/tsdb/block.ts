// Immutable on-disk blocks: <dir>/<id>/{meta.json,index,chunks}. The index holds a symbol table,
// each series' labels and chunk metadata, and a trailing CRC32; the chunks file holds each chunk's
// column streams followed by their CRC32, a series' chunks back to back, series in label order
// (so queries, which walk series in label order, read the file forward: see ReadAhead).
// Raw blocks have one column (XOR samples); downsampled blocks five (min, max, sum, count, last).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import type { Labels } from "../model.js";
import { labelsKey } from "./series-key.js";
import { Symbols } from "./symbols.js";
import { ByteReader, ByteWriter, FileBuffer } from "./bytes.js";
import { TsdbErrors } from "./errors.js";
import type { CompiledMatcher, PostingsIndex } from "./matchers.js";
import { selectPostings } from "./matchers.js";
import { EMPTY_POSTINGS } from "./postings.js";
import { grown } from "../typed-arrays.js";

const MAGIC = 0x4c545331; // "LTS1"

export type BlockMeta = {
  ulid: string;
  version: 1;
  minTime: number; // inclusive
  maxTime: number; // exclusive
  /** 0 for raw samples, else the downsampling window in ms. */
  resolution: number;
  stats: { numSamples: number; numSeries: number; numChunks: number };
  indexBytes: number;
  chunksBytes: number;
  createdAt: number;
  /** Block ids this one was merged from (level compaction), if any. */
  sources?: string[];
};

export type BlockChunk = { minT: number; maxT: number; count: number; cols: Uint8Array[] };
export type BlockSeries = { labels: Labels; chunks: BlockChunk[] };

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID: 48-bit creation time then 80 random bits, so ids sort by creation. */
export function ulid(now = Date.now()): string {
  let s = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    s = CROCKFORD[t % 32]! + s;
    t = Math.floor(t / 32);
  }
  const r = randomBytes(16);
  for (let i = 0; i < 16; i++) {
    s += CROCKFORD[r[i]! % 32];
  }
  return s;
}

/** Writes a block (series in any order; they are sorted by labels) via a temp dir and rename. */
export function writeBlock(
  parent: string,
  range: { minTime: number; maxTime: number; resolution: number; sources?: string[] },
  series: BlockSeries[],
): BlockMeta {
  const keyed = series.filter((s) => s.chunks.length > 0).map((s) => ({ s, k: labelsKey(s.labels) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const w = new BlockWriter(parent, range);
  try {
    for (const { s } of keyed) {
      w.add(s);
      if (w.buffered >= FLUSH_BYTES) {
        w.flushSync();
      }
    }
    return w.finishSync();
  } catch (err) {
    w.abort();
    throw err;
  }
}

const FLUSH_BYTES = 4 << 20;

type Range = { minTime: number; maxTime: number; resolution: number; sources?: string[] };

/**
 * Streams a block to <parent>/<id>.tmp one series at a time (callers add series sorted by labels),
 * so a large block can be written in slices between other work; finish renames it into place.
 */
export class BlockWriter {
  readonly id = ulid();
  private readonly tmp: string;
  private readonly syms = new Symbols();
  private readonly symbols = this.syms.list;
  private readonly body = new ByteWriter(1 << 16);
  /** The chunks file's buffer; `written` is where the next series' chunks start, less buffered. */
  private readonly out = new FileBuffer(1 << 20, FLUSH_BYTES + (1 << 20));
  private chunksFd: number;
  private numSamples = 0;
  private numChunks = 0;
  private numSeries = 0;
  private readonly cols: number;
  /** The index as a reader would load it, built as series are added; see Block.adoptIndex. */
  readonly ix: IndexBuilder;

  constructor(
    readonly parent: string,
    private readonly range: Range,
  ) {
    this.tmp = path.join(parent, `${this.id}.tmp`);
    fs.mkdirSync(this.tmp, { recursive: true });
    this.chunksFd = fs.openSync(path.join(this.tmp, "chunks"), "w");
    this.cols = range.resolution === 0 ? 1 : 5;
    this.ix = new IndexBuilder(this.symbols, this.cols);
  }

  add(s: BlockSeries): void {
    if (s.chunks.length === 0) {
      return;
    }
    const body = this.body;
    const cw = this.out.w;
    const ix = this.ix;
    const names = Object.keys(s.labels).sort();
    body.uvarint(names.length);
    ix.beginSeries();
    for (const n of names) {
      const ni = this.syms.intern(n);
      const vi = this.syms.intern(s.labels[n]!);
      body.uvarint(ni);
      body.uvarint(vi);
      ix.label(ni, vi);
    }
    body.uvarint(this.out.written + cw.len);
    ix.fileOff.push(this.out.written + cw.len);
    body.uvarint(s.chunks.length);
    let prevMax = 0;
    for (const c of s.chunks) {
      body.varint(c.minT - prevMax);
      body.uvarint(c.maxT - c.minT);
      prevMax = c.maxT;
      body.uvarint(c.count);
      ix.minT.push(c.minT);
      ix.maxT.push(c.maxT);
      ix.count.push(c.count);
      if (c.cols.length !== this.cols) {
        throw new Error(`block chunk has ${c.cols.length} columns, want ${this.cols}`);
      }
      const start = cw.len;
      for (const col of c.cols) {
        body.uvarint(col.length);
        ix.colLen.push(col.length);
        cw.bytes(col);
      }
      cw.u32(crc32(cw.buf.subarray(start, cw.len)));
      this.numSamples += c.count;
      this.numChunks++;
    }
    this.numSeries++;
  }

  get buffered(): number {
    return this.out.buffered;
  }

  /** Writes the buffered chunk bytes now (add() only buffers; the caller flushes). */
  flushSync(): void {
    this.out.flushSync(this.chunksFd);
  }

  /** Writes the buffered chunk bytes off the event loop. */
  flush(): Promise<void> {
    return this.out.flush(this.chunksFd);
  }

  private index(): Buffer {
    const ix = new ByteWriter(this.body.len + 1024);
    ix.u32(MAGIC);
    ix.uvarint(this.symbols.length);
    for (const s of this.symbols) {
      ix.string(s);
    }
    ix.uvarint(this.numSeries);
    ix.bytes(this.body.view());
    ix.u32(crc32(ix.view()));
    return ix.view();
  }

  private meta(indexBytes: number): BlockMeta {
    const r = this.range;
    return {
      ulid: this.id,
      version: 1,
      minTime: r.minTime,
      maxTime: r.maxTime,
      resolution: r.resolution,
      stats: { numSamples: this.numSamples, numSeries: this.numSeries, numChunks: this.numChunks },
      indexBytes,
      chunksBytes: this.out.written,
      createdAt: Date.now(),
      ...(r.sources ? { sources: r.sources } : {}),
    };
  }

  finishSync(): BlockMeta {
    this.flushSync();
    fs.fsyncSync(this.chunksFd);
    fs.closeSync(this.chunksFd);
    this.chunksFd = -1;
    const ix = this.index();
    fs.writeFileSync(path.join(this.tmp, "index"), ix);
    const meta = this.meta(ix.length);
    fs.writeFileSync(path.join(this.tmp, "meta.json"), JSON.stringify(meta, null, 2));
    fs.renameSync(this.tmp, path.join(this.parent, this.id));
    return meta;
  }

  /** As finishSync, with the fsync and index write off the event loop (libuv's thread pool). */
  async finish(): Promise<BlockMeta> {
    await this.flush();
    const fd = this.chunksFd;
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    fs.closeSync(fd);
    this.chunksFd = -1;
    const ix = this.index();
    await fs.promises.writeFile(path.join(this.tmp, "index"), ix);
    const meta = this.meta(ix.length);
    fs.writeFileSync(path.join(this.tmp, "meta.json"), JSON.stringify(meta, null, 2));
    await fs.promises.rename(this.tmp, path.join(this.parent, this.id));
    return meta;
  }

  /** Drops the unfinished block (an interrupted job); open() removes leftovers of a crash. */
  abort(): void {
    if (this.chunksFd >= 0) {
      fs.closeSync(this.chunksFd);
      this.chunksFd = -1;
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

export type LoadedIndex = {
  symbols: string[];
  labelsOff: Uint32Array; // per series, into pairs; labelsOff[n] = end
  pairs: Uint32Array;
  fileOff: Float64Array; // per series, offset of its first chunk in the chunks file
  chunkStart: Uint32Array; // per series, into chunk arrays; chunkStart[n] = end
  minT: Float64Array;
  maxT: Float64Array;
  count: Uint32Array;
  colLen: Uint32Array; // chunk * cols + col
  postings: Map<string, Map<string, Uint32Array>>;
  all: Uint32Array;
};

/** A growable typed array; the index builder's columns, so they cost no JS heap per entry. */
class Vec<T extends Uint32Array | Float64Array> {
  a: T;
  n = 0;

  constructor(private readonly make: new (n: number) => T) {
    this.a = new make(1024);
  }

  get length(): number {
    return this.n;
  }

  push(x: number): void {
    if (this.n === this.a.length) {
      this.a = grown(this.a);
    }
    this.a[this.n++] = x;
  }

  /** A right-sized copy (the builder's buffer may be twice as large). */
  done(extra?: number): T {
    const out = new this.make(this.n + (extra === undefined ? 0 : 1));
    out.set(this.a.subarray(0, this.n) as never);
    if (extra !== undefined) {
      out[this.n] = extra;
    }
    return out;
  }
}

/** Accumulates a block's in-memory index series by series (from the file, or while writing). */
export class IndexBuilder {
  readonly pairs = new Vec(Uint32Array);
  readonly labelsOff = new Vec(Uint32Array);
  readonly fileOff = new Vec(Float64Array);
  readonly chunkStart = new Vec(Uint32Array);
  readonly minT = new Vec(Float64Array);
  readonly maxT = new Vec(Float64Array);
  readonly count = new Vec(Uint32Array);
  readonly colLen = new Vec(Uint32Array);
  private readonly postings = new Map<string, Map<string, Vec<Uint32Array>>>();
  private n = -1;

  constructor(
    readonly symbols: string[],
    readonly cols: number,
  ) {}

  beginSeries(): void {
    this.n++;
    this.labelsOff.push(this.pairs.length);
    this.chunkStart.push(this.minT.length);
  }

  label(ni: number, vi: number): void {
    this.pairs.push(ni);
    this.pairs.push(vi);
    const name = this.symbols[ni]!;
    let byValue = this.postings.get(name);
    if (!byValue) {
      byValue = new Map();
      this.postings.set(name, byValue);
    }
    const v = this.symbols[vi]!;
    let list = byValue.get(v);
    if (!list) {
      list = new Vec(Uint32Array);
      byValue.set(v, list);
    }
    list.push(this.n);
  }

  build(): LoadedIndex {
    const n = this.n + 1;
    const frozen = new Map<string, Map<string, Uint32Array>>();
    for (const [name, byValue] of this.postings) {
      const m = new Map<string, Uint32Array>();
      for (const [v, list] of byValue) {
        m.set(v, list.done());
      }
      frozen.set(name, m);
    }
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      all[i] = i;
    }
    return {
      symbols: this.symbols,
      labelsOff: this.labelsOff.done(this.pairs.length),
      pairs: this.pairs.done(),
      fileOff: this.fileOff.done(),
      chunkStart: this.chunkStart.done(this.minT.length),
      minT: this.minT.done(),
      maxT: this.maxT.done(),
      count: this.count.done(),
      colLen: this.colLen.done(),
      postings: frozen,
      all,
    };
  }
}

/** Chunk bytes [start, end) of a chunks file; gen tells apart the reads of one block. */
type ChunkWindow = { buf: Buffer; start: number; end: number; gen: number };

const WINDOW_MIN = 32 << 10;
const WINDOW_MAX = 1 << 20;
/** Bound on the windows kept by all blocks together (a process may have hundreds of blocks). */
const WINDOWS_BUDGET = 16 << 20;

/** The windows kept by all blocks, oldest first; the oldest go when the budget is exceeded. */
const kept: { w: ChunkWindow; owner: ReadAhead }[] = [];
let keptBytes = 0;

/** Bytes held by the kept windows of all blocks. */
export function readAheadBytes(): number {
  return keptBytes;
}

function releaseWindow(w: ChunkWindow): void {
  const at = kept.findIndex((k) => k.w === w);
  if (at >= 0) {
    keptBytes -= w.buf.length;
    kept.splice(at, 1);
  }
}

/**
 * A block's read-ahead: up to two windows of its chunks file (a query and a compaction may walk
 * it at once). A read that runs past a window's end doubles the next one (up to WINDOW_MAX), as
 * a walk in file order does; any other read starts small, so sparse selections read little extra.
 */
class ReadAhead {
  private readonly windows: ChunkWindow[] = [];

  /** The kept window holding [start, end). */
  find(start: number, end: number): ChunkWindow | undefined {
    for (const w of this.windows) {
      if (w.start <= start && end <= w.end) {
        return w;
      }
    }
    return undefined;
  }

  /** How many bytes to read for a read of len bytes at start that no window holds. */
  nextSize(start: number, len: number): number {
    let size = WINDOW_MIN;
    for (const w of this.windows) {
      const span = w.end - w.start;
      if (start >= w.start && start < w.end + span) {
        size = Math.max(size, Math.min(2 * span, WINDOW_MAX));
      }
    }
    return len >= size ? len : size;
  }

  /** Keeps w, replacing the window it continues (or the older one). */
  keep(w: ChunkWindow): void {
    let at = this.windows.findIndex((o) => w.start >= o.start && w.start < o.end + (o.end - o.start));
    if (at < 0 && this.windows.length >= 2) {
      at = this.windows[0]!.gen < this.windows[1]!.gen ? 0 : 1;
    }
    if (at >= 0) {
      releaseWindow(this.windows[at]!);
      this.windows[at] = w;
    } else {
      this.windows.push(w);
    }
    kept.push({ w, owner: this });
    keptBytes += w.buf.length;
    while (keptBytes > WINDOWS_BUDGET && kept.length > 1) {
      const old = kept[0]!;
      old.owner.forget(old.w);
    }
  }

  /** Drops w (the shared budget is full); its chunks stay valid for whoever holds them. */
  private forget(w: ChunkWindow): void {
    const at = this.windows.indexOf(w);
    if (at >= 0) {
      this.windows.splice(at, 1);
    }
    releaseWindow(w);
  }

  drop(): void {
    for (const w of this.windows) {
      releaseWindow(w);
    }
    this.windows.length = 0;
  }
}

/** A persisted block; its index is loaded on first use and verified against its checksum. */
export class Block implements PostingsIndex {
  private ix: LoadedIndex | undefined;
  private fd = -1;
  private readonly windows = new ReadAhead();
  private windowGen = 0;
  /** Per chunk, the window generation in which its CRC was last checked (0: never). */
  private checkedGen: Uint32Array | undefined;
  corrupt: string | undefined;
  readonly cols: number;

  constructor(
    readonly dir: string,
    readonly meta: BlockMeta,
  ) {
    this.cols = meta.resolution === 0 ? 1 : 5;
  }

  static open(dir: string): Block {
    let meta: BlockMeta;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(dir, "meta.json"), "utf8")) as BlockMeta;
    } catch (err) {
      throw TsdbErrors.corrupt(`block ${dir}: unreadable meta.json: ${(err as Error).message}`);
    }
    if (meta.version !== 1 || typeof meta.minTime !== "number" || typeof meta.maxTime !== "number") {
      throw TsdbErrors.corrupt(`block ${dir}: unsupported meta.json`);
    }
    const b = new Block(dir, meta);
    const size = fs.statSync(path.join(dir, "chunks")).size;
    if (size !== meta.chunksBytes || fs.statSync(path.join(dir, "index")).size !== meta.indexBytes) {
      throw TsdbErrors.corrupt(`block ${meta.ulid}: file sizes differ from meta.json`);
    }
    return b;
  }

  sizeBytes(): number {
    return this.meta.indexBytes + this.meta.chunksBytes + 512;
  }

  /** Loads and verifies the index; throws a corrupt StorageError (and marks the block) on mismatch. */
  index(): LoadedIndex {
    if (this.ix) {
      return this.ix;
    }
    if (this.corrupt) {
      throw TsdbErrors.corrupt(this.corrupt);
    }
    try {
      this.ix = this.loadIndex();
      return this.ix;
    } catch (err) {
      this.corrupt = `block ${this.meta.ulid}: ${(err as Error).message}`;
      throw TsdbErrors.corrupt(this.corrupt);
    }
  }

  private loadIndex(): LoadedIndex {
    const data = fs.readFileSync(path.join(this.dir, "index"));
    if (data.length < 8 || crc32(data.subarray(0, data.length - 4)) !== data.readUInt32LE(data.length - 4)) {
      throw new Error("index checksum mismatch");
    }
    const r = new ByteReader(data, 0, data.length - 4);
    if (r.u32() !== MAGIC) {
      throw new Error("bad index magic");
    }
    const nsym = r.uvarint();
    const symbols: string[] = new Array<string>(nsym);
    for (let i = 0; i < nsym; i++) {
      symbols[i] = r.string();
    }
    const b = new IndexBuilder(symbols, this.cols);
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const k = r.uvarint();
      b.beginSeries();
      for (let j = 0; j < k; j++) {
        const ni = r.uvarint();
        const vi = r.uvarint();
        if (ni >= nsym || vi >= nsym) {
          throw new Error("symbol out of range");
        }
        b.label(ni, vi);
      }
      b.fileOff.push(r.uvarint());
      const nc = r.uvarint();
      let prevMax = 0;
      for (let c = 0; c < nc; c++) {
        const mn = prevMax + r.varint();
        const mx = mn + r.uvarint();
        prevMax = mx;
        b.minT.push(mn);
        b.maxT.push(mx);
        b.count.push(r.uvarint());
        for (let col = 0; col < this.cols; col++) {
          b.colLen.push(r.uvarint());
        }
      }
    }
    return b.build();
  }

  /** Installs the index its writer built while writing (no re-read and parse of a fresh block). */
  adoptIndex(ix: LoadedIndex): void {
    this.ix = ix;
  }

  allPostings(): Uint32Array {
    return this.index().all;
  }

  valuesOf(name: string): Iterable<string> {
    return this.index().postings.get(name)?.keys() ?? [];
  }

  postings(name: string, value: string): Uint32Array {
    return this.index().postings.get(name)?.get(value) ?? EMPTY_POSTINGS;
  }

  labelNames(): string[] {
    return [...this.index().postings.keys()];
  }

  labelsOf(i: number): Labels {
    const ix = this.index();
    const out: Record<string, string> = {};
    for (let p = ix.labelsOff[i]!; p < ix.labelsOff[i + 1]!; p += 2) {
      out[ix.symbols[ix.pairs[p]!]!] = ix.symbols[ix.pairs[p + 1]!]!;
    }
    return out;
  }

  select(ms: readonly CompiledMatcher[]): Uint32Array {
    return selectPostings(this, ms);
  }

  /**
   * The chunks of series i overlapping [mint, maxt], checked against their CRCs. Series are read
   * in file order, so the bytes come from a read-ahead window (see ReadAhead) when they fall in
   * one; a chunk is checked once per read of its bytes. A mismatch marks the block corrupt and throws.
   */
  readChunks(i: number, mint: number, maxt: number): BlockChunk[] {
    const ix = this.index();
    const c0 = ix.chunkStart[i]!;
    const c1 = ix.chunkStart[i + 1]!;
    let first = -1;
    let last = -1;
    let off = ix.fileOff[i]!;
    let startOff = 0;
    let endOff = 0;
    for (let c = c0; c < c1; c++) {
      let size = 4;
      for (let col = 0; col < this.cols; col++) {
        size += ix.colLen[c * this.cols + col]!;
      }
      if (ix.maxT[c]! >= mint && ix.minT[c]! <= maxt) {
        if (first < 0) {
          first = c;
          startOff = off;
        }
        last = c;
        endOff = off + size;
      }
      off += size;
    }
    if (first < 0) {
      return [];
    }
    const w = this.bytesAt(startOff, endOff);
    return this.decodeChunks(w, startOff, [first, last], [mint, maxt], ix);
  }

  /** A window holding the chunk bytes [startOff, endOff): a kept one, or a fresh read. */
  private bytesAt(startOff: number, endOff: number): ChunkWindow {
    const kept = this.windows.find(startOff, endOff);
    if (kept) {
      return kept;
    }
    const size = this.windows.nextSize(startOff, endOff - startOff);
    const want = Math.min(size, this.meta.chunksBytes - startOff);
    const buf = Buffer.allocUnsafe(Math.max(want, endOff - startOff));
    if (this.fd < 0) {
      this.fd = fs.openSync(path.join(this.dir, "chunks"), "r");
    }
    const got = fs.readSync(this.fd, buf, 0, buf.length, startOff);
    if (got < endOff - startOff) {
      this.markCorrupt(`short read of chunks at ${startOff}`);
    }
    const w: ChunkWindow = { buf, start: startOff, end: startOff + got, gen: ++this.windowGen };
    if (size > endOff - startOff) {
      this.windows.keep(w);
    }
    return w;
  }

  /** Chunks first..last (which start at file offset startOff) from window w, CRC-checked. */
  private decodeChunks(
    w: ChunkWindow,
    startOff: number,
    [first, last]: [number, number],
    [mint, maxt]: [number, number],
    ix: LoadedIndex,
  ): BlockChunk[] {
    const checked = (this.checkedGen ??= new Uint32Array(ix.minT.length));
    const buf = w.buf;
    // Plain Uint8Array views: Buffer.subarray costs several times more per call.
    const ab = buf.buffer;
    const base = buf.byteOffset;
    const out: BlockChunk[] = [];
    let p = startOff - w.start;
    for (let c = first; c <= last; c++) {
      const start = p;
      const cols: Uint8Array[] = [];
      for (let col = 0; col < this.cols; col++) {
        const len = ix.colLen[c * this.cols + col]!;
        cols.push(new Uint8Array(ab, base + p, len));
        p += len;
      }
      if (checked[c] !== w.gen) {
        if (crc32(new Uint8Array(ab, base + start, p - start)) !== buf.readUInt32LE(p)) {
          this.markCorrupt(`chunk checksum mismatch at ${w.start + start}`);
        }
        checked[c] = w.gen;
      }
      p += 4;
      if (ix.maxT[c]! >= mint && ix.minT[c]! <= maxt) {
        out.push({ minT: ix.minT[c]!, maxT: ix.maxT[c]!, count: ix.count[c]!, cols });
      }
    }
    return out;
  }

  private markCorrupt(why: string): never {
    this.corrupt = `block ${this.meta.ulid}: ${why}`;
    throw TsdbErrors.corrupt(this.corrupt);
  }

  /** Every series with all its chunks (compaction, downsampling, tests). */
  *allSeries(): Generator<BlockSeries> {
    const ix = this.index();
    const n = ix.labelsOff.length - 1;
    for (let i = 0; i < n; i++) {
      yield { labels: this.labelsOf(i), chunks: this.readChunks(i, -Infinity, Infinity) };
    }
  }

  close(): void {
    this.windows.drop();
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}
