// Forecast size bounds (issue P5): forecast points count against the query sample budget.
import { describe, expect, it } from "vitest";
import { PromqlErrors, TOO_MANY_SAMPLES_MESSAGE } from "../promql/errors.js";
import { forecast, type ForecastParams, type RangeQuery } from "./analysis.js";

/** A range query answering `series` flat series with one point per step, counting its calls. */
function fakeRange(series: number): RangeQuery & { calls: number } {
  const q = Object.assign(
    async (_query: string, startMs: number, endMs: number, stepMs: number) => {
      q.calls++;
      const points: { t: number; v: number }[] = [];
      for (let t = startMs; t <= endMs; t += stepMs) {
        points.push({ t, v: 1 });
      }
      return {
        type: "matrix" as const,
        series: Array.from({ length: series }, (_, i) => ({ labels: { i: String(i) }, points })),
      };
    },
    { calls: 0 },
  );
  return q;
}

const base: ForecastParams = {
  query: "up",
  endMs: 3600_000,
  rangeMs: 600_000,
  stepMs: 60_000,
  horizonMs: 3600_000,
  method: "linear",
  maxSamples: 10_000_000,
};

describe("forecast bounds", () => {
  it.each([
    // Before: horizon=1000y&step=1ms computed 3e13 points (41 s of CPU, then out of heap).
    ["1000 years at 1 ms", { horizonMs: 1000 * 365 * 86_400_000, stepMs: 1 }],
    ["11,001 steps", { horizonMs: 11_001 * 60_000 }],
  ])("refuses a horizon of %s before running the query (400 bad_data)", async (_name, over) => {
    const q = fakeRange(1);
    await expect(forecast(q, { ...base, ...over })).rejects.toMatchObject({
      code: PromqlErrors.tooManyPoints.code,
      httpStatus: 400,
      errorType: "bad_data",
    });
    expect(q.calls).toBe(0);
  });

  it("counts forecast points of every series against the sample budget (422)", async () => {
    // 100 series x (11 samples read + 10,000 points) > 1M. Before: computed all of them.
    const err = forecast(fakeRange(100), { ...base, horizonMs: 10_000 * 60_000, maxSamples: 1_000_000 });
    await expect(err).rejects.toMatchObject({
      code: PromqlErrors.tooManySamples.code,
      httpStatus: 422,
      errorType: "execution",
      message: TOO_MANY_SAMPLES_MESSAGE,
    });
  });

  it("forecasts within the budget", async () => {
    const out = await forecast(fakeRange(2), { ...base, maxSamples: 200 });
    expect(out).toHaveLength(2);
    expect(out[0]?.forecast).toHaveLength(60);
  });
});
