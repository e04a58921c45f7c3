// The write-ahead log: append-only segment files under <dir>/wal/ holding series and sample
// records, written from an in-memory buffer on a flush timer (one write() per flush, fsync
// optional), plus checkpoints that snapshot the head so older segments can be deleted.
//
// Durability: a commit is in memory until the next flush (at most walFlushIntervalMs later, or
// sooner when the buffer passes 4 MiB). A SIGKILL loses at most the commits of the last flush
// interval; with fsync off, a power loss can also lose what the OS had not written back.
import fs from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import type { Labels } from "../model.js";
import { ByteReader, ByteWriter, FileBuffer, writeAllSync } from "./bytes.js";

export const REC_SERIES = 1;
export const REC_SAMPLES = 2;
export const REC_CHUNKS = 3;
export const REC_META = 4;
const HEADER = 9; // type u8, payload length u32, crc32 u32
const FLUSH_AT_BYTES = 4 << 20;

export type Logger = {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
};

export type WalOptions = {
  flushIntervalMs: number;
  fsync: boolean;
  segmentBytes: number;
  logger: Logger | undefined;
  onFlush: (() => void) | undefined;
};

/** Receives records during replay; payload readers are positioned after the record header. */
export type ReplayHandler = (type: number, r: ByteReader) => void;

const segName = (n: number) => String(n).padStart(8, "0");
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export class Wal {
  private w = new ByteWriter(1 << 16);
  private fd = -1;
  private seg = 0;
  private segSize = 0;
  private timer: NodeJS.Timeout | undefined;
  private recStart = 0;
  bytesFlushed = 0;

  private constructor(
    readonly dir: string,
    private readonly o: WalOptions,
  ) {}

  static open(dir: string, o: WalOptions): Wal {
    fs.mkdirSync(dir, { recursive: true });
    return new Wal(dir, o);
  }

  private listSegments(): number[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^\d{8}$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  private listCheckpoints(): number[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^checkpoint\.\d{8}$/.test(f))
      .map((f) => Number(f.slice(11)))
      .sort((a, b) => a - b);
  }

  /**
   * Replays the newest checkpoint and the segments after it, then starts a fresh segment. A torn or
   * corrupt record ends the replay: the segment is truncated there (and later segments deleted),
   * with a warning, so the log is appendable again.
   */
  replay(handle: ReplayHandler): { records: number; truncated: boolean } {
    let records = 0;
    let truncated = false;
    const cps = this.listCheckpoints();
    const cp = cps.at(-1);
    if (cp !== undefined) {
      const file = path.join(this.dir, `checkpoint.${segName(cp)}`);
      const data = fs.readFileSync(file);
      const res = this.replayBuffer(data, handle);
      records += res.records;
      if (res.badAt >= 0) {
        this.o.logger?.error(
          { file, offset: res.badAt },
          "tsdb: WAL checkpoint is corrupt; replaying what was readable",
        );
      }
    }
    const segs = this.listSegments().filter((s) => cp === undefined || s >= cp);
    for (let i = 0; i < segs.length; i++) {
      const file = path.join(this.dir, segName(segs[i]!));
      const data = fs.readFileSync(file);
      const res = this.replayBuffer(data, handle);
      records += res.records;
      if (res.badAt >= 0) {
        truncated = true;
        const later = segs.slice(i + 1);
        this.o.logger?.warn(
          { file, offset: res.badAt, size: data.length, deletedLaterSegments: later.length },
          "tsdb: torn or corrupt WAL tail truncated",
        );
        fs.truncateSync(file, res.badAt);
        for (const s of later) {
          fs.rmSync(path.join(this.dir, segName(s)), { force: true });
        }
        break;
      }
    }
    for (const f of fs.readdirSync(this.dir)) {
      if (/^checkpoint\.\d{8}\.tmp$/.test(f)) {
        fs.rmSync(path.join(this.dir, f), { force: true }); // a checkpoint cut short by a crash
      }
    }
    for (const old of cps.slice(0, -1)) {
      fs.rmSync(path.join(this.dir, `checkpoint.${segName(old)}`), { force: true });
    }
    const last = Math.max(this.listSegments().at(-1) ?? 0, cp ?? 0);
    this.openSegment(last + 1);
    return { records, truncated };
  }

  private replayBuffer(data: Buffer, handle: ReplayHandler): { records: number; badAt: number } {
    let pos = 0;
    let records = 0;
    while (pos < data.length) {
      if (pos + HEADER > data.length) {
        return { records, badAt: pos };
      }
      const type = data[pos]!;
      const len = data.readUInt32LE(pos + 1);
      const crc = data.readUInt32LE(pos + 5);
      const end = pos + HEADER + len;
      if (type < REC_SERIES || type > REC_META || end > data.length) {
        return { records, badAt: pos };
      }
      const payload = data.subarray(pos + HEADER, end);
      if (crc32(payload) !== crc) {
        return { records, badAt: pos };
      }
      try {
        handle(type, new ByteReader(payload));
      } catch {
        return { records, badAt: pos };
      }
      records++;
      pos = end;
    }
    return { records, badAt: -1 };
  }

  private openSegment(n: number): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
    }
    this.seg = n;
    this.fd = fs.openSync(path.join(this.dir, segName(n)), "a");
    this.segSize = fs.fstatSync(this.fd).size;
    if (!this.timer && this.o.flushIntervalMs > 0) {
      this.timer = setInterval(() => this.flush(), this.o.flushIntervalMs);
      this.timer.unref();
    }
  }

  // --- record writing (into the buffer) ---------------------------------------------------------

  private begin(type: number): ByteWriter {
    const w = this.w;
    this.recStart = w.len;
    w.ensure(HEADER);
    w.buf[w.len] = type;
    w.len += HEADER;
    return w;
  }

  private end(): void {
    const w = this.w;
    const payload = w.buf.subarray(this.recStart + HEADER, w.len);
    w.buf.writeUInt32LE(payload.length, this.recStart + 1);
    w.buf.writeUInt32LE(crc32(payload), this.recStart + 5);
  }

  logSeries(entries: readonly { ref: number; labels: Labels }[]): void {
    if (entries.length === 0) {
      return;
    }
    const w = this.begin(REC_SERIES);
    encodeSeries(w, entries);
    this.end();
  }

  /**
   * Samples: ref and t as zigzag deltas, the value as one tag byte: 0 = same bits as the series'
   * previous value (the replaying head knows it), 1 = small integer varint, 2 = raw 8 bytes.
   */
  logSamples(refs: Float64Array, ts: Float64Array, vs: Float64Array, same: Uint8Array, n: number): void {
    if (n === 0) {
      return;
    }
    const w = this.begin(REC_SAMPLES);
    const vsU32 = new Uint32Array(vs.buffer, vs.byteOffset, n * 2);
    w.uvarint(n);
    let prevRef = 0;
    let prevT = 0;
    for (let i = 0; i < n; i++) {
      w.ensure(32);
      const ref = refs[i]!;
      w.varint(ref - prevRef);
      prevRef = ref;
      const t = ts[i]!;
      w.varint(t - prevT);
      prevT = t;
      if (same[i] === 1) {
        w.buf[w.len++] = 0;
        continue;
      }
      const v = vs[i]!;
      if (Number.isSafeInteger(v) && Math.abs(v) < 2 ** 48 && !Object.is(v, -0)) {
        w.buf[w.len++] = 1;
        w.varint(v);
      } else {
        w.buf[w.len++] = 2;
        w.bits64(vsU32[2 * i + 1]!, vsU32[2 * i]!);
      }
    }
    this.end();
    if (this.w.len >= FLUSH_AT_BYTES) {
      this.flush();
    }
  }

  /** Writes the buffer to the current segment: one write() (and fsync if configured). */
  flush(): void {
    if (this.fd < 0) {
      return;
    }
    if (this.w.len > 0) {
      const data = this.w.view();
      writeAllSync(this.fd, data);
      this.segSize += data.length;
      this.bytesFlushed += data.length;
      this.w.len = 0;
      if (this.o.fsync) {
        fs.fsyncSync(this.fd);
      }
      if (this.segSize >= this.o.segmentBytes) {
        this.openSegment(this.seg + 1);
      }
    }
    this.o.onFlush?.();
  }

  /**
   * Starts a checkpoint that the caller fills over several slices while appends go on. Samples
   * logged meanwhile land in the new segment N and are replayed after the checkpoint; replay
   * skips those the checkpoint already holds (they are not newer than the series' last sample),
   * so a checkpoint taken series by series is still exact.
   */
  beginCheckpoint(): CheckpointWriter {
    this.flush();
    const next = this.seg + 1;
    this.openSegment(next);
    return new CheckpointWriter(this.dir, next, () => this.dropBefore(next));
  }

  private dropBefore(next: number): void {
    for (const s of this.listSegments()) {
      if (s < next) {
        fs.rmSync(path.join(this.dir, segName(s)), { force: true });
      }
    }
    for (const c of this.listCheckpoints()) {
      if (c < next) {
        fs.rmSync(path.join(this.dir, `checkpoint.${segName(c)}`), { force: true });
      }
    }
  }

  sizeBytes(): number {
    let total = this.w.len;
    for (const f of fs.readdirSync(this.dir)) {
      try {
        total += fs.statSync(path.join(this.dir, f)).size;
      } catch {
        // deleted meanwhile
      }
    }
    return total;
  }

  close(): void {
    this.flush();
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

export function encodeSeries(w: ByteWriter, entries: readonly { ref: number; labels: Labels }[]): void {
  w.uvarint(entries.length);
  for (const e of entries) {
    w.uvarint(e.ref);
    const names = Object.keys(e.labels);
    w.uvarint(names.length);
    for (const n of names) {
      w.string(n);
      w.string(e.labels[n]!);
    }
  }
}

export function decodeSeries(r: ByteReader, each: (ref: number, labels: Labels) => void): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const ref = r.uvarint();
    const k = r.uvarint();
    const labels: Record<string, string> = {};
    for (let j = 0; j < k; j++) {
      const name = r.string();
      labels[name] = r.string();
    }
    each(ref, labels);
  }
}

/** Decodes a samples record; `prevBits(ref)` gives the series' previous value bits for tag 0. */
export function decodeSamples(
  r: ByteReader,
  each: (ref: number, t: number, hi: number, lo: number) => void,
  prevBits: (ref: number, out: Uint32Array) => void,
): void {
  const n = r.uvarint();
  let ref = 0;
  let t = 0;
  const bits = new Uint32Array(2);
  for (let i = 0; i < n; i++) {
    ref += r.varint();
    t += r.varint();
    const tag = r.u8();
    if (tag === 0) {
      prevBits(ref, bits);
    } else if (tag === 1) {
      f64[0] = r.varint();
      bits[0] = u32[0]!;
      bits[1] = u32[1]!;
    } else if (tag === 2) {
      r.bits64(bits, 0);
    } else {
      throw new RangeError(`bad value tag ${tag}`);
    }
    each(ref, t, bits[1]!, bits[0]!);
  }
}

/** One checkpoint being written: records go to a buffer that is written out every few MiB. */
export class CheckpointWriter {
  private readonly out = new FileBuffer(1 << 20, 5 << 20);
  private fd: number;
  private readonly file: string;
  private done = false;

  constructor(
    dir: string,
    readonly segment: number,
    private readonly onDone: () => void,
  ) {
    this.file = path.join(dir, `checkpoint.${segName(segment)}`);
    this.fd = fs.openSync(`${this.file}.tmp`, "w");
  }

  record(type: number, body: (w: ByteWriter) => void): void {
    const cw = this.out.w;
    const start = cw.len;
    cw.ensure(HEADER);
    cw.buf[cw.len] = type;
    cw.len += HEADER;
    body(cw);
    const payload = cw.buf.subarray(start + HEADER, cw.len);
    cw.buf.writeUInt32LE(payload.length, start + 1);
    cw.buf.writeUInt32LE(crc32(payload), start + 5);
  }

  get buffered(): number {
    return this.out.buffered;
  }

  /** Writes the buffered records off the event loop. */
  flush(): Promise<void> {
    return this.out.flush(this.fd);
  }

  /** Writes the buffered records now (record() only buffers; the caller flushes). */
  flushSync(): void {
    this.out.flushSync(this.fd);
  }

  finishSync(): void {
    this.flushSync();
    fs.fsyncSync(this.fd);
    this.complete();
  }

  /** As finishSync with the fsync in libuv's thread pool. */
  async finish(): Promise<void> {
    await this.flush();
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    if (this.done) {
      return; // aborted meanwhile
    }
    this.complete();
  }

  private complete(): void {
    fs.closeSync(this.fd);
    this.fd = -1;
    this.done = true;
    fs.renameSync(`${this.file}.tmp`, this.file);
    this.onDone();
  }

  /** Drops the partial checkpoint; the segments it would have replaced stay. */
  abort(): void {
    if (this.done) {
      return;
    }
    this.done = true;
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    fs.rmSync(`${this.file}.tmp`, { force: true });
  }
}
