// Fuzzing of the YAML loaders (P5 item 7): lineops.yaml, line.yaml and rule files, from edited real
// examples, random YAML trees of the right and wrong types, and deep nesting. Each must load or throw
// ConfigError (with file:line:col), within the per-case budget.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseLine } from "../deployment/line.js";
import { parseRuleFile } from "../monitoring/rules/files.js";
import { fuzzParams, nearValid, withinBudget } from "../test-support/fuzz.js";
import { ConfigError } from "./errors.js";
import { parseYaml } from "./load.js";
import { configSchema } from "./schema.js";

const CODES = ["LINEOPS_ERR_CONFIG_INVALID"];
const example = (p: string) => readFileSync(new URL(p, import.meta.url), "utf8");

const LOADERS = {
  "lineops.yaml": (text: string) => parseYaml(text, "lineops.yaml", configSchema),
  "line.yaml": (text: string) => parseLine(text, "line.yaml"),
  rules: (text: string) => parseRuleFile(text, "rules.yaml"),
} as const;
const EXAMPLES: Record<keyof typeof LOADERS, string[]> = {
  "lineops.yaml": [example("../../examples/lineops.yaml")],
  "line.yaml": [example("../../examples/line.yaml")],
  rules: [
    example("../monitoring/rules/fixtures/line-rules.yaml"),
    example("../monitoring/rules/fixtures/bad-rules.yaml"),
  ],
};
// YAML's structure characters, anchors, tags and the scalars that change type (yes, ~, 0x, 1e3).
const TOKENS = [
  ":",
  ": ",
  "- ",
  "\n",
  "\n  ",
  "  ",
  "[",
  "]",
  "{",
  "}",
  ",",
  "#",
  "&a ",
  "*a",
  "!!str ",
  "!!binary ",
  "? ",
  "|",
  ">",
  '"',
  "'",
  "~",
  "null",
  "yes",
  "0x1F",
  "1e3",
  ".inf",
  "-1",
  "<<: *a",
  "---\n",
  "...\n",
];

/** Loads, and on ConfigError checks that every issue says where: file:line:col. */
function load(kind: keyof typeof LOADERS, text: string): void {
  const r = withinBudget(() => LOADERS[kind](text), CODES);
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(ConfigError);
    for (const issue of (r.error as ConfigError).issues) {
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.col).toBeGreaterThanOrEqual(1);
    }
  }
}

// JSON-like values as YAML: right keys with wrong types and wrong keys with right types both show.
const yamlTree = fc
  .oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(
      fc.constantFrom(
        "line",
        "services",
        "groups",
        "server",
        "name",
        "rules",
        "expr",
        "version",
        "command",
        "x",
      ),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 4 },
    ),
  )
  .map((v) => stringify(v));

describe("YAML loader fuzzing", () => {
  it.each(Object.keys(LOADERS) as (keyof typeof LOADERS)[])(
    "%s: edited real files load or throw ConfigError with a position, within budget",
    (kind) => {
      fc.assert(
        fc.property(nearValid(EXAMPLES[kind], TOKENS), (text) => load(kind, text)),
        fuzzParams(200),
      );
    },
  );

  it.each(Object.keys(LOADERS) as (keyof typeof LOADERS)[])("%s: random YAML trees", (kind) => {
    fc.assert(
      fc.property(yamlTree, (text) => load(kind, text)),
      fuzzParams(200),
    );
  });

  it("nesting up to 200 levels, flow and block, and alias chains", () => {
    const shape = fc.record({
      n: fc.integer({ min: 1, max: 200 }),
      kind: fc.constantFrom("flow", "block", "map", "aliases"),
      loader: fc.constantFrom(...(Object.keys(LOADERS) as (keyof typeof LOADERS)[])),
    });
    fc.assert(
      fc.property(shape, ({ n, kind, loader }) => {
        const text =
          kind === "flow"
            ? `services: ${"[".repeat(n)}${"]".repeat(n)}`
            : kind === "block"
              ? Array.from({ length: n }, (_, i) => `${" ".repeat(i)}- `).join("\n") + "x"
              : kind === "map"
                ? Array.from({ length: n }, (_, i) => `${" ".repeat(i)}a${i}:`).join("\n") + " 1"
                : // A billion-laughs ladder: each level doubles the expanded size.
                  [
                    "a0: &a0 [x, x]",
                    ...Array.from(
                      { length: Math.min(n, 40) },
                      (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}]`,
                    ),
                  ].join("\n");
        load(loader, text);
      }),
      fuzzParams(120),
    );
  });

  // Issue 9 (P5), item 2: the yaml library recurses per nesting level, so 30 000 "[" (30 KB) took
  // ~0.5–2 s before "Maximum call stack size exceeded", and a second parse of 100 000 in the same
  // process aborted Node (V8 "RegExpCompiler Allocation failed"). Depth is now refused by the lexer.
  it.each([30_000, 100_000, 100_000])("a document nested %i deep is refused within budget", (n) => {
    const r = withinBudget(() => LOADERS["line.yaml"]("[".repeat(n)), CODES);
    expect(r.ok).toBe(false);
    expect(String((r as { error: unknown }).error)).toMatch(/nested deeper than 64 levels/);
  });
});
