import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KahanAvg, avgOf, quantileOf, quantileOfRange } from "./kahan.js";

function classAvg(xs: number[]): number {
  const a = new KahanAvg();
  for (const x of xs) {
    a.add(x);
  }
  return a.value();
}

const value = fc.oneof(
  fc.double({ noNaN: false }),
  fc.constantFrom(Infinity, -Infinity, NaN, 1.7976931348623157e308, -1.7976931348623157e308, 0, -0),
);

describe("avgOf", () => {
  it("gives KahanAvg's result bit for bit, overflowing windows included", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 30 }), fc.nat(5), (xs, pad) => {
        const vs = Float64Array.from([...new Array<number>(pad).fill(7), ...xs]);
        expect(Object.is(avgOf(vs, pad, vs.length), classAvg(xs))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("switches to the incremental mean when the sum overflows", () => {
    const big = 1.7976931348623157e308;
    const vs = Float64Array.from([big, big, big]);
    // A plain sum would be +Inf; the incremental mean stays finite, within rounding of big.
    expect(avgOf(vs, 0, 3)).toBe(classAvg([big, big, big]));
    expect(avgOf(vs, 0, 3) / big).toBeCloseTo(1, 12);
    expect(avgOf(Float64Array.from([1, 2, 4]), 0, 3)).toBeCloseTo(7 / 3, 15);
  });
});

describe("quantileOfRange", () => {
  const v = fc.oneof(
    fc.integer({ min: -3, max: 3 }).map((x) => x / 2),
    fc.constantFrom(NaN, Infinity, -Infinity, 0, -0),
  );
  it("gives quantileOf's result bit for bit, NaN and signed zeros included", () => {
    fc.assert(
      fc.property(
        fc.array(v, { minLength: 1, maxLength: 40 }),
        fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, -0.5, 1.5, NaN)),
        fc.nat(3),
        (xs, q, pad) => {
          const vs = Float64Array.from([...new Array<number>(pad).fill(9), ...xs, 9]);
          const got = quantileOfRange(q, vs, pad, pad + xs.length);
          expect(Object.is(got, quantileOf(q, xs.slice()))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
