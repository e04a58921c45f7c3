import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Labels } from "../model.js";
import { comparePairs, labelsKey, labelsKeyOfPairs } from "./series-key.js";
import { Symbols } from "./symbols.js";

/** A label set as a block or the head stores it: symbol-id pairs sorted by name. */
function pairsOf(labels: Labels, syms: Symbols): number[] {
  return Object.keys(labels)
    .sort()
    .flatMap((n) => [syms.intern(n), syms.intern(labels[n]!)]);
}

const labelSets = fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.string({ maxLength: 4 }), {
  minKeys: 1,
  maxKeys: 4,
});

describe("series key: one identity and one order for label sets stored any way", () => {
  it("builds the same key from symbol pairs as from a Labels object", () => {
    fc.assert(
      fc.property(labelSets, (labels) => {
        const syms = new Symbols();
        const p = pairsOf(labels, syms);
        expect(labelsKeyOfPairs(syms.list, p, 0, p.length)).toBe(labelsKey(labels));
      }),
    );
  });

  it("orders symbol pairs as their key strings sort", () => {
    fc.assert(
      fc.property(labelSets, labelSets, (a, b) => {
        const syms = new Symbols();
        const pa = pairsOf(a, syms);
        const pb = pairsOf(b, syms);
        const ka = labelsKey(a);
        const kb = labelsKey(b);
        const want = ka < kb ? -1 : ka > kb ? 1 : 0;
        expect(Math.sign(comparePairs(syms.list, pa, 0, pa.length, syms.list, pb, 0, pb.length))).toBe(want);
      }),
    );
  });
});
