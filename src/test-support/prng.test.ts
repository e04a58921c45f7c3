import { describe, expect, it } from "vitest";
import { prng } from "./prng.js";

describe("prng", () => {
  it("repeats the mulberry32 sequence of its seed, so generated data never changes between runs", () => {
    const r = prng(42);
    expect([r(), r(), r()].map((x) => x * 2 ** 32)).toEqual([2581720956, 1925393290, 3661312704]);
    const a = prng(7);
    const b = prng(7);
    expect(Array.from({ length: 1000 }, () => a())).toEqual(Array.from({ length: 1000 }, () => b()));
  });

  it("stays in [0, 1)", () => {
    const r = prng(0);
    for (let i = 0; i < 10_000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
