import { describe, expect, it } from "vitest";
import { parseExposition } from "../../src/monitoring/scrape/parser.js";
import { TargetTemplate } from "./series.js";

function parse(body: string): Map<string, number> {
  const out = new Map<string, number>();
  parseExposition(body, "text", {
    sample(series, value) {
      expect(out.has(series), `duplicate series ${series}`).toBe(false);
      out.set(series, value);
    },
  });
  return out;
}

describe("TargetTemplate", () => {
  it.each([1, 14, 99, 100, 101, 1000, 1234])(
    "renders exactly %i unique series the project's parser accepts",
    (m) => {
      expect(parse(new TargetTemplate(m).render(5, 0)).size).toBe(m);
    },
  );

  it("with more series is a superset of fewer (the scale probe grows targets in place)", () => {
    const small = parse(new TargetTemplate(350).render(1, 0));
    const big = parse(new TargetTemplate(1000).render(1, 0));
    for (const s of small.keys()) {
      expect(big.has(s), s).toBe(true);
    }
  });

  it("has 3–4 label counters, gauges and both histograms in a 1000-series target", () => {
    const names = new Set(
      [...parse(new TargetTemplate(1000).render(1, 0)).keys()].map((s) => s.slice(0, s.indexOf("{"))),
    );
    expect(names).toEqual(
      new Set([
        "line_station_cycles_total",
        "line_plc_reads_total",
        "http_requests_total",
        "line_station_energy_joules_total",
        "line_station_temperature_celsius",
        "line_buffer_parts",
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_sum",
        "http_request_duration_seconds_count",
        "line_station_cycle_time_seconds_bucket",
        "line_station_cycle_time_seconds_sum",
        "line_station_cycle_time_seconds_count",
      ]),
    );
  });

  it("counters grow between requests, gauges move, and targets differ", () => {
    const t = new TargetTemplate(1000);
    const a = parse(t.render(10, 0));
    const b = parse(t.render(12, 0));
    const other = parse(t.render(10, 61));
    let gaugesMoved = 0;
    for (const [s, v] of a) {
      const w = b.get(s) as number;
      if (s.includes("_total{")) {
        expect(w, s).toBeGreaterThan(v);
      } else if (s.includes("_bucket{") || s.includes("_count{") || s.includes("_sum{")) {
        expect(w, s).toBeGreaterThanOrEqual(v);
      } else if (w !== v) {
        gaugesMoved++;
      }
    }
    expect(gaugesMoved).toBeGreaterThan(200);
    expect([...a].filter(([s, v]) => other.get(s) !== v).length).toBeGreaterThan(900);
  });

  it("renders cumulative histograms whose +Inf bucket equals _count", () => {
    const m = parse(new TargetTemplate(1000).render(100, 0));
    const buckets = new Map<string, Array<[number, number]>>();
    for (const [s, v] of m) {
      const le = /,le="([^"]+)"/.exec(s);
      if (le) {
        const key = s.replace(le[0], "").replace("_bucket{", "{");
        buckets.set(key, [...(buckets.get(key) ?? []), [Number(le[1]), v]]);
      }
    }
    expect(buckets.size).toBe(10);
    for (const [key, list] of buckets) {
      const sorted = list.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < sorted.length; i++) {
        expect((sorted[i] as [number, number])[1]).toBeGreaterThanOrEqual(
          (sorted[i - 1] as [number, number])[1],
        );
      }
      expect(sorted.at(-1)?.[1]).toBe(m.get(key.replace("{", "_count{")));
    }
  });
});
