import { describe, expect, it } from "vitest";
import { TokenBucket } from "./rate-limit.js";

describe("TokenBucket", () => {
  it("allows the burst, then one token per 1/rate, and says when the next one comes", () => {
    const b = new TokenBucket({ perSecond: 4, burst: 2 }, 0);
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([true, true, false]);
    expect(b.availableAt(0)).toBe(250);
    expect(b.tryTake(249)).toBe(false);
    expect(b.tryTake(250)).toBe(true);
    expect(b.availableAt(300)).toBe(500);
  });

  it("never holds more than the burst after a quiet spell, and a clock stepping back adds nothing", () => {
    const b = new TokenBucket({ perSecond: 10, burst: 3 }, 0);
    const taken = Array.from({ length: 5 }, () => b.tryTake(60_000)).filter(Boolean).length;
    expect(taken).toBe(3);
    expect(b.tryTake(1000)).toBe(false);
  });
});
