import { describe, expect, it } from "vitest";
import { metricSum } from "./prom-api.js";

describe("metricSum", () => {
  const body = [
    "# HELP prometheus_tsdb_head_samples_appended_total Total number of appended samples.",
    "# TYPE prometheus_tsdb_head_samples_appended_total counter",
    'prometheus_tsdb_head_samples_appended_total{type="float"} 1.5e+06',
    'prometheus_tsdb_head_samples_appended_total{type="histogram"} 10',
    "prometheus_tsdb_head_series 25250",
    "prometheus_tsdb_head_series_created_total 30000",
    'odd{l="has } brace"} 7 1700000000000',
  ].join("\n");

  it("sums every label set of a name and ignores longer names", () => {
    expect(metricSum(body, "prometheus_tsdb_head_samples_appended_total")).toBe(1_500_010);
    expect(metricSum(body, "prometheus_tsdb_head_series")).toBe(25250);
    expect(metricSum(body, "odd")).toBe(7);
    expect(metricSum(body, "missing")).toBeUndefined();
  });
});
