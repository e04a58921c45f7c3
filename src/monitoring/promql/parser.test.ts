import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPromqlError } from "./errors.js";
import { parseExpr, parseExprCached } from "./parser.js";

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
  it("returns one frozen tree per query text, equal to a fresh parse", () => {
    const q = 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))';
    const first = parseExprCached(q);
    expect(parseExprCached(q)).toBe(first);
    expect(first).toEqual(parseExpr(q));
    expect(Object.isFrozen(first)).toBe(true);
    if (first.kind === "aggregate") {
      expect(Object.isFrozen(first.grouping)).toBe(true);
    }
  });

  it("throws the parse error again on every call instead of caching it", () => {
    expect(() => parseExprCached("sum(")).toThrow(/parse error/);
    expect(() => parseExprCached("sum(")).toThrow(/parse error/);
  });
});
