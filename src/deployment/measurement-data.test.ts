// What a measurement event stores: the measurement with where it belongs, each side's values
// capped so one query over thousands of series cannot bloat every stored event.
import { describe, expect, it } from "vitest";
import { MEASUREMENT_VALUES_KEPT, measurementData } from "./rollout.js";

describe("measurementData", () => {
  it("keeps the measurement whole with its step or the background mark", () => {
    const m = { template: "t", metric: "m", query: "up", values: ["1"], baselineValues: ["2"] };
    expect(measurementData(m, { step: 2 })).toEqual({ step: 2, ...m });
    expect(measurementData(m, { background: true })).toEqual({ background: true, ...m });
    expect(measurementData(undefined, { step: 0 })).toBeUndefined();
  });

  it("keeps the first values of each side and says how many it left out", () => {
    const many = Array.from({ length: MEASUREMENT_VALUES_KEPT + 10 }, (_, i) => String(i));
    const data = measurementData({ values: many, baselineValues: many.slice(0, 3) }, { step: 0 }) as {
      values: string[];
      valuesOmitted: number;
      baselineValues: string[];
      baselineValuesOmitted?: number;
    };
    expect(data.values).toEqual(many.slice(0, MEASUREMENT_VALUES_KEPT));
    expect(data.valuesOmitted).toBe(10);
    expect(data.baselineValues).toEqual(["0", "1", "2"]);
    expect(data.baselineValuesOmitted).toBeUndefined();
  });
});
