import { describe, expect, it } from "vitest";
import { isStaleNaN, labelsKey, STALE_NAN } from "./model.js";

describe("monitoring model", () => {
  it("keeps the staleness marker through a Float64Array and tells it from an ordinary NaN", () => {
    const arr = new Float64Array(2);
    arr[0] = STALE_NAN;
    arr[1] = NaN;
    const pass = (v: number) => v;
    expect(isStaleNaN(pass(arr[0]))).toBe(true);
    expect(isStaleNaN(arr[1])).toBe(false);
    expect(isStaleNaN(0)).toBe(false);
  });

  it("makes the same key for the same labels in any order", () => {
    expect(labelsKey({ a: "1", b: "2" })).toBe(labelsKey({ b: "2", a: "1" }));
    expect(labelsKey({ a: "1", b: "2" })).not.toBe(labelsKey({ a: "12" }));
  });
});
