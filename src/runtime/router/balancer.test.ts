import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { BackendState } from "./backend.js";
import type { Backend } from "./backend.js";
import { buildPool, pick, pickRouted } from "./balancer.js";
import { hashValue, stickyGroupOf, stickyRanges, validateWeights } from "./weights.js";

function states(list: Partial<Backend>[]): BackendState[] {
  return list.map(
    (b, i) => new BackendState({ instanceId: `b${i}`, host: "127.0.0.1", port: 1000 + i, ...b }, "svc"),
  );
}

function countPicks(n: number, next: () => BackendState | undefined): Map<string, number> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = next()?.backend.instanceId ?? "none";
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

describe("balancer", () => {
  it("splits exactly by group percent, then by backend weight, and interleaves smoothly", () => {
    const members = states([
      { instanceId: "s1" },
      { instanceId: "s2", weight: 3 },
      { instanceId: "c1", group: "canary" },
    ]);
    const pool = buildPool(members, { stable: 80, canary: 20 }, "preview");
    const order: string[] = [];
    for (let i = 0; i < 100; i++) {
      order.push(pickRouted(pool, 0, false)?.backend.instanceId ?? "none");
    }
    const count = (id: string) => order.filter((x) => x === id).length;
    expect(count("c1")).toBe(20);
    expect(count("s1")).toBe(20);
    expect(count("s2")).toBe(60);
    // Smooth: the canary never gets two in a row at 20 %.
    expect(order.join(",")).not.toContain("c1,c1");
  });

  it("skips draining and ejected backends, and lets an empty group cede its share", () => {
    const members = states([
      { instanceId: "s1" },
      { instanceId: "s2" },
      { instanceId: "c1", group: "canary" },
    ]);
    const pool = buildPool(members, { stable: 50, canary: 50 }, "preview");
    const [s1, , c1] = members as [BackendState, BackendState, BackendState];
    s1.draining = true;
    c1.ejectedUntil = 1_000;
    expect(countPicks(10, () => pick({ pool, forced: undefined, strict: false }, 500))).toEqual(
      new Map([["s2", 10]]),
    );
    // Ejection over: the canary is back to half.
    expect(countPicks(10, () => pick({ pool, forced: undefined, strict: false }, 1_000)).get("c1")).toBe(5);
  });

  it("routes to ejected backends when every candidate is ejected (panic), never to draining ones", () => {
    const members = states([{ instanceId: "a" }, { instanceId: "b" }]);
    const pool = buildPool(members, undefined, "preview");
    for (const m of members) {
      m.ejectedUntil = 10;
    }
    expect(countPicks(4, () => pick({ pool, forced: undefined, strict: false }, 0)).size).toBe(2);
    for (const m of members) {
      m.draining = true;
    }
    expect(pick({ pool, forced: undefined, strict: false }, 0)).toBeUndefined();
  });

  it("keeps the preview group out of normal rotation without weights", () => {
    const members = states([{ instanceId: "s" }, { instanceId: "p", group: "preview" }]);
    const pool = buildPool(members, undefined, "preview");
    expect(countPicks(6, () => pick({ pool, forced: undefined, strict: false }, 0))).toEqual(
      new Map([["s", 6]]),
    );
    const forced = pool.byName.get("preview");
    expect(countPicks(3, () => pick({ pool, forced, strict: true }, 0))).toEqual(new Map([["p", 3]]));
  });
});

describe("weights", () => {
  it("rejects weights that are not percentages summing to 100", () => {
    const bads: Record<string, number>[] = [
      {},
      { stable: 90 },
      { stable: 90, canary: 20 },
      { stable: -10, canary: 110 },
      { "": 100 },
      { stable: Number.NaN },
    ];
    for (const bad of bads) {
      expect(() => validateWeights("svc", bad)).toThrow(
        expect.objectContaining({ code: "LINEOPS_ERR_INVALID_WEIGHTS" }),
      );
    }
    expect(validateWeights("svc", { stable: 66.5, canary: 33.5 })).toEqual({ stable: 66.5, canary: 33.5 });
  });

  it("maps sticky values onto groups in proportion to their weights", () => {
    const ranges = stickyRanges({ stable: 70, canary: 30 });
    let canary = 0;
    for (let i = 0; i < 10_000; i++) {
      if (stickyGroupOf(ranges, `user-${i}`) === "canary") {
        canary++;
      }
    }
    expect(canary).toBeGreaterThan(2_800);
    expect(canary).toBeLessThan(3_200);
  });

  it("never moves a sticky value out of the canary when the canary's share grows", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 1, max: 100 }),
        (v, a, grow) => {
          const b = Math.min(100, a + grow);
          const before = stickyGroupOf(stickyRanges({ stable: 100 - a, canary: a }), v);
          const after = stickyGroupOf(stickyRanges({ stable: 100 - b, canary: b }), v);
          return before !== "canary" || after === "canary";
        },
      ),
    );
    expect(hashValue("abc")).toBe(hashValue("abc"));
  });
});
