// The pre-parse depth scans: exact for JSON, never below the real nesting for YAML (so no deep
// document reaches the recursive parser), and well under the limit for real line files.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { yamlShape } from "../config/yaml-shape.js";
import { jsonDepth, MAX_BODY_DEPTH, YAML_LIMITS } from "./body.js";

const keys = (v: unknown): number =>
  typeof v === "object" && v !== null
    ? (Array.isArray(v) ? 0 : Object.keys(v).length) +
      Object.values(v as Record<string, unknown>).reduce<number>((n, x) => n + keys(x), 0)
    : 0;
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

describe("yamlShape", () => {
  it("never counts less nesting or fewer keys than a YAML document has, in any style the yaml package writes", () => {
    fc.assert(
      fc.property(value, styles, (v, opts) => {
        const text = stringify(v, opts);
        // The yaml package sometimes writes text its own parser refuses (see the case below); such
        // text never reaches a count that matters, because the loader rejects it.
        fc.pre(parseDocument(text).errors.length === 0);
        const shape = yamlShape(text);
        expect(shape.depth, text).toBeGreaterThanOrEqual(depth(v));
        expect(shape.keys, text).toBeGreaterThanOrEqual(keys(v));
      }),
      { numRuns: 500 },
    );
  });

  it("the oracle's one gap: yaml writes a plain ':' scalar into a flow map that its parser refuses", () => {
    // fast-check found it (seed 919769841): the lexer reads ": :" as two value indicators and the
    // next line's quote as a string, so the shape counts 4 keys of the original 5 — and the parser
    // reports errors, so the config loader and the API refuse the text anyway.
    const v = { k: [{ k: { k: ':\n"' } }], "[": false, kk: false };
    const text = stringify(v, { collectionStyle: "flow", indentSeq: false, indent: 1 });
    expect(parseDocument(text).errors.length).toBeGreaterThan(0);
  });

  it.each([
    ["a sequence at its key's indentation", "a:\n- b:\n  - c:\n    - d: 1\n", 6],
    ["compact sequences", "- - - - x\n", 4],
    ["flow inside block", "a:\n  b: [[1], {c: [2]}]\n", 5],
    ["a quote hiding a closing bracket", "a: [ ']' [ ']' [ ']' [ 1 ] ] ] ]\n", 5],
    ["a block scalar with an apostrophe, then flow", "a: |\n  don't\nb: [[[1]]]\n", 4],
    ["a quote in a block scalar, then compact sequences", 'a: |\n  "\nb:\n' + "- ".repeat(40) + "x\n", 40],
    ["a quote in a plain scalar's next line, then flow", "a: foo\n  'bar\nb: [[[[1]]]]\n", 5],
    [
      "block scalars between every level",
      Array.from(
        { length: 40 },
        (_, i) => `${" ".repeat(i)}s: |\n${" ".repeat(i + 1)}x\n${" ".repeat(i)}k:\n`,
      ).join(""),
      40,
    ],
  ])("counts %s at least as deep as the parser nests", (_what, text, atLeast) => {
    expect(yamlShape(text).depth).toBeGreaterThanOrEqual(atLeast);
  });

  it.each([
    ["JSON-style keys", '{"a":1,"b":{"c":2}}', { keys: 3 }],
    ["aliases", "a: &x 1\nb: *x\nc: [*x, *x]\nd: '*not'\n", { aliases: 3 }],
    ["keys after a quote in a block scalar", 'a: |\n  "\n' + "k: x\n".repeat(10), { keys: 11 }],
  ])("counts %s", (_what, text, counts) => {
    expect(yamlShape(text)).toMatchObject(counts);
  });

  it("stops at the first count past its limit", () => {
    expect(yamlShape("a: 1\n".repeat(1_000_000), { keys: 10 }).keys).toBe(11);
  });

  it("leaves real line files far below every limit", () => {
    const shape = yamlShape(readFileSync("examples/line.yaml", "utf8"));
    expect(shape.depth).toBeLessThan(MAX_BODY_DEPTH / 2);
    expect(shape.keys).toBeLessThan(YAML_LIMITS.keys / 4);
    expect(shape.aliases).toBe(0);
    expect(shape.nodes).toBeLessThan(YAML_LIMITS.nodes / 4);
  });
});
