// Closed head chunks packed into large shared pages, with their metadata in typed arrays, so a
// series' closed chunks cost a few dozen bytes of metadata and no JS object each.

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
    const cap = this.page.length * 2;
    const g = <T extends Uint32Array | Uint16Array | Float64Array | Int32Array>(
      a: T,
      make: new (n: number) => T,
    ): T => {
      const b = new make(cap);
      b.set(a as never);
      return b;
    };
    this.page = g(this.page, Uint32Array);
    this.off = g(this.off, Uint32Array);
    this.len = g(this.len, Uint32Array);
    this.count = g(this.count, Uint16Array);
    this.minT = g(this.minT, Float64Array);
    this.maxT = g(this.maxT, Float64Array);
    this.next = g(this.next, Int32Array);
  }
}
