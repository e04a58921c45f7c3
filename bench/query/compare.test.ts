import { describe, expect, it } from "vitest";
import { apiNumber, compareResults, valuesEqual, type ApiData } from "./compare.js";

const vec = (...s: Array<[Record<string, string>, string]>): ApiData => ({
  resultType: "vector",
  result: s.map(([metric, v]) => ({ metric, value: [100, v] })),
});
const mat = (...s: Array<[Record<string, string>, Array<[number, string]>]>): ApiData => ({
  resultType: "matrix",
  result: s.map(([metric, values]) => ({ metric, values })),
});

describe("valuesEqual", () => {
  it("takes NaN as equal to NaN only, and infinities only as themselves", () => {
    expect(valuesEqual(NaN, NaN)).toBe(true);
    expect(valuesEqual(NaN, 0)).toBe(false);
    expect(valuesEqual(Infinity, Infinity)).toBe(true);
    expect(valuesEqual(Infinity, -Infinity)).toBe(false);
    expect(valuesEqual(Infinity, 1e308)).toBe(false);
  });
  it("allows 1e-6 relative difference, not more", () => {
    expect(valuesEqual(1_000_000, 1_000_000.9)).toBe(true);
    expect(valuesEqual(1_000_000, 1_000_001.1)).toBe(false);
    expect(valuesEqual(1e-13, 0)).toBe(true);
    expect(valuesEqual(1e-9, 0)).toBe(false);
  });
  it("parses the API's special values", () => {
    expect(apiNumber("+Inf")).toBe(Infinity);
    expect(apiNumber("-Inf")).toBe(-Infinity);
    expect(apiNumber("NaN")).toBeNaN();
    expect(apiNumber("1.5e3")).toBe(1500);
  });
});

describe("compareResults", () => {
  it("matches series by label set in any order", () => {
    const a = vec([{ job: "a", x: "1" }, "1"], [{ job: "b" }, "2"]);
    const b = vec([{ job: "b" }, "2"], [{ x: "1", job: "a" }, "1.0000000001"]);
    const c = compareResults(a, b);
    expect(c.agree).toBe(true);
    expect(c.points).toBe(2);
  });
  it("reports a series missing on either side and a differing value", () => {
    const a = vec([{ job: "a" }, "1"], [{ job: "b" }, "2"]);
    const b = vec([{ job: "a" }, "1.1"], [{ job: "c" }, "2"]);
    const c = compareResults(a, b);
    expect(c.agree).toBe(false);
    expect(c.mismatchCount).toBe(3);
    expect(c.mismatches.join("\n")).toMatch(/only in A/);
    expect(c.mismatches.join("\n")).toMatch(/only in B/);
    expect(c.mismatches.join("\n")).toMatch(/1 vs 1.1/);
  });
  it("compares range answers timestamp by timestamp", () => {
    const a = mat([
      { j: "a" },
      [
        [1, "1"],
        [2, "NaN"],
        [3, "3"],
      ],
    ]);
    expect(
      compareResults(
        a,
        mat([
          { j: "a" },
          [
            [1, "1"],
            [2, "NaN"],
            [3, "3"],
          ],
        ]),
      ).agree,
    ).toBe(true);
    const gap = compareResults(
      a,
      mat([
        { j: "a" },
        [
          [1, "1"],
          [3, "3"],
        ],
      ]),
    );
    expect(gap.agree).toBe(false);
    expect(gap.mismatches[0]).toMatch(/@2: NaN only in A/);
  });
  it("flags different result types", () => {
    const s: ApiData = { resultType: "scalar", result: [1, "1"] };
    expect(compareResults(s, vec([{}, "1"])).agree).toBe(false);
  });
});
