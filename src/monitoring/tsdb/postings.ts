// Sorted series-ref lists (postings) and the set operations the index needs on them. Lists are
// ascending Uint32Arrays without duplicates; results are fresh arrays or one of the inputs.

import { grown } from "../typed-arrays.js";

export const EMPTY_POSTINGS = new Uint32Array(0);

export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) {
    [a, b] = [b, a];
  }
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) {
      j++;
    }
    if (j < b.length && b[j] === x) {
      out[n++] = x;
      j++;
    }
  }
  return out.subarray(0, n);
}

/** a minus b. */
export function subtract(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (b.length === 0 || a.length === 0) {
    return a;
  }
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) {
      j++;
    }
    if (j >= b.length || b[j] !== x) {
      out[n++] = x;
    }
  }
  return out.subarray(0, n);
}

export function union(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) {
    return EMPTY_POSTINGS;
  }
  if (lists.length === 1) {
    return lists[0]!;
  }
  let total = 0;
  for (const l of lists) {
    total += l.length;
  }
  const all = new Uint32Array(total);
  let off = 0;
  for (const l of lists) {
    all.set(l, off);
    off += l.length;
  }
  all.sort(); // native numeric sort for typed arrays
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    if (i === 0 || all[i] !== all[i - 1]) {
      all[n++] = all[i]!;
    }
  }
  return all.subarray(0, n);
}

/** A growable ascending list; appends must be in increasing order (refs are allocated ascending). */
export class PostingsList {
  private a: Uint32Array = new Uint32Array(2);
  n = 0;

  add(x: number): void {
    if (this.n > 0 && this.a[this.n - 1]! >= x) {
      // A reused slot id (after head GC) lands inside the list: copy on write, so views handed
      // out earlier keep showing what they showed.
      let lo = 0;
      let hi = this.n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.a[mid]! < x) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (this.a[lo] === x) {
        return;
      }
      const b = new Uint32Array(Math.max(this.a.length, this.n + 1));
      b.set(this.a.subarray(0, lo));
      b[lo] = x;
      b.set(this.a.subarray(lo, this.n), lo + 1);
      this.a = b;
      this.n++;
      return;
    }
    if (this.n === this.a.length) {
      this.a = grown(this.a);
    }
    this.a[this.n++] = x;
  }

  /** A view of the current contents; later appends never change what the view shows. */
  view(): Uint32Array {
    return this.a.subarray(0, this.n);
  }

  bytes(): number {
    return this.a.byteLength;
  }
}
