import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STALE_NAN } from "../model.js";
import { decodeChunk, encodeChunk } from "./chunk.js";

function bitsOf(arr: Float64Array): Uint32Array {
  return new Uint32Array(arr.buffer, arr.byteOffset, arr.length * 2);
}

const specialValues = [STALE_NAN, NaN, Infinity, -Infinity, 0, -0, 1, -1, Number.MAX_VALUE, Number.MIN_VALUE];
const valueArb = fc.oneof(
  fc.double(),
  fc.constantFrom(...specialValues),
  fc.integer({ min: -1e6, max: 1e6 }),
  // Raw 64-bit patterns: any NaN payload must survive.
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([hi, lo]) => {
      const u = new Uint32Array([lo, hi]);
      return new Float64Array(u.buffer)[0]!;
    }),
);
const stepArb = fc.oneof(
  fc.constant(15000),
  fc.integer({ min: 0, max: 20 }),
  fc.integer({ min: 14_990, max: 15_010 }),
  fc.integer({ min: 0, max: 2 ** 40 }),
);

function fromBits(hi: number, lo: number): number {
  return new Float64Array(new Uint32Array([lo, hi]).buffer)[0]!;
}

// Values chosen to reach every XOR case: repeats ('0'), windows that fit the previous one ('10'),
// new windows ('11') of 1 to 64 significant bits, and NaN payloads that must not be canonicalised.
const edgeValues = [
  fromBits(0x7ff00000, 2), // Prometheus's stale marker
  fromBits(0xfff80000, 1), // negative quiet NaN with a payload
  fromBits(0x7ff00000, 0x80000000), // signalling NaN
  fromBits(0, 1), // smallest subnormal
  fromBits(0x000fffff, 0xffffffff), // largest subnormal
  -Number.MIN_VALUE,
  Infinity,
  -Infinity,
  -0,
  0,
];
const nearValueArb = fc.oneof(
  fc.constantFrom(...edgeValues),
  fc.double(),
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.integer({ min: 0, max: 100 }),
);
// Each step keeps the previous value, flips some of its bits, or jumps to a fresh one.
const valueStepArb = fc.oneof(
  fc.constant({ kind: "same" as const }),
  fc.record({ kind: fc.constant("flip" as const), from: fc.nat(63), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("fresh" as const), v: nearValueArb }),
);
// Scrape-like steps and their jitter, zero steps, and gaps beyond every dod bucket.
const timeStepArb = fc.oneof(
  fc.constant(15_000),
  fc.integer({ min: 14_000, max: 16_000 }),
  fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: 2 ** 16, max: 2 ** 19 - 1 }), // mostly the widest integer bucket, '1110'
  fc.integer({ min: 0, max: 2 ** 44 }),
);
const seriesArb = fc
  .tuple(
    fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
    fc.array(fc.tuple(timeStepArb, valueStepArb), { minLength: 0, maxLength: 130 }),
    nearValueArb,
  )
  .map(([start, steps, first]) => {
    const ts = new Float64Array(steps.length + 1);
    const vs = new Float64Array(steps.length + 1);
    const bits = bitsOf(vs);
    ts[0] = start;
    vs[0] = first;
    steps.forEach(([dt, step], j) => {
      const i = j + 1;
      ts[i] = ts[j]! + dt;
      bits[2 * i] = bits[2 * j]!;
      bits[2 * i + 1] = bits[2 * j + 1]!;
      if (step.kind === "flip") {
        // Flip a run of bits [from, from + len), as small changes of a gauge do: XOR windows of
        // every width and position.
        const run = (((1n << BigInt(step.len)) - 1n) << BigInt(step.from)) & 0xffff_ffff_ffff_ffffn;
        bits[2 * i] = bits[2 * j]! ^ Number(run & 0xffff_ffffn);
        bits[2 * i + 1] = bits[2 * j + 1]! ^ Number(run >> 32n);
      } else if (step.kind === "fresh") {
        vs[i] = step.v;
      }
    });
    return { ts, vs };
  });

function roundTrip(ts: Float64Array, vs: Float64Array): { ts: Float64Array; vs: Float64Array } {
  const bytes = encodeChunk(ts, vs, 0, ts.length);
  const outT = new Float64Array(ts.length);
  const outV = new Float64Array(ts.length);
  const n = decodeChunk(bytes, ts.length, outT, outV, 0);
  expect(n).toBe(ts.length);
  return { ts: outT, vs: outV };
}

describe("XOR chunk", () => {
  it("round-trips random timestamps and values bit-exactly (NaN payloads, Inf, -0, STALE_NAN)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 45), max: 2 ** 45 }),
        fc.array(fc.tuple(stepArb, valueArb), { minLength: 1, maxLength: 150 }),
        (start, pairs) => {
          const ts = new Float64Array(pairs.length);
          const vs = new Float64Array(pairs.length);
          let t = start;
          pairs.forEach(([step, v], i) => {
            t += step;
            ts[i] = t;
            vs[i] = v;
          });
          const out = roundTrip(ts, vs);
          expect(Array.from(out.ts)).toEqual(Array.from(ts));
          expect(Array.from(bitsOf(out.vs))).toEqual(Array.from(bitsOf(vs)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("keeps STALE_NAN's payload, not a canonical NaN", () => {
    const ts = Float64Array.from([1000, 2000, 3000]);
    const vs = Float64Array.from([1, STALE_NAN, NaN]);
    const out = roundTrip(ts, vs);
    expect(Array.from(bitsOf(out.vs))).toEqual(Array.from(bitsOf(vs)));
    expect(bitsOf(out.vs)[2]).not.toBe(bitsOf(out.vs)[4]);
  });

  it("compresses regular scrape data to about 1-2 bytes per sample", () => {
    const n = 120;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    let counter = 1000;
    for (let i = 0; i < n; i++) {
      ts[i] = 1_700_000_000_000 + i * 15_000 + (i % 10 === 0 ? 1 : 0);
      counter += i % 4 === 0 ? 5 : 0; // a slow counter, with occasional scrape-time jitter
      vs[i] = counter;
    }
    const bytes = encodeChunk(ts, vs, 0, n);
    expect(bytes.length / n).toBeLessThan(2);
  });

  it("filters by [mint, maxt] and reports a truncated stream as RangeError", () => {
    const ts = Float64Array.from([10, 20, 30, 40]);
    const vs = Float64Array.from([1, 2, 3, 4]);
    const bytes = encodeChunk(ts, vs, 0, 4);
    const outT = new Float64Array(4);
    const outV = new Float64Array(4);
    expect(decodeChunk(bytes, 4, outT, outV, 0, 15, 30)).toBe(2);
    expect(Array.from(outT.subarray(0, 2))).toEqual([20, 30]);
    expect(() => decodeChunk(bytes.subarray(0, 10), 4, outT, outV, 0)).toThrow(RangeError);
  });

  it("round-trips series with gauge-like bit changes, edge values and huge gaps exactly", () => {
    fc.assert(
      fc.property(seriesArb, ({ ts, vs }) => {
        const out = roundTrip(ts, vs);
        expect(Array.from(out.ts)).toEqual(Array.from(ts));
        expect(Array.from(bitsOf(out.vs))).toEqual(Array.from(bitsOf(vs)));
      }),
      { numRuns: 500 },
    );
  });

  it("decodes a chunk that is a view into a larger buffer without reading past the view", () => {
    fc.assert(
      fc.property(seriesArb, fc.nat(7), fc.nat(255), ({ ts, vs }, offset, junk) => {
        const bytes = encodeChunk(ts, vs, 0, ts.length);
        const host = new Uint8Array(offset + bytes.length + 16).fill(junk);
        host.set(bytes, offset);
        const view = host.subarray(offset, offset + bytes.length);
        const outT = new Float64Array(ts.length + 6);
        const outV = new Float64Array(ts.length + 6);
        expect(decodeChunk(view, ts.length, outT, outV, 2)).toBe(ts.length + 2);
        expect(Array.from(outT.subarray(2, 2 + ts.length))).toEqual(Array.from(ts));
        expect(Array.from(bitsOf(outV.subarray(2, 2 + ts.length)))).toEqual(Array.from(bitsOf(vs)));
        // Four samples more than encoded need at least 8 bits past the stream's last bit, more than
        // its last byte's padding, so they are past the view whatever the bytes after it hold.
        expect(() => decodeChunk(view, ts.length + 4, outT, outV, 0)).toThrow(RangeError);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps exactly the samples in [mint, maxt] and throws on every truncation", () => {
    fc.assert(
      fc.property(seriesArb, fc.double({ noNaN: true }), fc.double({ noNaN: true }), ({ ts, vs }, a, b) => {
        const [mint, maxt] = a <= b ? [a, b] : [b, a];
        const bytes = encodeChunk(ts, vs, 0, ts.length);
        const outT = new Float64Array(ts.length);
        const outV = new Float64Array(ts.length);
        const n = decodeChunk(bytes, ts.length, outT, outV, 0, mint, maxt);
        // Timestamps of one chunk do not decrease, so the kept samples are one run.
        const want = Array.from(ts).filter((t) => t >= mint && t <= maxt);
        expect(Array.from(outT.subarray(0, n))).toEqual(want);
        for (let cut = 0; cut < bytes.length; cut++) {
          expect(() => decodeChunk(bytes.subarray(0, cut), ts.length, outT, outV, 0)).toThrow(RangeError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("decodes nothing for a count of 0, and a prefix for a smaller count", () => {
    const ts = Float64Array.from([1000, 16_000, 31_001, 46_000]);
    const vs = Float64Array.from([1.5, 2.5, 2.5, -7]);
    const bytes = encodeChunk(ts, vs, 0, 4);
    const outT = new Float64Array(4);
    const outV = new Float64Array(4);
    expect(decodeChunk(new Uint8Array(0), 0, outT, outV, 1)).toBe(1);
    expect(decodeChunk(bytes, 3, outT, outV, 0)).toBe(3);
    expect(Array.from(outT.subarray(0, 3))).toEqual([1000, 16_000, 31_001]);
    expect(Array.from(outV.subarray(0, 3))).toEqual([1.5, 2.5, 2.5]);
  });
});
