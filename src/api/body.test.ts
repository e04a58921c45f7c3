// The pre-parse depth scans: exact for JSON, never below the real nesting for YAML (so no deep
// document reaches the recursive parser), and well under the limit for real line files.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { jsonDepth, MAX_BODY_DEPTH, yamlDepth } from "./body.js";

const depth = (v: unknown): number =>
  typeof v === "object" && v !== null
    ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depth))
    : 0;

// Scalars with the characters the scans care about: brackets, quotes, colons, dashes, hashes.
const scalar = fc.oneof(
  fc.string({
    unit: fc.constantFrom("a", " ", "[", "]", "{", "}", '"', "'", ":", "-", "#", "\\", "\n", "|"),
  }),
  fc.integer(),
  fc.boolean(),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ unit: fc.constantFrom("k", "-", " ", "[", '"'), minLength: 1 }), tie("value"), {
      maxKeys: 3,
    }),
  ),
}));
const styles = fc.record({
  collectionStyle: fc.constantFrom("any" as const, "block" as const, "flow" as const),
  indentSeq: fc.boolean(),
  indent: fc.integer({ min: 1, max: 4 }),
});

describe("jsonDepth", () => {
  it("equals the nesting of any JSON document, strings with brackets included", () => {
    fc.assert(fc.property(value, (v) => jsonDepth(JSON.stringify(v) ?? "null") === depth(v)));
  });

  it("stops counting past the limit", () => {
    expect(jsonDepth("[".repeat(1_000_000), 64)).toBe(65);
  });
});

describe("yamlDepth", () => {
  it("is never below the nesting of a YAML document, in any style the yaml package writes", () => {
    fc.assert(
      fc.property(value, styles, (v, opts) => {
        const text = stringify(v, opts);
        expect(yamlDepth(text), text).toBeGreaterThanOrEqual(depth(v));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["a sequence at its key's indentation", "a:\n- b:\n  - c:\n    - d: 1\n", 6],
    ["compact sequences", "- - - - x\n", 4],
    ["flow inside block", "a:\n  b: [[1], {c: [2]}]\n", 5],
    ["a quote hiding a closing bracket", "a: [ ']' [ ']' [ ']' [ 1 ] ] ] ]\n", 5],
    ["a block scalar with an apostrophe, then flow", "a: |\n  don't\nb: [[[1]]]\n", 4],
  ])("counts %s at least as deep as the parser nests", (_what, text, atLeast) => {
    expect(yamlDepth(text)).toBeGreaterThanOrEqual(atLeast);
  });

  it("leaves real line files far below the limit", () => {
    for (const file of ["examples/line.yaml"]) {
      expect(yamlDepth(readFileSync(file, "utf8"))).toBeLessThan(MAX_BODY_DEPTH / 2);
    }
  });
});
