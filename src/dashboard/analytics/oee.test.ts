import { describe, expect, it } from "vitest";
import { oeeFactors, pareto, sumTotals } from "./oee.js";

describe("oeeFactors", () => {
  it("computes the textbook case by hand: 50 of 60 planned minutes, 45 units at 60 s, 43 good", () => {
    const f = oeeFactors({
      plannedSeconds: 60 * 60,
      runSeconds: 50 * 60,
      totalUnits: 45,
      goodUnits: 43,
      idealSeconds: 45 * 60,
    });
    expect(f.availability).toBeCloseTo(0.8333, 4);
    expect(f.performance).toBeCloseTo(0.9, 4);
    expect(f.quality).toBeCloseTo(0.9556, 4);
    expect(f.oee).toBeCloseTo(0.7167, 4);
    // OEE is also fully productive time over planned time: 43 good units × 60 s / 3600 s.
    expect(f.oee).toBeCloseTo((43 * 60) / 3600, 12);
  });

  it("has no factor where its denominator is zero, and OEE 0 for a station that never ran", () => {
    expect(
      oeeFactors({ plannedSeconds: 0, runSeconds: 0, totalUnits: 0, goodUnits: 0, idealSeconds: 0 }),
    ).toEqual({
      availability: null,
      performance: null,
      quality: null,
      oee: null,
    });
    expect(
      oeeFactors({ plannedSeconds: 600, runSeconds: 0, totalUnits: 0, goodUnits: 0, idealSeconds: 0 }),
    ).toEqual({ availability: 0, performance: null, quality: null, oee: 0 });
  });

  it("leaves performance and OEE undefined without an ideal cycle time", () => {
    const f = oeeFactors({
      plannedSeconds: 100,
      runSeconds: 50,
      totalUnits: 10,
      goodUnits: 9,
      idealSeconds: undefined,
    });
    expect(f).toEqual({ availability: 0.5, performance: null, quality: 0.9, oee: null });
  });
});

describe("sumTotals", () => {
  it("adds times and units, so the line's OEE weighs each station by its planned time", () => {
    const a = { plannedSeconds: 3600, runSeconds: 3000, totalUnits: 45, goodUnits: 43, idealSeconds: 2700 };
    const b = { plannedSeconds: 3600, runSeconds: 3600, totalUnits: 60, goodUnits: 60, idealSeconds: 3600 };
    const line = oeeFactors(sumTotals([a, b]));
    expect(line.availability).toBeCloseTo(6600 / 7200, 12);
    expect(line.performance).toBeCloseTo(6300 / 6600, 12);
    expect(line.quality).toBeCloseTo(103 / 105, 12);
    expect(line.oee).toBeCloseTo((43 * 60 + 60 * 60) / 7200, 12);
    expect(sumTotals([a, { ...b, idealSeconds: undefined }]).idealSeconds).toBeUndefined();
  });
});

describe("pareto", () => {
  it("orders causes by duration with shares and the cumulative curve, dropping empty causes", () => {
    const p = pareto([
      { reason: "faulted", seconds: 300 },
      { reason: "offline", seconds: 0 },
      { reason: "jammed", seconds: 900 },
      { reason: "changeover", seconds: 300 },
    ]);
    expect(p.map((i) => i.reason)).toEqual(["jammed", "faulted", "changeover"]);
    expect(p.map((i) => i.share)).toEqual([0.6, 0.2, 0.2]);
    expect(p.map((i) => i.cumulativeShare)).toEqual([0.6, 0.8, 1]);
    expect(pareto([])).toEqual([]);
  });
});
