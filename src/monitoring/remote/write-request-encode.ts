// Encodes a remote-write 1.0 request (prometheus.WriteRequest protobuf, then a snappy block), as a
// Prometheus sender would: for tests, benchmarks, and forwarding. Labels are written in the given order.
import type { Labels } from "../model.js";
import { grownBuffer } from "../typed-arrays.js";
import { snappyEncode } from "./snappy.js";
import { METRIC_TYPES, type MetricMetadata } from "./write-request.js";

export type EncodableSeries = {
  readonly labels: Labels;
  readonly samples: { readonly ts: ArrayLike<number>; readonly vs: ArrayLike<number> };
};

/** WriteRequest protobuf, snappy-compressed: a remote-write 1.0 request body. */
export function encodeWriteRequest(
  series: readonly EncodableSeries[],
  metadata: readonly MetricMetadata[] = [],
): Buffer {
  return snappyEncode(encodeWriteRequestProto(series, metadata));
}

/** The uncompressed WriteRequest protobuf. */
export function encodeWriteRequestProto(
  series: readonly EncodableSeries[],
  metadata: readonly MetricMetadata[] = [],
): Buffer {
  const w = new Writer();
  for (const s of series) {
    const names = Object.keys(s.labels);
    let size = 0;
    const labelSizes: number[] = [];
    for (const name of names) {
      const ls = fieldLen(1, Buffer.byteLength(name)) + fieldLen(2, Buffer.byteLength(s.labels[name]!));
      labelSizes.push(ls);
      size += fieldLen(1, ls);
    }
    const { ts, vs } = s.samples;
    if (ts.length !== vs.length) {
      throw new Error(`series ${JSON.stringify(s.labels)}: ${ts.length} timestamps but ${vs.length} values`);
    }
    for (let i = 0; i < ts.length; i++) {
      size += fieldLen(2, sampleSize(ts[i]!));
    }
    w.tag(1, 2);
    w.varint(size);
    names.forEach((name, k) => {
      w.tag(1, 2);
      w.varint(labelSizes[k]!);
      w.string(1, name);
      w.string(2, s.labels[name]!);
    });
    for (let i = 0; i < ts.length; i++) {
      w.tag(2, 2);
      w.varint(sampleSize(ts[i]!));
      w.tag(1, 1);
      w.double(vs[i]!);
      w.tag(2, 0);
      w.int64(ts[i]!);
    }
  }
  for (const m of metadata) {
    const type = METRIC_TYPES.indexOf(m.type);
    const size =
      1 +
      varintSize(type) +
      fieldLen(2, Buffer.byteLength(m.metricFamilyName)) +
      fieldLen(4, Buffer.byteLength(m.help)) +
      fieldLen(5, Buffer.byteLength(m.unit));
    w.tag(3, 2);
    w.varint(size);
    w.tag(1, 0);
    w.varint(type);
    w.string(2, m.metricFamilyName);
    w.string(4, m.help);
    w.string(5, m.unit);
  }
  return w.finish();
}

function sampleSize(t: number): number {
  return 1 + 8 + 1 + int64Size(t);
}

/** Size of a length-delimited field with payload size len (tag of a field number < 16 is one byte). */
function fieldLen(_field: number, len: number): number {
  return 1 + varintSize(len) + len;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function int64Size(t: number): number {
  return t < 0 ? 10 : varintSize(t);
}

class Writer {
  private buf = Buffer.allocUnsafe(1024);
  private pos = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.buf = grownBuffer(this.buf, this.pos + n, this.pos);
    }
  }

  tag(field: number, wt: number): void {
    this.varint(field * 8 + wt);
  }

  varint(v: number): void {
    this.ensure(10);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  int64(t: number): void {
    if (!Number.isSafeInteger(t)) {
      throw new Error(`timestamp ${t} is not an integer within ±(2^53-1)`);
    }
    if (t >= 0) {
      this.varint(t);
      return;
    }
    // Two's complement over 64 bits, as 32-bit halves: lo/hi of 2^64 + t.
    const mag = -t;
    let lo = ~(mag % 0x100000000) >>> 0;
    let hi = ~Math.floor(mag / 0x100000000) >>> 0;
    lo = (lo + 1) >>> 0;
    if (lo === 0) {
      hi = (hi + 1) >>> 0;
    }
    this.ensure(10);
    for (let i = 0; i < 9; i++) {
      const bits =
        i < 4
          ? (lo >>> (7 * i)) & 0x7f
          : i === 4
            ? ((lo >>> 28) | (hi << 4)) & 0x7f
            : (hi >>> (7 * i - 32)) & 0x7f;
      this.buf[this.pos++] = bits | 0x80;
    }
    this.buf[this.pos++] = (hi >>> 31) & 1;
  }

  double(v: number): void {
    this.ensure(8);
    this.f64[0] = v;
    for (let k = 0; k < 8; k++) {
      this.buf[this.pos++] = this.f64Bytes[k]!;
    }
  }

  string(field: number, s: string): void {
    const len = Buffer.byteLength(s);
    this.tag(field, 2);
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
