import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Block, readAheadBytes, writeBlock, type BlockChunk, type BlockSeries } from "./block.js";
import { StorageError } from "./errors.js";

const dirs: string[] = [];
/** Blocks a test opened: closed after it, whatever it threw. */
const opened: Block[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const b of opened.splice(0)) {
    b.close();
  }
  for (const d of dirs.splice(0)) {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

/** A deterministic pseudo-random source, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function bytes(rand: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

/** n series of 1–5 chunks of 100 ms each with column streams of random length and content. */
function makeSeries(n: number, cols: number, seed: number): BlockSeries[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const chunks: BlockChunk[] = [];
    const k = 1 + Math.floor(rand() * 5);
    for (let c = 0; c < k; c++) {
      const colBytes = Array.from({ length: cols }, () => bytes(rand, 20 + Math.floor(rand() * 3000)));
      chunks.push({ minT: c * 100, maxT: c * 100 + 99, count: 10, cols: colBytes });
    }
    return { labels: { __name__: "m", i: String(i).padStart(5, "0") }, chunks };
  });
}

function blockOf(series: BlockSeries[], resolution = 0): Block {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-block-"));
  dirs.push(parent);
  const meta = writeBlock(parent, { minTime: 0, maxTime: 1000, resolution }, series);
  const b = Block.open(path.join(parent, meta.ulid));
  opened.push(b);
  return b;
}

const plain = (chunks: BlockChunk[]) =>
  chunks.map((c) => ({ minT: c.minT, maxT: c.maxT, count: c.count, cols: c.cols.map((x) => [...x]) }));

const want = (s: BlockSeries, mint: number, maxt: number) =>
  plain(s.chunks.filter((c) => c.maxT >= mint && c.minT <= maxt));

describe("Block.readChunks", () => {
  it("returns each series' chunks in time range whatever the order of reads", () => {
    const series = makeSeries(600, 1, 1);
    const b = blockOf(series);
    const rand = rng(2);
    const ids = [...b.allPostings()];
    const orders = [ids, [...ids].reverse(), ids.map((i) => [rand(), i]).sort((x, y) => x[0]! - y[0]!)];
    for (const order of orders) {
      for (const raw of order) {
        const i = Array.isArray(raw) ? raw[1]! : raw;
        const mint = Math.floor(rand() * 500) - 50;
        const maxt = mint + Math.floor(rand() * 400);
        expect(plain(b.readChunks(i, mint, maxt))).toEqual(want(series[i]!, mint, maxt));
      }
    }
  });

  it("returns all five columns of a downsampled block's chunks", () => {
    const series = makeSeries(50, 5, 3);
    const b = blockOf(series, 60_000);
    for (let i = 0; i < series.length; i++) {
      expect(plain(b.readChunks(i, -Infinity, Infinity))).toEqual(want(series[i]!, -Infinity, Infinity));
    }
  });

  it("reads a walk in file order in a few large reads, a sparse one in small ones", () => {
    const series = makeSeries(2000, 1, 4);
    const b = blockOf(series);
    b.allPostings(); // the index is read before counting
    const reads = vi.spyOn(fs, "readSync");
    for (let i = 0; i < series.length; i++) {
      b.readChunks(i, -Infinity, Infinity);
    }
    const total = fs.statSync(path.join(b.dir, "chunks")).size;
    // Windows grow to 1 MiB; without read-ahead this walk takes one read per series.
    expect(reads.mock.calls.length).toBeLessThan(total / (512 << 10) + 8);
    reads.mockClear();
    for (let i = 0; i < series.length; i += 400) {
      b.readChunks(i, -Infinity, Infinity);
    }
    const sizes = reads.mock.calls.map((c) => (c[1] as Buffer).length);
    expect(sizes.length).toBe(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 << 10);
  });

  it("reports a corrupt chunk when its series is read, at the chunk's offset, and marks the block", () => {
    const series = makeSeries(300, 1, 5);
    const b = blockOf(series);
    const ix = b.index();
    const victim = 150;
    const file = path.join(b.dir, "chunks");
    const buf = fs.readFileSync(file);
    const at = ix.fileOff[victim]!;
    buf[at + 3] = buf[at + 3]! ^ 0xff;
    fs.writeFileSync(file, buf);
    for (let i = 0; i < victim; i++) {
      expect(plain(b.readChunks(i, -Infinity, Infinity))).toEqual(want(series[i]!, -Infinity, Infinity));
    }
    let err: unknown;
    try {
      b.readChunks(victim, -Infinity, Infinity);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toBe(`block ${b.meta.ulid}: chunk checksum mismatch at ${at}`);
    expect(b.corrupt).toBe(`block ${b.meta.ulid}: chunk checksum mismatch at ${at}`);
  });

  it("reports a chunks file cut short after open as a short read", () => {
    const series = makeSeries(100, 1, 6);
    const b = blockOf(series);
    const ix = b.index();
    const last = series.length - 1;
    fs.truncateSync(path.join(b.dir, "chunks"), ix.fileOff[last]! + 2);
    expect(() => b.readChunks(last, -Infinity, Infinity)).toThrow(
      `block ${b.meta.ulid}: short read of chunks at ${ix.fileOff[last]}`,
    );
  });

  it("keeps read-ahead windows within a shared budget and frees them on close", () => {
    const before = readAheadBytes();
    const blocks = Array.from({ length: 3 }, (_, k) => blockOf(makeSeries(400, 1, 10 + k)));
    for (const b of blocks) {
      for (let i = 0; i < 400; i++) {
        b.readChunks(i, -Infinity, Infinity);
      }
    }
    expect(readAheadBytes()).toBeGreaterThan(before);
    expect(readAheadBytes()).toBeLessThanOrEqual(16 << 20);
    for (const b of blocks) {
      b.close();
    }
    expect(readAheadBytes()).toBe(before);
  });
});
