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
});
