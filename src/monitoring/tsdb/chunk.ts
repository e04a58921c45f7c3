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

/** A bit reader over one chunk; kept as a reusable object so decoding allocates nothing per sample. */
class BitReader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;

  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length * 8;
  }

  bit(): number {
    const p = this.pos++;
    if (p >= this.end) {
      throw new RangeError("chunk: read past end");
    }
    return (this.buf[p >>> 3]! >>> (7 - (p & 7))) & 1;
  }

  bits(n: number): number {
    if (this.pos + n > this.end) {
      throw new RangeError("chunk: read past end");
    }
    let r = 0;
    while (n > 0) {
      const p = this.pos;
      const avail = 8 - (p & 7);
      const take = n < avail ? n : avail;
      const b = (this.buf[p >>> 3]! >>> (avail - take)) & ((1 << take) - 1);
      r = (r << take) | b;
      this.pos += take;
      n -= take;
    }
    return r >>> 0;
  }
}

const reader = new BitReader();

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

function signExtend(x: number, n: number): number {
  return x >= 2 ** (n - 1) ? x - 2 ** n : x;
}

/**
 * Decodes `count` samples of a chunk into ts/vs starting at index `at`, keeping only samples with
 * mint <= t <= maxt. Returns the index after the last sample written. Values are written through
 * a Uint32 alias of `vs`, so their bits are exactly the encoded bits. Throws RangeError on a
 * truncated stream.
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
  const r = reader;
  r.reset(bytes);
  const vsU32 = u32ViewOf(vs);
  let t = 0;
  let delta = 0;
  let vHi = 0;
  let vLo = 0;
  let leading = 0;
  let trailing = 0;
  let out = at;
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      u32[1] = r.bits(32);
      u32[0] = r.bits(32);
      t = f64[0]!;
      vHi = r.bits(32);
      vLo = r.bits(32);
    } else {
      let ones = 0; // the bucket prefix: '0', '10', '110', '1110', '1111'
      while (ones < 4 && r.bit() === 1) {
        ones++;
      }
      let dod: number;
      if (ones === 0) {
        dod = 0;
      } else if (ones === 1) {
        dod = signExtend(r.bits(14), 14);
      } else if (ones === 2) {
        dod = signExtend(r.bits(17), 17);
      } else if (ones === 3) {
        dod = signExtend(r.bits(20), 20);
      } else {
        u32[1] = r.bits(32);
        u32[0] = r.bits(32);
        dod = f64[0]!;
      }
      delta += dod;
      t += delta;
      if (r.bit() === 1) {
        let sig: number;
        if (r.bit() === 1) {
          leading = r.bits(5);
          sig = r.bits(6);
          if (sig === 0) {
            sig = 64;
          }
          trailing = 64 - leading - sig;
        } else {
          sig = 64 - leading - trailing;
        }
        let xHi = 0;
        let xLo: number;
        if (sig > 32) {
          xHi = r.bits(sig - 32);
          xLo = r.bits(32);
        } else {
          xLo = r.bits(sig);
        }
        // shift (xHi, xLo) left by trailing
        if (trailing >= 32) {
          xHi = (xLo << (trailing - 32)) >>> 0;
          xLo = 0;
        } else if (trailing > 0) {
          xHi = ((xHi << trailing) | (xLo >>> (32 - trailing))) >>> 0;
          xLo = (xLo << trailing) >>> 0;
        }
        vHi = (vHi ^ xHi) >>> 0;
        vLo = (vLo ^ xLo) >>> 0;
      }
    }
    if (t >= mint && t <= maxt) {
      ts[out] = t;
      vsU32[out * 2] = vLo;
      vsU32[out * 2 + 1] = vHi;
      out++;
    } else if (t > maxt) {
      break;
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
