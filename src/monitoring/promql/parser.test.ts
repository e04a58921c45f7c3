import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPromqlError, PromqlErrors } from "./errors.js";
import {
  MAX_EXPR_DEPTH,
  MAX_NESTING,
  MAX_QUERY_BYTES,
  PARSED_CACHE_BYTES,
  parseCacheStats,
  parseExpr,
  parseExprAsync,
  parseExprCached,
} from "./parser.js";

describe("parseExpr", () => {
  it("binds a sign looser than ^ and ^ to the right", () => {
    const e = parseExpr("-2 ^ 3 ^ 2");
    expect(e.kind).toBe("unary");
    if (e.kind === "unary" && e.expr.kind === "binary") {
      expect(e.expr.rhs.kind).toBe("binary");
    }
  });

  it("attaches offset and @ to the selector on their left", () => {
    const e = parseExpr("a + b offset 5m @ 100");
    expect(e.kind).toBe("binary");
    if (e.kind === "binary" && e.rhs.kind === "vectorSelector") {
      expect(e.rhs.offset).toEqual({ kind: "lit", ms: 300_000 });
      expect(e.rhs.at).toEqual({ kind: "ts", ms: 100_000 });
    } else {
      throw new Error("offset bound to the wrong operand");
    }
  });

  it("positions errors on later lines as line:col", () => {
    expect(() => parseExpr("sum(\n  foo +\n)")).toThrow(/^3:1: parse error: /);
  });

  it("never throws anything but a PromqlError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (q) => {
        try {
          parseExpr(q);
        } catch (e) {
          expect(isPromqlError(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("parseExprCached", () => {
  it("returns one frozen tree per query text, equal to a fresh parse", async () => {
    const q = 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))';
    const first = await parseExprCached(q);
    expect(await parseExprCached(q)).toBe(first);
    expect(first).toEqual(parseExpr(q));
    expect(Object.isFrozen(first)).toBe(true);
    if (first.kind === "aggregate") {
      expect(Object.isFrozen(first.grouping)).toBe(true);
    }
  });

  it("throws the parse error again on every call instead of caching it", async () => {
    await expect(parseExprCached("sum(")).rejects.toThrow(/parse error/);
    await expect(parseExprCached("sum(")).rejects.toThrow(/parse error/);
  });
});

const chain = (n: number, term = "vector(1)") => Array(n).fill(term).join(" + ");
const nested = (n: number) => "(".repeat(n) + "1" + ")".repeat(n);

/** Depth of a left-leaning chain of binary expressions. */
function chainLength(e: ReturnType<typeof parseExpr>): number {
  let n = 1;
  while (e.kind === "binary") {
    n++;
    e = e.lhs;
  }
  return n;
}

// Issue P5: parsing bounded in size and depth, with messages that say so.
describe("parser bounds", () => {
  it.each([
    // Before: lezer forced the chain out of its production at ~3,800 characters: "1:3804: parse
    // error: unexpected identifier "vector"".
    ["400 terms of vector(1)", chain(400), 400],
    ["800 terms of a selector", chain(800, 'up{job="a"}'), 800],
    ["256 nested parentheses", nested(MAX_NESTING), 1],
  ])("parses %s", (_name, query, terms) => {
    expect(chainLength(parseExpr(query))).toBe(terms);
  });

  it.each([
    // Before: "1:2801: parse error: unexpected character: '('" after seconds of lezer error recovery.
    ["nesting past the limit", nested(MAX_NESTING + 1), PromqlErrors.parse.code, /nested too deeply/],
    [
      "a chain past the limit",
      chain(2 * MAX_EXPR_DEPTH + 10, "a"),
      PromqlErrors.parse.code,
      /nested too deeply/,
    ],
    // Before: parsed, and cached whatever its size.
    [
      "a query over the length cap",
      `up{job="${"x".repeat(MAX_QUERY_BYTES)}"}`,
      PromqlErrors.queryTooLong.code,
      /bytes/,
    ],
  ])("rejects %s as bad_data with a message that says why", (_name, query, code, message) => {
    let err: unknown;
    try {
      parseExpr(query);
    } catch (e) {
      err = e;
    }
    expect(isPromqlError(err)).toBe(true);
    expect(err).toMatchObject({ code, httpStatus: 400, errorType: "bad_data" });
    expect((err as Error).message).toMatch(message);
  });

  it("parses in slices to the same tree", async () => {
    for (const q of [chain(400), 'sum by (job) (rate(x{a=~"b.*"}[5m])) > bool 2', nested(50)]) {
      expect(await parseExprAsync(q)).toEqual(parseExpr(q));
    }
  });

  it("keeps the parse cache within its byte budget whatever the queries' size", async () => {
    // Before: 256 entries of any size (150 queries of ~0.9 MB held 3 GB). Each of these has 8,000
    // matchers (~100 KB of text, far more as a tree).
    const big = (i: number) => `up{${Array.from({ length: 8000 }, (_, k) => `l${k}!="${i}"`).join(",")}}`;
    const first = await parseExprCached(big(0));
    for (let i = 1; i < 20; i++) {
      await parseExprCached(big(i));
    }
    expect(parseCacheStats().bytes).toBeLessThanOrEqual(PARSED_CACHE_BYTES);
    expect(await parseExprCached(big(0))).not.toBe(first); // evicted for bytes, with 236 entries still free
    // Small queries are still cached and shared.
    const q = "rate(x[5m])";
    expect(await parseExprCached(q)).toBe(await parseExprCached(q));
  });
});

describe("string literals", () => {
  it.each([
    ['"plain"', "plain"],
    ['"a\\tb\\nc"', "a\tb\nc"],
    ['"\\u00e9t\\xc3\\xa9 long run after an escape"', "été long run after an escape"],
    ["'single \\' quote'", "single ' quote"],
    ["`raw \\n`", "raw \\n"],
  ])("reads %s with escapes between runs", (lit, value) => {
    const e = parseExpr(`up{a=${lit}}`);
    expect(e.kind === "vectorSelector" && e.matchers.find((m) => m.name === "a")?.value).toBe(value);
  });
});
