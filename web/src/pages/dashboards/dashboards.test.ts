// The Dashboards page's pure parts: Grafana time ranges, units, reducers and thresholds, variable
// selection and substitution (through the server's interpolate.ts), the URL state and the step cap.
import { describe, expect, it } from "vitest";
import { interpolate } from "../../../../src/dashboard/dashboards/interpolate.js";
import { dashboardSchema } from "../../../../src/dashboard/dashboards/model.js";
import { interpolatedQueries, panelGrid } from "./data.js";
import { spansOf } from "./panels/StateTimelinePanel.js";
import { reduceValues, thresholdStep } from "./reduce.js";
import { resolveRange, resolveTime } from "./time-range.js";
import { formatValue } from "./units.js";
import { ALL, refreshMs, screenOf, viewStateOf, viewUrl } from "./url-state.js";
import { selectionOf, substitutions } from "./variables.js";
import { slugOf } from "./NewDashboard.js";

const NOW = Date.UTC(2026, 2, 10, 12, 34, 56, 789);

describe("time ranges", () => {
  it.each([
    ["now", NOW],
    ["now-6h", NOW - 6 * 3_600_000],
    ["now-15m", NOW - 15 * 60_000],
    ["now+1d", NOW + 86_400_000],
    ["1767225600000", 1_767_225_600_000],
    ["2026-03-10T08:00:00Z", Date.UTC(2026, 2, 10, 8)],
  ])("%s", (text, ms) => {
    expect(resolveTime(text, NOW)).toBe(ms);
  });

  it("rounds /unit to its start for from and its end for to", () => {
    const startOfDay = new Date(NOW);
    startOfDay.setHours(0, 0, 0, 0);
    expect(resolveTime("now/d", NOW)).toBe(startOfDay.getTime());
    expect(resolveTime("now/d", NOW, true)).toBe(startOfDay.getTime() + 86_400_000 - 1);
    const h = new Date(NOW - 3_600_000);
    h.setMinutes(0, 0, 0);
    expect(resolveTime("now-1h/h", NOW)).toBe(h.getTime());
  });

  it.each(["", "yesterday", "now-6", "now-6x", "6h", "2026-13", "now-1h/q"])("%j is not a time", (text) => {
    expect(resolveTime(text, NOW)).toBeUndefined();
  });

  it("names the end at fault", () => {
    expect(resolveRange({ from: "now-1h", to: "now" }, NOW)).toEqual({
      startMs: NOW - 3_600_000,
      endMs: NOW,
    });
    expect(resolveRange({ from: "bogus", to: "now" }, NOW)).toEqual({
      error: expect.stringMatching(/^from "bogus"/),
    });
    expect(resolveRange({ from: "now", to: "now-1h" }, NOW)).toEqual({
      error: expect.stringMatching(/not before/),
    });
  });
});

describe("units", () => {
  it.each([
    [1234, "short", undefined, "1.23 K"],
    [1_500_000, "short", undefined, "1.5 Mil"],
    [12, "short", undefined, "12"],
    [0.0042, "short", undefined, "0.0042"],
    [42.5, "percent", undefined, "42.5%"],
    [0.875, "percentunit", undefined, "87.5%"],
    [0.875, "percentunit", 0, "88%"],
    [0.25, "s", undefined, "250 ms"],
    [90, "s", undefined, "1.5 min"],
    [7200, "s", undefined, "2 hour"],
    [1500, "ms", undefined, "1.5 s"],
    [2048, "bytes", undefined, "2 KiB"],
    [3 * 1024 ** 3, "bytes", 1, "3.0 GiB"],
    [1500, "decbytes", undefined, "1.5 kB"],
    [12.345, "reqps", 1, "12.3 req/s"],
    [2500, "reqps", undefined, "2.5 K req/s"],
    [3, "widgets", undefined, "3 widgets"],
    [3.14159, "none", 2, "3.14"],
  ])("%d in %s (decimals %s) is %j", (v, unit, decimals, text) => {
    expect(formatValue(v, unit, decimals)).toBe(text);
  });

  it("says when there is no value, and infinities as Prometheus prints them", () => {
    expect(formatValue(undefined, "short")).toBe("No value");
    expect(formatValue(NaN, "short")).toBe("No value");
    expect(formatValue(Infinity, "s")).toBe("+Inf");
  });
});

describe("reducers and thresholds", () => {
  const values = [null, 3, 1, null, 5, 2, null];
  it.each([
    ["lastNotNull", 2],
    ["last", undefined],
    ["first", 3],
    ["mean", 11 / 4],
    ["max", 5],
    ["min", 1],
    ["sum", 11],
  ] as const)("%s", (reducer, expected) => {
    expect(reduceValues(values, reducer)).toBe(expected);
  });

  it("gives nothing to reduce as undefined", () => {
    expect(reduceValues([null, NaN], "max")).toBeUndefined();
  });

  it("picks the highest step at or below the value; the null step is the base", () => {
    const steps = [
      { value: 80, color: "orange" },
      { value: null, color: "green" },
      { value: 95, color: "red" },
    ];
    expect(thresholdStep(10, steps)?.color).toBe("green");
    expect(thresholdStep(80, steps)?.color).toBe("orange");
    expect(thresholdStep(99, steps)).toEqual({ color: "red", index: 2, from: 95 });
    expect(thresholdStep(undefined, steps)?.color).toBe("green");
    expect(thresholdStep(5, [])).toBeUndefined();
  });
});

describe("variables", () => {
  const base = { label: undefined, query: "", regex: undefined, allValue: undefined, default: undefined };
  const station = { ...base, name: "station", type: "query" as const, multi: true, includeAll: true };
  const line = { ...base, name: "line", type: "custom" as const, multi: false, includeAll: false };

  it("takes the URL's known values, else the default, else All or the first value", () => {
    expect(selectionOf(station, ["1", "2"], ["2", "9"])).toEqual(["2"]);
    expect(selectionOf(station, ["1", "2"], undefined)).toEqual([ALL]);
    expect(selectionOf(line, ["a", "b"], ["b", "a"])).toEqual(["b"]);
    expect(selectionOf(line, ["a", "b"], ["zzz"])).toEqual(["a"]);
    expect(selectionOf({ ...line, default: "b" }, ["a", "b"], undefined)).toEqual(["b"]);
  });

  it("substitutes as Grafana's Prometheus data source does: All as an alternation, a custom All raw", () => {
    const q = 'rate(units{station=~"$station", line="$line"}[$__rate_interval])';
    const subs = substitutions([station, line], { station: [ALL], line: ["a.b"] }, { station: ["1", "2"] });
    expect(interpolate(q, subs.vars, subs.raw)).toBe(
      'rate(units{station=~"(1|2)", line="a.b"}[$__rate_interval])',
    );
    const custom = substitutions([{ ...station, allValue: ".*" }], { station: [ALL] }, { station: ["1"] });
    expect(interpolate(q, custom.vars, custom.raw)).toContain('station=~".*"');
  });

  it("interpolates a panel's queries with its step as $__interval", () => {
    const panel = dashboardSchema.parse({
      uid: "x",
      title: "x",
      panels: [
        {
          id: 1,
          type: "timeseries",
          grid: { x: 0, y: 0, w: 12, h: 8 },
          queries: [{ expr: "rate(up[$__rate_interval]) # $__interval" }],
        },
      ],
    }).panels[0]!;
    const range = { startMs: NOW - 3_600_000, endMs: NOW };
    expect(interpolatedQueries(panel, { vars: {}, raw: {} }, range, 30)).toEqual(["rate(up[1m]) # 30s"]);
  });
});

describe("the query grid", () => {
  it("keeps points per series within the panel's pixel width", () => {
    for (const width of [50, 333, 800, 1900]) {
      for (const hours of [1, 6, 24, 24 * 7]) {
        const g = panelGrid({ startMs: NOW - hours * 3_600_000, endMs: NOW }, width);
        const points = Math.floor((g.end - g.start) / g.step) + 1;
        expect(points).toBeLessThanOrEqual(width);
        expect(g.start % g.step).toBe(0);
        // The last point is at or after the range's end (the freshest sample shows), within a step.
        expect(g.end).toBeGreaterThanOrEqual(NOW / 1000);
        expect(g.end - NOW / 1000).toBeLessThan(g.step);
      }
    }
  });

  it("splits a state timeline where the value changes", () => {
    expect(spansOf([0, 10, 20, 30], [1, 1, null, 2], 10)).toEqual([
      { from: 0, to: 20, value: 1 },
      { from: 20, to: 30, value: null },
      { from: 30, to: 40, value: 2 },
    ]);
  });
});

describe("the URL", () => {
  it("round-trips the view state, Grafana's way", () => {
    const s = { from: "now-1h", to: "now", refresh: "30s", vars: { station: ["1", "2"], line: ["a"] } };
    const url = viewUrl("line", s);
    expect(url).toBe(
      "/dashboards?uid=line&from=now-1h&to=now&refresh=30s&var-station=1&var-station=2&var-line=a",
    );
    const search = new URL(url, "http://x").searchParams;
    expect(screenOf(search)).toEqual({ kind: "view", uid: "line" });
    expect(viewStateOf(search)).toEqual(s);
  });

  it("ignores a uid that is not one", () => {
    expect(screenOf(new URLSearchParams("uid=../x"))).toEqual({ kind: "list" });
    expect(screenOf(new URLSearchParams("action=import"))).toEqual({ kind: "import" });
  });

  it("refreshes no faster than every 5 s", () => {
    expect(refreshMs("30s")).toBe(30_000);
    expect(refreshMs("1m")).toBe(60_000);
    expect(refreshMs("1s")).toBeUndefined();
    expect(refreshMs("")).toBeUndefined();
    expect(refreshMs("soon")).toBeUndefined();
  });

  it("derives a uid from a title", () => {
    expect(slugOf("Line 1 — Throughput!")).toBe("line-1-throughput");
    expect(slugOf("***")).toBe("dashboard");
  });
});
