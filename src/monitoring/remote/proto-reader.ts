// A minimal protobuf wire-format reader over one buffer: varints, int64 as exact JS numbers, and
// skipping unknown fields by wire type. Every read is bounds-checked against the current message end.

export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtoError";
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const WIRE_NAMES = ["varint", "fixed64", "length-delimited", "start-group", "end-group", "fixed32"];

export function wireTypeName(wt: number): string {
  return WIRE_NAMES[wt] ?? `invalid wire type ${wt}`;
}

function varintPastEnd(what: string, p: number): ProtoError {
  return new ProtoError(`truncated protobuf: ${what} varint runs past the end of its message (byte ${p})`);
}

export class ProtoReader {
  pos = 0;

  constructor(readonly buf: Uint8Array) {}

  /** A varint that must fit 32 bits unsigned (tags, lengths, enums). */
  uint32(end: number, what: string): number {
    const b = this.buf;
    let p = this.pos;
    let x = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= end) {
        throw varintPastEnd(what, p);
      }
      const c = b[p++]!;
      x += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) {
        if (x > 0xffffffff) {
          break;
        }
        this.pos = p;
        return x;
      }
    }
    throw new ProtoError(`malformed protobuf: ${what} varint at byte ${this.pos} does not fit 32 bits`);
  }

  /** The length of a length-delimited field; returns the end offset of its payload. */
  lengthEnd(end: number, what: string): number {
    const start = this.pos;
    const len = this.uint32(end, `${what} length`);
    const e = this.pos + len;
    if (e > end) {
      throw new ProtoError(
        `truncated protobuf: ${what} (at byte ${start}) declares ${len} bytes but only ${end - this.pos} remain in its message`,
      );
    }
    return e;
  }

  /** A two's-complement int64 varint as an exact number; throws outside ±(2^53-1). */
  int64(end: number, what: string): number {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    // Up to 7 bytes (49 bits) accumulate exactly in a double: every real timestamp takes this path.
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (p >= end) {
        throw varintPastEnd(what, p);
      }
      const c = b[p++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.pos = p;
        return x;
      }
      mul *= 128;
    }
    // Long form (negative numbers always take 10 bytes): split into 32-bit halves.
    p = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) {
        throw varintPastEnd(what, p);
      }
      const c = b[p++]!;
      const bits = c & 0x7f;
      if (i < 4) {
        lo = (lo | (bits << (7 * i))) >>> 0;
      } else if (i === 4) {
        lo = (lo | (bits << 28)) >>> 0;
        hi = bits >>> 4;
      } else {
        hi = (hi | (bits << (7 * i - 32))) >>> 0;
      }
      if (c < 0x80) {
        this.pos = p;
        const v = hi & 0x80000000 ? -((~hi >>> 0) * 0x100000000 + (~lo >>> 0) + 1) : hi * 0x100000000 + lo;
        if (!Number.isSafeInteger(v)) {
          throw new ProtoError(`${what} ${hi & 0x80000000 ? "-" : ""}2^53 or beyond cannot be held exactly`);
        }
        return v;
      }
    }
    throw new ProtoError(`malformed protobuf: ${what} varint at byte ${start} is longer than 10 bytes`);
  }

  /** Skips one field's payload of wire type wt (the tag is already read). */
  skip(wt: number, field: number, end: number, what: string, depth = 0): void {
    switch (wt) {
      case WIRE_VARINT: {
        const b = this.buf;
        let p = this.pos;
        for (let i = 0; ; i++) {
          if (p >= end) {
            throw new ProtoError(
              `truncated protobuf: ${what} field ${field} varint runs past the end of its message`,
            );
          }
          if (i === 10) {
            throw new ProtoError(`malformed protobuf: ${what} field ${field} varint is longer than 10 bytes`);
          }
          if (b[p++]! < 0x80) {
            break;
          }
        }
        this.pos = p;
        return;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const p = this.pos + (wt === WIRE_FIXED64 ? 8 : 4);
        if (p > end) {
          throw new ProtoError(
            `truncated protobuf: ${what} field ${field} (${wireTypeName(wt)}) runs past the end`,
          );
        }
        this.pos = p;
        return;
      }
      case WIRE_LEN:
        this.pos = this.lengthEnd(end, `${what} field ${field}`);
        return;
      case WIRE_START_GROUP: {
        if (depth > 32) {
          throw new ProtoError(`malformed protobuf: ${what} groups nested deeper than 32`);
        }
        for (;;) {
          const tag = this.uint32(end, `${what} group ${field} tag`);
          if ((tag & 7) === WIRE_END_GROUP) {
            if (tag >>> 3 !== field) {
              throw new ProtoError(
                `malformed protobuf: ${what} group ${field} closed by end-group ${tag >>> 3}`,
              );
            }
            return;
          }
          this.skip(tag & 7, tag >>> 3, end, what, depth + 1);
        }
      }
      default:
        throw new ProtoError(`malformed protobuf: ${what} field ${field} has ${wireTypeName(wt)}`);
    }
  }
}
