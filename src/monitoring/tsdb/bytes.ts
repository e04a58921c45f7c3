// Growable byte writer and bounds-checked reader for the WAL and block formats: varints (up to
// 2^53), zigzag, little-endian u32, and float64 copied as raw bits (NaN payloads survive); and
// writing a finished buffer out without blocking the event loop.
import fs from "node:fs";
import { grownBuffer } from "../typed-arrays.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export class ByteWriter {
  buf: Buffer;
  len = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  ensure(n: number): void {
    if (this.len + n > this.buf.length) {
      this.buf = grownBuffer(this.buf, this.len + n, this.len);
    }
  }

  u8(x: number): void {
    this.ensure(1);
    this.buf[this.len++] = x;
  }

  u32(x: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(x >>> 0, this.len);
    this.len += 4;
  }

  uvarint(x: number): void {
    this.ensure(8);
    const b = this.buf;
    let p = this.len;
    if (x < 0x80000000) {
      // Refs, time deltas and counter values: int32 shifts instead of float division.
      while (x >= 0x80) {
        b[p++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
    } else {
      while (x >= 0x80) {
        b[p++] = (x % 0x80) | 0x80;
        x = Math.floor(x / 0x80);
      }
    }
    b[p++] = x;
    this.len = p;
  }

  varint(x: number): void {
    this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  /** The float64's exact bits. */
  f64(x: number): void {
    f64[0] = x;
    this.bits64(u32[1]!, u32[0]!);
  }

  bits64(hi: number, lo: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(lo >>> 0, this.len);
    this.buf.writeUInt32LE(hi >>> 0, this.len + 4);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(s: string): void {
    if (s.length < 0x80 && this.asciiString(s)) {
      return;
    }
    const n = Buffer.byteLength(s);
    this.uvarint(n);
    this.ensure(n);
    this.buf.write(s, this.len, "utf8");
    this.len += n;
  }

  /**
   * A short ASCII string byte by byte: label names and values are, and two calls into C++ per
   * string (byteLength, write) cost more than the copy. False (nothing written) for any other char.
   */
  private asciiString(s: string): boolean {
    const n = s.length;
    this.ensure(n + 1);
    const b = this.buf;
    const p = this.len + 1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        return false;
      }
      b[p + i] = c;
    }
    b[this.len] = n; // uvarint of n < 128
    this.len = p + n;
    return true;
  }

  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class ByteReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw new RangeError("read past end");
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  uvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      x += (b & 0x7f) * mul;
      if (b < 0x80) {
        return x;
      }
      mul *= 0x80;
    }
    throw new RangeError("varint too long");
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** Reads 8 bytes as [hi, lo] into out (no double is materialised). */
  bits64(out: Uint32Array, at: number): void {
    const lo = this.u32();
    const hi = this.u32();
    out[at] = lo;
    out[at + 1] = hi;
  }

  f64(): number {
    u32[0] = this.u32();
    u32[1] = this.u32();
    return f64[0]!;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(): string {
    const n = this.uvarint();
    const b = this.bytes(n);
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString("utf8");
  }
}

/** Writes all of data at the fd's position via libuv's thread pool. */
async function writeAll(fd: number, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    off += await new Promise<number>((resolve, reject) =>
      fs.write(fd, data, off, data.length - off, null, (err, n) => (err ? reject(err) : resolve(n))),
    );
  }
}

/** Writes all of `data` at the file's position now. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    off += fs.writeSync(fd, data, off, data.length - off);
  }
}

/**
 * A ByteWriter in front of a file. flush() writes it with libuv's thread pool while a second
 * buffer takes new bytes: two take turns, as a fresh multi-MiB buffer per flush made V8 run a full
 * GC every few flushes (external memory pressure). flushSync() writes in place.
 */
export class FileBuffer {
  w: ByteWriter;
  private spare: ByteWriter | undefined;
  /** Bytes handed to the file so far, a flush in flight included. */
  written = 0;

  constructor(
    initialBytes: number,
    private readonly spareBytes: number,
  ) {
    this.w = new ByteWriter(initialBytes);
  }

  get buffered(): number {
    return this.w.len;
  }

  async flush(fd: number): Promise<void> {
    const full = this.w;
    if (full.len === 0) {
      return;
    }
    this.written += full.len;
    this.w = this.spare ?? new ByteWriter(this.spareBytes);
    this.spare = undefined;
    await writeAll(fd, full.view());
    full.len = 0;
    this.spare = full;
  }

  flushSync(fd: number): void {
    writeAllSync(fd, this.w.view());
    this.written += this.w.len;
    this.w.len = 0;
  }
}
