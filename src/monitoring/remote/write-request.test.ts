import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isStaleNaN, STALE_NAN, type Labels } from "../model.js";
import { snappyDecode, snappyEncode } from "./snappy.js";
import { decodeWriteRequest, decodeWriteRequestProto, type DecodedWriteRequest } from "./write-request.js";
import { encodeWriteRequest, encodeWriteRequestProto, type EncodableSeries } from "./write-request-encode.js";

// Hand-built protobuf pieces, to send what our encoder never would.
const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 128n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};
const len = (field: number, payload: number[] | string): number[] => {
  const bytes = typeof payload === "string" ? [...Buffer.from(payload)] : payload;
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
};
const label = (name: string | number[], value: string | number[]) =>
  len(1, [...len(1, name), ...len(2, value)]);
const double = (v: number) => [0x09, ...Buffer.from(bits(v), "hex")];
const sample = (v: number, t: number | bigint) => len(2, [...double(v), 0x10, ...varint(t)]);
const series = (...parts: number[][]) => len(1, parts.flat());
const request = (...parts: number[][]) => Buffer.from(parts.flat());

const invalid = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect((err as { code?: string }).code).toBe("LINEOPS_ERR_REMOTE_WRITE_INVALID");
    expect((err as { httpStatus?: number }).httpStatus).toBe(400);
    return (err as Error).message;
  }
  throw new Error("expected LINEOPS_ERR_REMOTE_WRITE_INVALID, but decoding succeeded");
};

// Values are compared by their bytes in the typed arrays: V8 may quiet or canonicalise a NaN that passes
// through a plain JS array (literals included), but never one stored into and read from a Float64Array.
const bitsAt = (a: Float64Array, i: number) => Buffer.from(a.buffer, a.byteOffset + 8 * i, 8).toString("hex");
const bits = (v: number) => {
  const a = new Float64Array(1);
  a[0] = v;
  return bitsAt(a, 0);
};
const plain = (d: DecodedWriteRequest) =>
  d.series.map((s) => ({
    labels: s.labels,
    samples: [...s.samples.ts].map((t, i) => ({ t, v: bitsAt(s.samples.vs, i) })),
  }));

describe("remote write round trip", () => {
  it("decodes what it encodes: any labels, NaN/±Inf/stale values, int64 timestamps", () => {
    const name = fc.string({ minLength: 1, maxLength: 12, unit: "grapheme" }).filter((s) => s !== "__name__");
    const value = fc.string({ maxLength: 20, unit: "grapheme" });
    const t = fc.oneof(
      fc.integer({ min: -(2 ** 53 - 1), max: 2 ** 53 - 1 }),
      fc.constantFrom(
        0,
        -1,
        1,
        -(2 ** 53 - 1),
        2 ** 53 - 1,
        1_700_000_000_123,
        -1_700_000_000_123,
        2 ** 31,
        2 ** 32,
      ),
    );
    const v = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, STALE_NAN));
    const oneSeries = fc.record({
      metric: fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" }),
      labels: fc.uniqueArray(fc.tuple(name, value), { maxLength: 8, selector: ([n]) => n }),
      samples: fc.array(fc.tuple(t, v), { minLength: 1, maxLength: 10 }),
    });
    fc.assert(
      fc.property(fc.array(oneSeries, { maxLength: 10 }), (input) => {
        const sent: EncodableSeries[] = input.map((s) => {
          const ts = new Float64Array(s.samples.length);
          const vs = new Float64Array(s.samples.length);
          s.samples.forEach(([x, y], i) => {
            ts[i] = x;
            vs[i] = y;
          });
          return {
            labels: Object.fromEntries([["__name__", s.metric], ...s.labels]) as Labels,
            samples: { ts, vs },
          };
        });
        const got = decodeWriteRequest(encodeWriteRequest(sent));
        const want = sent.map((s) => ({
          labels: Object.fromEntries(
            Object.entries(s.labels)
              .filter(([, val]) => val !== "")
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          ),
          samples: Array.from(s.samples.ts).map((x, i) => ({
            t: x,
            v: bitsAt(s.samples.vs as Float64Array, i),
          })),
        }));
        expect(plain(got)).toEqual(want);
        // Names come out sorted. JS lists integer-like keys ("0") first in any object whatever the
        // insertion order, so those are left out of the order check (utf8 names may be digits).
        const ordered = (l: object) => Object.keys(l).filter((n) => !/^(0|[1-9]\d*)$/.test(n));
        got.series.forEach((s) => expect(ordered(s.labels)).toEqual(ordered(s.labels).sort()));
        expect(got.samples).toBe(input.reduce((n, s) => n + s.samples.length, 0));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the staleness marker's NaN payload bit-exact", () => {
    const vs = new Float64Array(2);
    vs[0] = STALE_NAN;
    vs[1] = NaN;
    const body = encodeWriteRequest([{ labels: { __name__: "up" }, samples: { ts: [1, 2], vs } }]);
    const [s] = decodeWriteRequest(body).series;
    expect(isStaleNaN(s!.samples.vs[0]!)).toBe(true);
    expect(isStaleNaN(s!.samples.vs[1]!)).toBe(false);
    expect(Number.isNaN(s!.samples.vs[1]!)).toBe(true);
  });

  it("reads negative timestamps in their 10-byte two's-complement form", () => {
    const proto = request(series(label("__name__", "m"), sample(1, -1n), sample(2, -1_700_000_000_000n)));
    const [s] = decodeWriteRequestProto(proto).series;
    expect([...s!.samples.ts]).toEqual([-1, -1_700_000_000_000]);
  });

  it("fills proto3 defaults: a sample without fields is t=0, v=0", () => {
    const [s] = decodeWriteRequestProto(request(series(label("__name__", "m"), len(2, [])))).series;
    expect([...s!.samples.ts]).toEqual([0]);
    expect([...s!.samples.vs]).toEqual([0]);
  });

  it("skips unknown fields of every wire type at every level", () => {
    const unknown = [
      ...[0x78, ...varint(123456789)], // field 15 varint
      ...[0x79, 1, 2, 3, 4, 5, 6, 7, 8], // field 15 fixed64
      ...len(14, "junk"),
      ...[0x75, 1, 2, 3, 4], // field 14 fixed32
      ...[0x6b, 0x08, 0x01, 0x6c], // field 13 group holding a varint
    ];
    const proto = request(
      unknown,
      series(
        unknown,
        len(1, [...unknown, ...len(1, "__name__"), ...unknown, ...len(2, "m")]),
        len(2, [...unknown, ...double(5), 0x10, 7]),
      ),
    );
    const d = decodeWriteRequestProto(proto);
    expect(plain(d)).toEqual([{ labels: { __name__: "m" }, samples: [{ t: 7, v: bits(5) }] }]);
  });

  it("keeps a label named __proto__ as a label", () => {
    const [s] = decodeWriteRequestProto(
      request(series(label("__name__", "m"), label("__proto__", "x"), sample(1, 1))),
    ).series;
    expect(Object.entries(s!.labels)).toEqual([
      ["__name__", "m"],
      ["__proto__", "x"],
    ]);
  });

  it("sorts labels sent out of order, and drops labels with an empty value", () => {
    const proto = request(
      series(label("zone", "a"), label("__name__", "m"), label("empty", ""), label("job", "j"), sample(1, 1)),
    );
    const [s] = decodeWriteRequestProto(proto).series;
    expect(Object.entries(s!.labels)).toEqual([
      ["__name__", "m"],
      ["job", "j"],
      ["zone", "a"],
    ]);
  });

  it("decodes metadata and counts the exemplars and histograms it skips", () => {
    const meta = len(3, [
      0x08,
      1,
      ...len(2, "http_requests_total"),
      ...len(4, "Requests."),
      ...len(5, "requests"),
    ]);
    const proto = request(
      series(label("__name__", "m"), sample(1, 1), len(3, "exemplar"), len(4, "h1"), len(4, "h2")),
      meta,
    );
    const d = decodeWriteRequestProto(proto);
    expect(d.exemplars).toBe(1);
    expect(d.histograms).toBe(2);
    expect(d.metadata).toEqual([
      { type: "counter", metricFamilyName: "http_requests_total", help: "Requests.", unit: "requests" },
    ]);
  });

  it("omits series without float samples but still validates them", () => {
    expect(decodeWriteRequestProto(request(series(label("__name__", "m"), len(4, "h")))).series).toEqual([]);
    invalid(() => decodeWriteRequestProto(request(series(label("job", "x"), len(4, "h")))));
  });
});

describe("remote write validation: an invalid request throws and returns nothing", () => {
  it("rejects bad snappy", () => {
    expect(invalid(() => decodeWriteRequest(Buffer.from("definitely not snappy")))).toMatch(/snappy/);
    const good = encodeWriteRequest([{ labels: { __name__: "m" }, samples: { ts: [1], vs: [1] } }]);
    expect(invalid(() => decodeWriteRequest(good.subarray(0, good.length - 3)))).toMatch(/snappy/);
    expect(invalid(() => decodeWriteRequest(Buffer.alloc(0)))).toMatch(/snappy/);
    // A copy reaching before the start of the output.
    expect(invalid(() => decodeWriteRequest(Buffer.from([10, 0x01 | (1 << 2), 5])))).toMatch(/offset/);
  });

  it("rejects a decompression bomb from its preamble, before allocating", () => {
    // Declares 4 GiB - 1: refused from the first 5 bytes.
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]);
    expect(invalid(() => decodeWriteRequest(huge))).toMatch(
      /declares 4294967295 uncompressed bytes, over the limit of 67108864/,
    );
    // A real bomb: 100 MiB of zeros in 4.9 MB of 64-byte copies; the declared size alone refuses it.
    const total = 100 * 1024 * 1024;
    const copies = (total - 1) / 64;
    const bomb = Buffer.alloc(8 + 2 + Math.ceil(copies) * 3);
    let p = 0;
    for (const b of varint(total)) {
      bomb[p++] = b;
    }
    bomb[p++] = 0; // literal of 1 byte
    bomb[p++] = 0;
    for (let i = 0; i < Math.floor(copies); i++) {
      bomb[p++] = 0x02 | (63 << 2); // copy, 2-byte offset, 64 bytes
      bomb[p++] = 1;
      bomb[p++] = 0;
    }
    expect(invalid(() => decodeWriteRequest(bomb.subarray(0, p)))).toMatch(/over the limit/);
    // The cap is configurable; and a preamble that lies low is caught at the first overflowing copy.
    expect(invalid(() => decodeWriteRequest(bomb.subarray(0, p), { maxDecodedBytes: 1024 }))).toMatch(
      /over the limit of 1024/,
    );
    const liar = Buffer.from([
      ...varint(100),
      0,
      0,
      ...Array.from({ length: 10 }, () => [0x02 | (63 << 2), 1, 0]).flat(),
    ]);
    expect(invalid(() => decodeWriteRequest(liar))).toMatch(/overflows the declared length 100/);
  });

  it("snappy: our decoder reads what snappyjs writes, and rejects a short output", () => {
    const data = Buffer.from("abcabcabcabcabcabcabc".repeat(100) + "xyz");
    expect(snappyDecode(snappyEncode(data), 1 << 20).equals(data)).toBe(true);
    expect(() => snappyDecode(Buffer.from([...varint(10), 0x08, 1, 2, 3]), 100)).toThrow(
      /decoded 3 bytes, the preamble declared 10/,
    );
  });

  it("rejects truncated protobuf at any cut inside a series", () => {
    const proto = encodeWriteRequestProto([
      { labels: { __name__: "m", job: "j" }, samples: { ts: [1_700_000_000_000, -5], vs: [1.5, 2] } },
    ]);
    for (let cut = 1; cut < proto.length; cut++) {
      const msg = invalid(() => decodeWriteRequestProto(proto.subarray(0, cut)));
      expect(msg).toMatch(/truncated protobuf/);
    }
  });

  it("rejects a series without __name__ (also when __name__ is empty), naming the series", () => {
    expect(invalid(() => decodeWriteRequestProto(request(series(label("job", "j"), sample(1, 1)))))).toMatch(
      /timeseries\[0\]: series has no __name__ label.*job="j"/,
    );
    const two = request(
      series(label("__name__", "ok"), sample(1, 1)),
      series(label("__name__", ""), label("a", "b"), sample(1, 1)),
    );
    expect(invalid(() => decodeWriteRequestProto(two))).toMatch(/timeseries\[1\]: series has no __name__/);
  });

  it("rejects duplicate label names, adjacent or not", () => {
    expect(
      invalid(() =>
        decodeWriteRequestProto(
          request(series(label("__name__", "m"), label("a", "1"), label("a", "2"), sample(1, 1))),
        ),
      ),
    ).toMatch(/duplicate label name "a"/);
    expect(
      invalid(() =>
        decodeWriteRequestProto(
          request(series(label("b", "1"), label("__name__", "m"), label("b", ""), sample(1, 1))),
        ),
      ),
    ).toMatch(/duplicate label name "b"/);
  });

  it("rejects invalid label names: empty, not UTF-8, and (legacy mode) outside [a-zA-Z_][a-zA-Z0-9_]*", () => {
    expect(
      invalid(() =>
        decodeWriteRequestProto(request(series(label("__name__", "m"), label("", "x"), sample(1, 1)))),
      ),
    ).toMatch(/empty name/);
    expect(
      invalid(() =>
        decodeWriteRequestProto(
          request(series(label("__name__", "m"), label([0xff, 0xfe], "x"), sample(1, 1))),
        ),
      ),
    ).toMatch(/not valid UTF-8/);
    expect(
      invalid(() =>
        decodeWriteRequestProto(request(series(label("__name__", "m"), label("a", [0xc3]), sample(1, 1)))),
      ),
    ).toMatch(/value of label "a" is not valid UTF-8/);
    const dotted = request(series(label("__name__", "m"), label("host.name", "x"), sample(1, 1)));
    expect(decodeWriteRequestProto(dotted).series[0]!.labels).toEqual({ __name__: "m", "host.name": "x" });
    expect(invalid(() => decodeWriteRequestProto(dotted, { labelNames: "legacy" }))).toMatch(
      /invalid label name "host.name"/,
    );
    const metric = request(series(label("__name__", "my-metric"), sample(1, 1)));
    expect(invalid(() => decodeWriteRequestProto(metric, { labelNames: "legacy" }))).toMatch(
      /invalid metric name "my-metric"/,
    );
  });

  it("rejects wrong wire types for known fields, field number 0 and overlong varints", () => {
    expect(invalid(() => decodeWriteRequestProto(request([0x08, 1])))).toMatch(
      /WriteRequest.timeseries has wire type varint/,
    );
    expect(
      invalid(() =>
        decodeWriteRequestProto(request(series(label("__name__", "m"), len(2, [0x0d, 1, 2, 3, 4])))),
      ),
    ).toMatch(/Sample.value has wire type fixed32/);
    expect(invalid(() => decodeWriteRequestProto(request([0x02, 0])))).toMatch(/field number 0/);
    expect(
      invalid(() => decodeWriteRequestProto(request([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))),
    ).toMatch(/does not fit 32 bits/);
  });

  it("rejects timestamps JavaScript cannot hold exactly", () => {
    expect(
      invalid(() => decodeWriteRequestProto(request(series(label("__name__", "m"), sample(1, 2n ** 60n))))),
    ).toMatch(/2\^53/);
    expect(
      invalid(() =>
        decodeWriteRequestProto(request(series(label("__name__", "m"), sample(1, -(2n ** 60n))))),
      ),
    ).toMatch(/-2\^53/);
  });

  it("enforces the series and sample limits", () => {
    const three: EncodableSeries[] = ["a", "b", "c"].map((n) => ({
      labels: { __name__: n },
      samples: { ts: [1, 2], vs: [1, 2] },
    }));
    const body = encodeWriteRequest(three);
    expect(decodeWriteRequest(body, { maxSeries: 3, maxSamples: 6 }).samples).toBe(6);
    expect(invalid(() => decodeWriteRequest(body, { maxSeries: 2 }))).toMatch(
      /too many series in one request: more than the limit of 2/,
    );
    expect(invalid(() => decodeWriteRequest(body, { maxSamples: 5 }))).toMatch(
      /too many samples in one request: more than the limit of 5/,
    );
  });

  it("never throws anything but its own error on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeWriteRequestProto(Buffer.from(bytes));
        } catch (err) {
          expect((err as { code?: string }).code).toBe("LINEOPS_ERR_REMOTE_WRITE_INVALID");
        }
        try {
          decodeWriteRequest(Buffer.from(bytes));
        } catch (err) {
          expect((err as { code?: string }).code).toBe("LINEOPS_ERR_REMOTE_WRITE_INVALID");
        }
      }),
      { numRuns: 2000 },
    );
  });
});
