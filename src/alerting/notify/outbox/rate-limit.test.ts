import fc from "fast-check";
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

describe("TokenBucket properties", () => {
  it("never allows more than burst + rate × elapsed, and a refused take always names a later time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 300 }),
        (perSecond, burst, steps) => {
          const b = new TokenBucket({ perSecond, burst }, 0);
          let now = 0;
          let taken = 0;
          for (const dt of steps) {
            now += dt;
            if (b.tryTake(now)) {
              taken++;
            } else {
              expect(b.availableAt(now)).toBeGreaterThan(now);
            }
            expect(taken).toBeLessThanOrEqual(burst + Math.floor((now * perSecond) / 1000) + 1e-9);
          }
        },
      ),
    );
  });
});
