import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregate } from "../tsdb/downsample.js";
import { counterPoints, tierWindowInput } from "./tier-windows.js";
import type { WindowCtx } from "./range-functions.js";

const RES = 60_000;
const STEP = 10_000; // six raw samples per tier window

/** Prometheus's counter increase over vs[0, n): each drop is a reset that counts the new value. */
function increase(vs: ArrayLike<number>, n: number): number {
  let inc = 0;
  for (let i = 1; i < n; i++) {
    const d = vs[i]! - vs[i - 1]!;
    inc += d >= 0 ? d : vs[i]!;
  }
  return inc;
}

/** Raw counter samples: increments in [0, 10], and at the chosen samples a reset to the increment. */
const counter = fc
  .record({
    incs: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 12, maxLength: 240 }),
    resets: fc.array(fc.nat(), { maxLength: 6 }),
    start: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ incs, resets, start }) => {
    const at = new Set(resets.map((r) => 1 + (r % (incs.length - 1))));
    const vs = new Float64Array(incs.length);
    vs[0] = start;
    for (let i = 1; i < incs.length; i++) {
      vs[i] = at.has(i) ? incs[i]! : vs[i - 1]! + incs[i]!;
    }
    const ts = Float64Array.from(vs, (_, i) => i * STEP);
    return { ts, vs };
  });

/**
 * Whether the tier can see every reset: at most one per window, and after it the counter stays
 * below the value it had reached before it in that window (counterPoints' documented limits).
 */
function resetsVisible(ts: Float64Array, vs: Float64Array): boolean {
  let win = -1;
  let resets = 0;
  let peak = -Infinity; // what the counter had reached before this window's reset
  for (let i = 0; i < ts.length; i++) {
    const w = Math.floor(ts[i]! / RES);
    if (w !== win) {
      win = w;
      resets = 0;
      peak = i > 0 ? vs[i - 1]! : -Infinity;
    }
    if (i > 0 && vs[i]! < vs[i - 1]!) {
      resets++;
      if (resets > 1) {
        return false;
      }
    }
    if (resets === 0) {
      peak = Math.max(peak, vs[i]!);
    } else if (vs[i]! >= peak && i > 0) {
      return false;
    }
  }
  return true;
}

describe("counter points from a tier", () => {
  it("count the increase between the first and last window exactly when every reset shows, and never more", () => {
    fc.assert(
      fc.property(counter, ({ ts, vs }) => {
        const a = aggregate(ts, vs, ts.length, RES);
        const c = counterPoints(a);
        const fromTier = increase(c.vs, c.n);
        // The raw increase over the same span: from the first window's last sample to the end.
        const first = ts.indexOf(a.ts[0]!);
        const raw = increase(vs.subarray(first), ts.length - first);
        expect(fromTier).toBeLessThanOrEqual(raw);
        if (resetsVisible(ts, vs)) {
          expect(fromTier).toBe(raw);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("adds a peak point only where a window hides a reset", () => {
    const ts = Float64Array.from([0, 30_000, 60_000, 80_000, 100_000, 120_000, 140_000, 170_000]);
    const vs = Float64Array.from([0, 50, 80, 2, 5, 40, 2, 30]);
    const a = aggregate(ts, vs, ts.length, RES);
    const c = counterPoints(a);
    // Window 1 rises to 80 and resets, ending at 5; window 2 rises to 40 and resets, ending at 30,
    // above the 5 before it: only its peak shows the reset. Both peaks are kept.
    expect(Array.from(c.vs.subarray(0, c.n))).toEqual([50, 80, 5, 40, 30]);
    expect(increase(c.vs, c.n)).toBe(increase(vs.subarray(1), vs.length - 1));
  });
});

describe("window functions over tier points", () => {
  const ctx: WindowCtx = {
    ref: 0,
    rangeMs: 0,
    stepTime: 0,
    params: [],
    resets: new Int32Array(0),
    nResets: 0,
    resetFrom: 0,
  };

  it("answer *_over_time over whole windows exactly as raw samples do", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const vs = Float64Array.from(xs);
        const ts = Float64Array.from(vs, (_, i) => i * STEP);
        const a = aggregate(ts, vs, ts.length, RES);
        const run = (name: string, use: Parameters<typeof tierWindowInput>[0]) => {
          const w = tierWindowInput(use, name, a);
          return w.fn(w.ts, w.vs, 0, w.n, ctx);
        };
        const total = xs.reduce((s, x) => s + x, 0);
        expect(run("sum_over_time", "sum")).toBe(total);
        expect(run("count_over_time", "count")).toBe(xs.length);
        expect(run("avg_over_time", "avg")).toBeCloseTo(total / xs.length, 9);
        expect(run("min_over_time", "min")).toBe(Math.min(...xs));
        expect(run("max_over_time", "max")).toBe(Math.max(...xs));
        expect(run("last_over_time", "last")).toBe(xs[xs.length - 1]);
      }),
      { numRuns: 200 },
    );
  });
});
