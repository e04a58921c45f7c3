// Closed head chunks packed into large shared pages, with their metadata in typed arrays, so a
// series' closed chunks cost a few dozen bytes of metadata and no JS object each.

import { grownCapacity, resized } from "../typed-arrays.js";

const PAGE_BYTES = 1 << 20;

export class ChunkArena {
  private pages: Uint8Array[] = [];
  private used = PAGE_BYTES; // forces a page on first add
  n = 0;
  bytesUsed = 0;
  page = new Uint32Array(1024);
  off = new Uint32Array(1024);
  len = new Uint32Array(1024);
  count = new Uint16Array(1024);
  minT = new Float64Array(1024);
  maxT = new Float64Array(1024);
  next = new Int32Array(1024);

  add(src: Uint8Array, from: number, len: number, minT: number, maxT: number, count: number): number {
    if (this.used + len > PAGE_BYTES) {
      this.pages.push(new Uint8Array(Math.max(PAGE_BYTES, len)));
      this.used = 0;
    }
    if (this.n === this.page.length) {
      this.grow();
    }
    const id = this.n++;
    const p = this.pages.length - 1;
    this.pages[p]!.set(src.subarray(from, from + len), this.used);
    this.page[id] = p;
    this.off[id] = this.used;
    this.len[id] = len;
    this.count[id] = count;
    this.minT[id] = minT;
    this.maxT[id] = maxT;
    this.next[id] = -1;
    this.used += len;
    this.bytesUsed += len;
    return id;
  }

  /** The chunk's bytes. Pages are never rewritten, so the view stays valid after later adds. */
  bytes(id: number): Uint8Array {
    const o = this.off[id]!;
    return this.pages[this.page[id]!]!.subarray(o, o + this.len[id]!);
  }

  memoryBytes(): number {
    return this.pages.length * PAGE_BYTES + this.page.length * (4 + 4 + 4 + 2 + 8 + 8 + 4);
  }

  private grow(): void {
    const cap = grownCapacity(this.page.length, this.n + 1);
    this.page = resized(this.page, cap);
    this.off = resized(this.off, cap);
    this.len = resized(this.len, cap);
    this.count = resized(this.count, cap);
    this.minT = resized(this.minT, cap);
    this.maxT = resized(this.maxT, cap);
    this.next = resized(this.next, cap);
  }
}
