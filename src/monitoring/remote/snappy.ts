// Snappy block format (not the framing format), as remote write uses it. Decoding is our own strict
// decoder: the declared length is capped before anything is allocated (decompression bombs), and every
// copy is bounds-checked, which snappyjs's decoder does not do. Encoding reuses snappyjs.
import snappyjs from "snappyjs";

export class SnappyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnappyError";
  }
}

/**
 * The uncompressed length declared by a snappy block's preamble, and the preamble's size in bytes.
 * Reading it costs a few bytes, so a caller can refuse an oversized body before decompressing.
 */
export function snappyDeclaredLength(input: Uint8Array): { length: number; headerBytes: number } {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= input.length) {
      throw new SnappyError("bad snappy block: truncated length preamble");
    }
    const b = input[i]!;
    if (i === 4 && b > 0x0f) {
      throw new SnappyError("bad snappy block: declared length exceeds 2^32-1");
    }
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      return { length, headerBytes: i + 1 };
    }
  }
  throw new SnappyError("bad snappy block: length preamble longer than 5 bytes");
}

/** Decompresses one snappy block, refusing (before allocating) a declared length above maxLength. */
export function snappyDecode(input: Uint8Array, maxLength: number): Buffer {
  const { length, headerBytes } = snappyDeclaredLength(input);
  if (length > maxLength) {
    throw new SnappyError(
      `snappy block declares ${length} uncompressed bytes, over the limit of ${maxLength} (decompression bomb?)`,
    );
  }
  const out = Buffer.allocUnsafe(length);
  const n = input.length;
  let p = headerBytes;
  let o = 0;
  while (p < n) {
    const tag = input[p++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (p + extra > n) {
          throw corrupt("literal length runs past the end of the input", p);
        }
        len = 0;
        for (let k = extra - 1; k >= 0; k--) {
          len = len * 256 + input[p + k]!;
        }
        p += extra;
      }
      len += 1;
      if (p + len > n) {
        throw corrupt(`literal of ${len} bytes runs past the end of the input`, p);
      }
      if (o + len > length) {
        throw corrupt(`literal overflows the declared length ${length}`, p);
      }
      if (len < 32) {
        for (let k = 0; k < len; k++) {
          out[o + k] = input[p + k]!;
        }
      } else {
        out.set(input.subarray(p, p + len), o);
      }
      p += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (p >= n) {
        throw corrupt("copy runs past the end of the input", p);
      }
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[p++]!;
    } else if (kind === 2) {
      if (p + 2 > n) {
        throw corrupt("copy runs past the end of the input", p);
      }
      len = (tag >>> 2) + 1;
      offset = input[p]! | (input[p + 1]! << 8);
      p += 2;
    } else {
      if (p + 4 > n) {
        throw corrupt("copy runs past the end of the input", p);
      }
      len = (tag >>> 2) + 1;
      offset = (input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16)) + input[p + 3]! * 0x1000000;
      p += 4;
    }
    if (offset === 0 || offset > o) {
      throw corrupt(`copy offset ${offset} points before the start of the output`, p);
    }
    if (o + len > length) {
      throw corrupt(`copy overflows the declared length ${length}`, p);
    }
    if (len < 32 || offset < len) {
      // Short, or overlapping (a repeated pattern): a forward byte loop is both fast and correct.
      for (let k = 0; k < len; k++) {
        out[o + k] = out[o - offset + k]!;
      }
    } else {
      out.copyWithin(o, o - offset, o - offset + len);
    }
    o += len;
  }
  if (o !== length) {
    throw new SnappyError(`bad snappy block: decoded ${o} bytes, the preamble declared ${length}`);
  }
  return out;
}

function corrupt(what: string, at: number): SnappyError {
  return new SnappyError(`bad snappy block: ${what} (at byte ${at})`);
}

/** Compresses one snappy block (remote write's encoding). */
export function snappyEncode(input: Uint8Array): Buffer {
  return Buffer.from(snappyjs.compress(input));
}
