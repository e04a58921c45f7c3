// Fuzzing of remote-write decoding under the per-case budget of the hardening suite (P5 item 7):
// valid WriteRequests with bytes flipped, cut and spliced, before and after snappy, and snappy
// headers that declare more than they hold. Random bytes are covered by write-request.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams, withinBudget } from "../../test-support/fuzz.js";
import { RemoteErrors } from "./errors.js";
import { snappyEncode } from "./snappy.js";
import { decodeWriteRequest, decodeWriteRequestProto } from "./write-request.js";
import { encodeWriteRequestProto, type EncodableSeries } from "./write-request-encode.js";

const CODES = [RemoteErrors.invalidWriteRequest.code];
// Small limits, so the limit paths are reached with small cases too.
const LIMITS = { maxSeries: 20, maxSamples: 60, maxDecodedBytes: 64 * 1024 };

const labelName = fc.oneof(
  fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/),
  fc.string({ minLength: 1, maxLength: 6, unit: "grapheme" }),
);
const seriesArb: fc.Arbitrary<EncodableSeries> = fc
  .record({
    name: fc.stringMatching(/^[a-z_:][a-z0-9_:]{0,10}$/),
    labels: fc.uniqueArray(fc.tuple(labelName, fc.string({ maxLength: 12 })), {
      maxLength: 5,
      selector: ([n]) => n,
    }),
    samples: fc.array(
      fc.tuple(
        fc.oneof(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.constantFrom(8.64e15, -1, 0)),
        fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity)),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ name, labels, samples }) => ({
    labels: Object.fromEntries([["__name__", name], ...labels.filter(([n]) => n !== "__name__")]),
    samples: { ts: samples.map(([t]) => t), vs: samples.map(([, v]) => v) },
  }));
const requestArb = fc.array(seriesArb, { minLength: 1, maxLength: 6 }).map((s) => encodeWriteRequestProto(s));

type ByteEdit = { at: number; op: "flip" | "set" | "cut" | "insert" | "truncate"; byte: number; len: number };
const byteEdits = fc.array(
  fc.record({
    at: fc.nat(),
    op: fc.constantFrom<ByteEdit["op"]>("flip", "set", "cut", "insert", "truncate"),
    // Bytes that matter to protobuf: field tags, continuation bits, big varints.
    byte: fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0x0a, 0x12, 0x1a, 0x80, 0xff, 0x09, 0x10),
    ),
    len: fc.integer({ min: 1, max: 12 }),
  }),
  { minLength: 1, maxLength: 4 },
);

function applyBytes(input: Uint8Array, edits: readonly ByteEdit[]): Buffer {
  let b = Buffer.from(input);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    switch (e.op) {
      case "flip":
        if (b.length > 0) {
          b[at] = (b[at] ?? 0) ^ (1 << (e.byte % 8));
        }
        break;
      case "set":
        if (b.length > 0) {
          b[at] = e.byte;
        }
        break;
      case "cut":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(e.len, e.byte), b.subarray(at)]);
        break;
      case "truncate":
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

describe("remote-write decoding fuzzing", () => {
  it("valid requests decode to the series they hold", () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { minLength: 1, maxLength: 6 }), (series) => {
        const r = withinBudget(
          () => decodeWriteRequest(snappyEncode(encodeWriteRequestProto(series))),
          CODES,
        );
        // Only invalid UTF-8 in a label can make a generated request invalid; graphemes are valid.
        expect(r.ok && r.value.series.length).toBe(series.length);
      }),
      fuzzParams(200),
    );
  });

  it("edited protobufs: decoded or LINEOPS_ERR_REMOTE_WRITE_INVALID, within budget", () => {
    fc.assert(
      fc.property(requestArb, byteEdits, (proto, edits) => {
        withinBudget(() => decodeWriteRequestProto(applyBytes(proto, edits), LIMITS), CODES);
      }),
      fuzzParams(500),
    );
  });

  it("edited snappy blocks (of valid protobufs): decoded or rejected, within budget", () => {
    fc.assert(
      fc.property(requestArb, byteEdits, fc.boolean(), (proto, edits, beforeSnappy) => {
        const body = beforeSnappy
          ? snappyEncode(applyBytes(proto, edits))
          : applyBytes(snappyEncode(proto), edits);
        withinBudget(() => decodeWriteRequest(body, LIMITS), CODES);
      }),
      fuzzParams(500),
    );
  });

  it("a snappy header declaring more than the limit is refused before anything is allocated", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: LIMITS.maxDecodedBytes + 1, max: 2 ** 32 - 1 }),
        fc.uint8Array({ maxLength: 32 }),
        (declared, rest) => {
          const varint: number[] = [];
          for (let v = declared; ; v = Math.floor(v / 128)) {
            if (v < 128) {
              varint.push(v);
              break;
            }
            varint.push((v % 128) | 0x80);
          }
          const r = withinBudget(() => decodeWriteRequest(Buffer.from([...varint, ...rest]), LIMITS), CODES);
          expect(r.ok).toBe(false);
        },
      ),
      fuzzParams(200),
    );
  });
});
