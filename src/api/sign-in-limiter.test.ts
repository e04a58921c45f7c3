// The sign-in limiter under a manual clock, with property tests over random attack sequences.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams } from "../test-support/fuzz.js";
import {
  addressKey,
  BoundedLru,
  FailureCounter,
  SignInLimiter,
  type LimitPolicy,
} from "./sign-in-limiter.js";

const policy: LimitPolicy = {
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  forgetAfterMs: 3600_000,
  maxEntries: 50,
};

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe("FailureCounter", () => {
  it("lets the free failures through, then doubles the wait per failure up to the cap", () => {
    const c = clock();
    const counter = new FailureCounter(policy, c.now);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      waits.push(counter.waitMs("alice"));
      counter.fail("alice");
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 16000, 32000, 60000]);
    c.advance(59_999);
    expect(counter.waitMs("alice")).toBe(1);
    c.advance(1);
    expect(counter.waitMs("alice")).toBe(0);
    expect(counter.waitMs("bob")).toBe(0);
  });

  it("forgets a key after a quiet spell", () => {
    const c = clock();
    const counter = new FailureCounter(policy, c.now);
    for (let i = 0; i < 5; i++) {
      counter.fail("alice");
    }
    c.advance(policy.forgetAfterMs);
    expect(counter.waitMs("alice")).toBe(0);
    counter.fail("alice");
    expect(counter.waitMs("alice")).toBe(0); // counting from one again
  });
});

describe("BoundedLru", () => {
  it("evicts the least recently set key beyond its size", () => {
    const lru = new BoundedLru<number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.set("a", 3);
    lru.set("c", 4);
    expect([lru.get("a"), lru.get("b"), lru.get("c"), lru.size]).toEqual([3, undefined, 4, 2]);
  });
});

describe("SignInLimiter", () => {
  type Op =
    | { kind: "fail"; address: number; user: number }
    | { kind: "succeed"; user: number }
    | { kind: "wait"; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("fail" as const), address: fc.nat(200), user: fc.nat(200) }),
    fc.record({ kind: fc.constant("succeed" as const), user: fc.nat(200) }),
    fc.record({ kind: fc.constant("wait" as const), ms: fc.nat(10 * 60_000) }),
  );
  const limits = { perUser: policy, perAddress: { ...policy, freeFailures: 6 } };

  it("holds at most maxEntries per table, and never asks for more than the cap, whatever the sequence", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const c = clock();
        const limiter = new SignInLimiter(limits, c.now);
        for (const o of ops) {
          if (o.kind === "fail") {
            limiter.failed(`10.0.${o.address >> 8}.${o.address & 255}`, `user${o.user}`);
          } else if (o.kind === "succeed") {
            limiter.succeeded(`user${o.user}`);
          } else {
            c.advance(o.ms);
          }
          const size = limiter.size;
          expect(size.users).toBeLessThanOrEqual(policy.maxEntries);
          expect(size.addresses).toBeLessThanOrEqual(policy.maxEntries);
          const wait = limiter.waitMs("10.0.0.1", "user1");
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThanOrEqual(policy.maxDelayMs);
        }
      }),
      fuzzParams(200),
    );
  });

  it("never blocks a name with fewer failures than the free ones, from a fresh address", () => {
    fc.assert(
      fc.property(fc.nat(policy.freeFailures - 1), fc.nat(3600_000), (n, gap) => {
        const c = clock();
        const limiter = new SignInLimiter(limits, c.now);
        for (let i = 0; i < n; i++) {
          limiter.failed(`10.0.0.${i}`, "alice");
          c.advance(gap);
        }
        expect(limiter.waitMs("192.0.2.1", "alice")).toBe(0);
      }),
      fuzzParams(200),
    );
  });

  it("once blocked, the wait only shrinks as time passes without failures", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.array(fc.nat(30_000), { maxLength: 20 }),
        (n, steps) => {
          const c = clock();
          const limiter = new SignInLimiter(limits, c.now);
          for (let i = 0; i < n; i++) {
            limiter.failed("10.0.0.1", "alice");
          }
          let last = limiter.waitMs("10.0.0.1", "alice");
          for (const s of steps) {
            c.advance(s);
            const now = limiter.waitMs("10.0.0.1", "alice");
            expect(now).toBeLessThanOrEqual(last);
            last = now;
          }
        },
      ),
      fuzzParams(200),
    );
  });

  it("blocks one address cycling through names, and clears a name on success", () => {
    const c = clock();
    const limiter = new SignInLimiter(limits, c.now);
    for (let i = 0; i < 6; i++) {
      limiter.failed("10.0.0.1", `guess${i}`);
    }
    expect(limiter.waitMs("10.0.0.1", "someone-new")).toBeGreaterThan(0);
    expect(limiter.waitMs("10.0.0.2", "someone-new")).toBe(0);
    for (let i = 0; i < 3; i++) {
      limiter.failed(`10.0.1.${i}`, "alice");
    }
    expect(limiter.waitMs("10.0.2.1", "alice")).toBeGreaterThan(0);
    limiter.succeeded("alice");
    expect(limiter.waitMs("10.0.2.1", "alice")).toBe(0);
  });
});

describe("addressKey", () => {
  it.each([
    ["192.0.2.7", "192.0.2.7"],
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::9", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
  ])("%s counts as %s", (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
