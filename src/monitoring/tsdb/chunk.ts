// Gorilla-style sample chunks: delta-of-delta timestamps and XOR-compressed float64 values in a bit
// stream. Value bits move through Uint32 views only, so NaN payloads (STALE_NAN) survive bit-exactly.
// The sample count is kept by the owner of the chunk (head or block index), not in the stream.

/** Samples per chunk before the head starts a new one (as Prometheus). */
export const SAMPLES_PER_CHUNK = 120;
/** Upper bound of the bits one appended sample can take (4+64 for t, 2+5+6+64 for v). */
export const MAX_SAMPLE_BITS = 145;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("lineops tsdb needs a little-endian machine (Float64Array/Uint32Array aliasing)");
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Encoder state of one open chunk. The head keeps these fields in per-series typed arrays and
 * loads them into one reused object around each append, so there is no object per series.
 */
export type EncoderState = {
  bitPos: number; // bits written so far, relative to `base`
  count: number;
  t: number; // last timestamp
  delta: number; // last timestamp delta
  vHi: number; // last value bits
  vLo: number;
  leading: number; // 255: no XOR window yet
  trailing: number;
};

export function newEncoderState(): EncoderState {
  return { bitPos: 0, count: 0, t: 0, delta: 0, vHi: 0, vLo: 0, leading: 255, trailing: 0 };
}

/** ORs the low n (<= 32) bits of value into buf (which must be zeroed past pos). Returns the new pos. */
function writeBits(buf: Uint8Array, base: number, pos: number, value: number, n: number): number {
  while (n > 0) {
    const free = 8 - (pos & 7);
    const take = n < free ? n : free;
    const bits = (value >>> (n - take)) & ((1 << take) - 1);
    buf[base + (pos >>> 3)]! |= bits << (free - take);
    n -= take;
    pos += take;
  }
  return pos;
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Appends one sample to the stream at buf[base..]; the caller guarantees MAX_SAMPLE_BITS of room. */
export function encodeSample(buf: Uint8Array, base: number, s: EncoderState, t: number, v: number): void {
  f64[0] = v;
  const lo = u32[0]!;
  const hi = u32[1]!;
  let pos = s.bitPos;
  if (s.count === 0) {
    f64[0] = t;
    pos = writeBits(buf, base, pos, u32[1]!, 32);
    pos = writeBits(buf, base, pos, u32[0]!, 32);
    pos = writeBits(buf, base, pos, hi, 32);
    pos = writeBits(buf, base, pos, lo, 32);
    s.delta = 0;
    s.leading = 255;
    s.trailing = 0;
  } else {
    const delta = t - s.t;
    const dod = delta - s.delta;
    if (dod === 0) {
      pos += 1; // '0'
    } else if (dod >= -8192 && dod <= 8191 && (dod | 0) === dod) {
      pos = writeBits(buf, base, pos, 0b10, 2);
      pos = writeBits(buf, base, pos, dod & 0x3fff, 14);
    } else if (dod >= -65536 && dod <= 65535 && (dod | 0) === dod) {
      pos = writeBits(buf, base, pos, 0b110, 3);
      pos = writeBits(buf, base, pos, dod & 0x1ffff, 17);
    } else if (dod >= -524288 && dod <= 524287 && (dod | 0) === dod) {
      pos = writeBits(buf, base, pos, 0b1110, 4);
      pos = writeBits(buf, base, pos, dod & 0xfffff, 20);
    } else {
      // Anything else (large gaps, fractional ms): the dod as a raw float64.
      pos = writeBits(buf, base, pos, 0b1111, 4);
      f64[0] = dod;
      pos = writeBits(buf, base, pos, u32[1]!, 32);
      pos = writeBits(buf, base, pos, u32[0]!, 32);
    }
    s.delta = delta;
    const xHi = (hi ^ s.vHi) >>> 0;
    const xLo = (lo ^ s.vLo) >>> 0;
    if (xHi === 0 && xLo === 0) {
      pos += 1; // '0'
    } else {
      pos = writeBits(buf, base, pos, 1, 1);
      let leading = xHi !== 0 ? Math.clz32(xHi) : 32 + Math.clz32(xLo);
      const trailing = xLo !== 0 ? ctz32(xLo) : 32 + ctz32(xHi);
      if (leading > 31) {
        leading = 31; // 5 bits
      }
      if (s.leading !== 255 && leading >= s.leading && trailing >= s.trailing) {
        pos += 1; // '10': reuse the previous window
        pos = writeWindow(buf, base, pos, xHi, xLo, s.trailing, 64 - s.leading - s.trailing);
      } else {
        const sig = 64 - leading - trailing;
        pos = writeBits(buf, base, pos, 1, 1);
        pos = writeBits(buf, base, pos, leading, 5);
        pos = writeBits(buf, base, pos, sig & 63, 6); // 64 is written as 0
        pos = writeWindow(buf, base, pos, xHi, xLo, trailing, sig);
        s.leading = leading;
        s.trailing = trailing;
      }
    }
  }
  s.bitPos = pos;
  s.count++;
  s.t = t;
  s.vHi = hi;
  s.vLo = lo;
}

/** Writes bits [trailing, trailing+sig) of the 64-bit (hi, lo). */
function writeWindow(
  buf: Uint8Array,
  base: number,
  pos: number,
  hi: number,
  lo: number,
  trailing: number,
  sig: number,
): number {
  if (trailing >= 32) {
    lo = hi >>> (trailing - 32);
    hi = 0;
  } else if (trailing > 0) {
    lo = ((lo >>> trailing) | (hi << (32 - trailing))) >>> 0;
    hi = hi >>> trailing;
  }
  if (sig > 32) {
    pos = writeBits(buf, base, pos, hi, sig - 32);
    return writeBits(buf, base, pos, lo, 32);
  }
  return writeBits(buf, base, pos, lo, sig);
}

// The stream as big-endian 32-bit words, so that any 32 bits at bit position p are one shift-or of
// words[p >>> 5] and words[(p >>> 5) + 1]. Zero words follow the stream: a sample read from its
// last valid position (at most MAX_SAMPLE_BITS plus a 64-bit look-ahead) stays inside the array;
// bits read past the end are never used, as the position check then throws.
const WORDS_PAD = 10;
let words = new Int32Array(80);

function loadWords(b: Uint8Array): Int32Array {
  const n = b.length >>> 2;
  if (words.length < n + WORDS_PAD) {
    words = new Int32Array(n + WORDS_PAD + 64);
  }
  const w = words;
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    w[i] = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }
  let last = 0;
  for (let p = n * 4, s = 24; p < b.length; p++, s -= 8) {
    last |= b[p]! << s;
  }
  w[n] = last;
  for (let i = n + 1; i < n + WORDS_PAD; i++) {
    w[i] = 0;
  }
  return w;
}

// The Uint32 alias of the last output array: callers decode many chunks into the same buffer.
let viewOf: Float64Array | undefined;
let viewU32: Uint32Array = new Uint32Array(0);

function u32ViewOf(vs: Float64Array): Uint32Array {
  if (vs !== viewOf) {
    viewOf = vs;
    viewU32 = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
  }
  return viewU32;
}

/** Bits of the stream's first sample: raw float64 timestamp and raw value bits. */
const HEADER_BITS = 128;

/**
 * Decodes `count` samples of a chunk into ts/vs starting at index `at`, keeping only samples with
 * mint <= t <= maxt. Returns the index after the last sample written. Values are written through
 * a Uint32 alias of `vs`, so their bits are exactly the encoded bits. Throws RangeError on a
 * truncated stream.
 *
 * One loop with its state in locals and no call per sample, reading fields from a 32-bit window
 * rather than bit by bit: this is the hottest function of PromQL query profiles (bench:query).
 */
export function decodeChunk(
  bytes: Uint8Array,
  count: number,
  ts: Float64Array,
  vs: Float64Array,
  at: number,
  mint = -Infinity,
  maxt = Infinity,
): number {
  if (count <= 0) {
    return at;
  }
  const endBits = bytes.length * 8;
  if (endBits < HEADER_BITS) {
    throw new RangeError("chunk: read past end");
  }
  const w = loadWords(bytes);
  const vsU32 = u32ViewOf(vs);
  u32[1] = w[0]!;
  u32[0] = w[1]!;
  let t = f64[0]!;
  let vHi = w[2]!; // int32 bit patterns: a Uint32Array store takes them unchanged
  let vLo = w[3]!;
  let out = at;
  let pos = HEADER_BITS;
  let delta = 0;
  let leading = 0;
  let trailing = 0;
  // win holds the stream bits from pos at its top, r of them valid: fields are shifted out of it
  // and it is reloaded (one shift-or of two words) only when a field needs more than r bits.
  let win = 0;
  let r = 0;
  for (let i = 0; ;) {
    if (pos > endBits) {
      throw new RangeError("chunk: read past end");
    }
    if (t >= mint && t <= maxt) {
      ts[out] = t;
      vsU32[out * 2] = vLo;
      vsU32[out * 2 + 1] = vHi;
      out++;
    } else if (t > maxt) {
      break;
    }
    if (++i >= count) {
      break;
    }
    if (r < 24) {
      // (x >>> 1) >>> (31 - s) is x >>> (32 - s), but 0 rather than x for s = 0.
      const k = pos >>> 5;
      const s = pos & 31;
      win = (w[k]! << s) | ((w[k + 1]! >>> 1) >>> (31 - s));
      r = 32;
    }
    if (win >>> 30 === 0) {
      // '0' '0': same delta, same value; the steady state of a regular scrape of a flat series.
      t += delta;
      win <<= 2;
      r -= 2;
      pos += 2;
      continue;
    }
    let used: number;
    if (win >= 0) {
      used = 1; // '0': same delta
    } else {
      const ones = Math.clz32(~win); // the bucket prefix: '10', '110', '1110', '1111'
      if (ones === 1) {
        delta += (win << 2) >> 18; // 14-bit dod, sign-extended by the arithmetic shift
        used = 16;
      } else if (ones === 2) {
        delta += (win << 3) >> 15;
        used = 20;
      } else if (ones === 3) {
        delta += (win << 4) >> 12;
        used = 24;
      } else {
        // '1111' and the dod as raw float64 bits.
        pos += 4;
        const k = pos >>> 5;
        const s = pos & 31;
        u32[1] = (w[k]! << s) | ((w[k + 1]! >>> 1) >>> (31 - s));
        u32[0] = (w[k + 1]! << s) | ((w[k + 2]! >>> 1) >>> (31 - s));
        delta += f64[0]!;
        pos += 64;
        r = 0;
        used = 0;
      }
    }
    t += delta;
    win <<= used;
    r -= used;
    pos += used;
    if (r < 13) {
      const k = pos >>> 5;
      const s = pos & 31;
      win = (w[k]! << s) | ((w[k + 1]! >>> 1) >>> (31 - s));
      r = 32;
    }
    if (win >= 0) {
      win <<= 1; // '0': same value
      r -= 1;
      pos += 1;
      continue;
    }
    let sig: number;
    if (win << 1 >= 0) {
      sig = 64 - leading - trailing; // '10': the previous window
      win <<= 2;
      r -= 2;
      pos += 2;
    } else {
      leading = (win >>> 25) & 31; // '11', 5 bits leading zeros, 6 bits significant (0 means 64)
      sig = (win >>> 19) & 63 || 64;
      trailing = 64 - leading - sig;
      win <<= 13;
      r -= 13;
      pos += 13;
    }
    if (sig <= 32) {
      if (r < sig) {
        const k = pos >>> 5;
        const s = pos & 31;
        win = (w[k]! << s) | ((w[k + 1]! >>> 1) >>> (31 - s));
        r = 32;
      }
      const x = win >>> (32 - sig);
      win <<= sig; // sig = 32 leaves win as it was, but r = 0 then forces a reload
      r -= sig;
      pos += sig;
      if (trailing >= 32) {
        vHi ^= x << (trailing - 32);
      } else if (trailing > 0) {
        vHi ^= x >>> (32 - trailing);
        vLo ^= x << trailing;
      } else {
        vLo ^= x;
      }
    } else {
      // sig - 32 high bits, then 32 low bits, straight from the words.
      const k = pos >>> 5;
      const s = pos & 31;
      const xh = ((w[k]! << s) | ((w[k + 1]! >>> 1) >>> (31 - s))) >>> (64 - sig);
      pos += sig - 32;
      const k2 = pos >>> 5;
      const s2 = pos & 31;
      const xl = (w[k2]! << s2) | ((w[k2 + 1]! >>> 1) >>> (31 - s2));
      pos += 32;
      r = 0;
      if (trailing > 0) {
        vHi ^= (xh << trailing) | (xl >>> (32 - trailing));
        vLo ^= xl << trailing;
      } else {
        vHi ^= xh;
        vLo ^= xl;
      }
    }
  }
  return out;
}

/** Encodes whole arrays into a fresh, exactly-sized chunk (blocks, downsampling, tests). */
let scratch = new Uint8Array(4096);
const scratchState = newEncoderState();

export function encodeChunk(ts: Float64Array, vs: Float64Array, from: number, to: number): Uint8Array {
  return encodeChunkView(ts, vs, from, to).slice();
}

/** As encodeChunk, but the result is a view of a shared buffer, valid until the next encode. */
export function encodeChunkView(ts: Float64Array, vs: Float64Array, from: number, to: number): Uint8Array {
  const need = Math.ceil(((to - from) * MAX_SAMPLE_BITS) / 8) + 8;
  if (scratch.length < need) {
    scratch = new Uint8Array(need);
  }
  const buf = scratch; // shared: encoding is synchronous; encodeChunk copies the result
  buf.fill(0, 0, need);
  const s = scratchState;
  s.bitPos = 0;
  s.count = 0;
  for (let i = from; i < to; i++) {
    encodeSample(buf, 0, s, ts[i]!, vs[i]!);
  }
  return buf.subarray(0, Math.ceil(s.bitPos / 8));
}
