// Fuzzing of label matchers in series selectors (P5 item 7): regexes from RE2's own tokens inside
// real selectors. A selector parses or is a 400, and a compiled matcher answers any label value
// within the per-case budget.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams, tokenSoup, withinBudget } from "../../test-support/fuzz.js";
import type { Expr } from "./ast.js";
import { PromqlErrors } from "./errors.js";
import { compileMatcher } from "./matcher.js";
import { parseExpr } from "./parser.js";

const CODES = [PromqlErrors.parse.code];
const RE_TOKENS = [
  "a",
  "b",
  ".",
  "*",
  "+",
  "?",
  "|",
  "(",
  ")",
  "(?:",
  "(?i)",
  "(?P<n>",
  "[",
  "]",
  "[^",
  "-",
  "^",
  "$",
  "\\d",
  "\\w",
  "\\s",
  "\\.",
  "\\\\",
  "\\p{N}",
  "[[:alpha:]]",
  "\\Q",
  "\\E",
  "{2}",
  "{1,3}",
  "{,",
  "}",
  "\u00e9",
  "\\x41",
  "\\z",
];
const VALUES = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: fc.constantFrom("a", "b", "X", ".", "\n", "é"), maxLength: 24 }),
);

/** The matchers of a parsed selector, compiled as the querier compiles them. */
function selectorMatchers(e: Expr) {
  return e.kind === "vectorSelector" ? e.matchers.map(compileMatcher) : [];
}

describe("label matcher fuzzing", () => {
  it("regex matchers from RE2 tokens: a 400 or a matcher that answers within budget", () => {
    fc.assert(
      fc.property(
        tokenSoup(RE_TOKENS, 12),
        fc.constantFrom("=~", "!~"),
        fc.array(VALUES, { maxLength: 8 }),
        (re, op, values) => {
          const q = `{__name__=~"up|x", job${op}${JSON.stringify(re)}}`;
          withinBudget(() => {
            const parsed = parseExpr(q);
            for (const m of selectorMatchers(parsed)) {
              for (const v of values) {
                expect(typeof m.matches(v)).toBe("boolean");
              }
            }
          }, CODES);
        },
      ),
      fuzzParams(500),
    );
  });

  it("equality matchers of any text and any name: exact, within budget", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("=", "!="),
        fc.string({ maxLength: 16 }),
        fc.string({ maxLength: 16 }),
        fc.string({ minLength: 1, maxLength: 10 }),
        (op, value, other, name) => {
          const q = `{${JSON.stringify(name)}${op}${JSON.stringify(value)}, __name__="up"}`;
          const r = withinBudget(() => parseExpr(q), CODES);
          const m = r.ok ? selectorMatchers(r.value).find((x) => x.name === name) : undefined;
          if (m) {
            expect(m.matches(value)).toBe(op === "=");
            expect(m.matches(other)).toBe(op === "=" ? other === value : other !== value);
          }
        },
      ),
      fuzzParams(300),
    );
  });

  // Issue 9 (P5), item 3: on JavaScript's backtracking engine `(.*){7}X` against a 40-character
  // value took over a second (against real series names, 37 s); RE2 matching is linear.
  it("a nested-quantifier regex answers a 40-character value within budget", () => {
    withinBudget(() => {
      const m = selectorMatchers(parseExpr('{__name__=~"(.*){7}X"}'))[0];
      expect(m?.matches("a".repeat(40))).toBe(false);
    }, CODES);
  });
});
