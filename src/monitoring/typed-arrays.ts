// Growing typed arrays and byte buffers: the one "double the capacity and copy" used by the
// TSDB's columns, the scrape parser and the remote-write codec. Growth is rare (amortised O(1)),
// so these stay off the per-sample path; callers check capacity inline and call here to grow.

export type TypedArray =
  Int8Array | Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** The capacity to grow to: at least `need`, at least double `current`, at least `min`. */
export function grownCapacity(current: number, need: number, min = 0): number {
  return Math.max(need, current * 2, min);
}

/** A new array of `capacity` elements holding a's first `used` elements (default: all). */
export function resized<T extends TypedArray>(a: T, capacity: number, used = a.length): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set((used === a.length ? a : a.subarray(0, used)) as never);
  return b;
}

/** `a` grown (doubling) to hold at least `need` elements, its first `used` copied. */
export function grown<T extends TypedArray>(a: T, need = a.length + 1, used = a.length): T {
  return resized(a, grownCapacity(a.length, need), used);
}

/** `buf` grown (doubling, unzeroed) to hold at least `need` bytes, its first `used` copied. */
export function grownBuffer(buf: Buffer, need: number, used: number): Buffer<ArrayBuffer> {
  const b = Buffer.allocUnsafe(grownCapacity(buf.length, need));
  buf.copy(b, 0, 0, used);
  return b;
}
