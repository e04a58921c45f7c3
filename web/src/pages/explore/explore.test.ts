// Explore's pure parts: durations, the step cap, the URL state and result shaping.
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";
import { alignMatrix, seriesName, tableRows } from "../../charts/series.js";
import { autoStep, effectiveStep, MAX_POINTS } from "./step.js";
import { DEFAULT_STATE, MAX_EXPR_LENGTH, readState, writeState } from "./url-state.js";

describe("durations", () => {
  it.each([
    ["1h", 3600],
    ["1h30m", 5400],
    ["15s", 15],
    ["500ms", 0.5],
    ["2d", 172_800],
    ["1w", 604_800],
    ["1y", 31_536_000],
    ["90", 90],
    ["0.5", 0.5],
    [" 5m ", 300],
  ])("%j is %d s", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "0", "0s", "1x", "h", "1m1h", "1h1h", "-5m", "1.5h", "5 m", "1e3"])(
    "%j is not a duration",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it.each([
    [90, "1m30s"],
    [3600, "1h"],
    [0.25, "250ms"],
    [86_400 * 8, "1w1d"],
    [0, "0s"],
  ])("%d s prints as %s and parses back", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
    if (seconds > 0) {
      expect(parseDuration(text)).toBe(seconds);
    }
  });
});

describe("the step", () => {
  it.each([
    [3600, 1000, 5],
    [3600, 3600, 1],
    [300, 1000, 1],
    [86_400, 1000, 120],
    [30 * 86_400, 1200, 3600],
    [365 * 86_400, 800, 43_200],
    [10 * 365 * 86_400, 500, 86_400 * 8],
  ])("a %d s range over %d px steps by %d s", (range, width, step) => {
    expect(autoStep(range, width)).toBe(step);
    expect(range / autoStep(range, width)).toBeLessThanOrEqual(width);
  });

  it("never asks for more points than pixels, nor more than Prometheus's 11,000", () => {
    for (const range of [60, 3600, 86_400, 30 * 86_400]) {
      for (const width of [1, 320, 1024, 20_000]) {
        const { step } = effectiveStep(1, range, width);
        expect(range / step).toBeLessThanOrEqual(Math.min(width, MAX_POINTS));
      }
    }
  });

  it("keeps a coarser user step and raises a finer one, saying so", () => {
    expect(effectiveStep(60, 3600, 1000)).toEqual({ step: 60, raised: false });
    expect(effectiveStep(1, 3600, 1000)).toEqual({ step: 5, raised: true });
    expect(effectiveStep(undefined, 3600, 1000)).toEqual({ step: 5, raised: false });
  });
});

describe("the URL state", () => {
  it("round-trips through the query string and leaves defaults out", () => {
    const s = {
      expr: 'sum by (job) (up{job="a b"})',
      mode: "range",
      range: 5400,
      end: 1_700_000_000,
      step: 30,
      view: "table",
    } as const;
    const qs = writeState(s);
    expect(qs).toBe(
      "?expr=sum+by+%28job%29+%28up%7Bjob%3D%22a+b%22%7D%29&range=1h30m&end=1700000000&step=30s&view=table",
    );
    expect(readState(new URLSearchParams(qs.slice(1)))).toEqual(s);
    expect(writeState(DEFAULT_STATE)).toBe("");
  });

  it("falls back to defaults for values it cannot read, and bounds the expression", () => {
    const s = readState(
      new URLSearchParams(`mode=both&range=soon&end=-3&step=x&view=pie&expr=${"a".repeat(20_000)}`),
    );
    expect({ ...s, expr: s.expr.length }).toEqual({ ...DEFAULT_STATE, expr: MAX_EXPR_LENGTH });
  });
});

describe("results", () => {
  it("names series as PromQL prints them", () => {
    expect(seriesName({ __name__: "up", job: "a", instance: "x:1" })).toBe('up{instance="x:1", job="a"}');
    expect(seriesName({ line: 'q"t' })).toBe('{line="q\\"t"}');
    expect(seriesName({})).toBe("{}");
  });

  it("aligns a matrix on the query's grid, with gaps for missing and non-finite samples", () => {
    const aligned = alignMatrix(
      [
        {
          metric: { x: "a" },
          values: [
            [100, "1"],
            [110, "2"],
            [120, "3"],
          ],
        },
        {
          metric: { x: "b" },
          values: [
            [110, "NaN"],
            [120, "+Inf"],
            [999, "7"],
          ],
        },
      ],
      100,
      120,
      10,
    );
    expect(aligned).toEqual({
      names: ['{x="a"}', '{x="b"}'],
      data: [
        [100, 110, 120],
        [1, 2, 3],
        [null, null, null],
      ],
    });
  });

  it("lists one table row per series, a range query's last value and point count", () => {
    expect(
      tableRows({
        resultType: "matrix",
        result: [
          {
            metric: { x: "a" },
            values: [
              [1, "5"],
              [2, "6"],
            ],
          },
        ],
      }),
    ).toEqual([{ name: '{x="a"}', value: "6", points: 2 }]);
    expect(tableRows({ resultType: "scalar", result: [1, "42"] })).toEqual([{ name: "scalar", value: "42" }]);
    expect(
      tableRows({ resultType: "vector", result: [{ metric: { __name__: "up" }, value: [1, "1"] }] }),
    ).toEqual([{ name: "up", value: "1" }]);
  });
});
