// The MonitoringEngine as dashboard variables read it: its series index for label_names(),
// label_values() and metrics(), its PromQL for query_result().
import type { MonitoringEngine } from "../../monitoring/index.js";
import type { SeriesIndex } from "./variable-query.js";

/** The parts of the MonitoringEngine variable queries read. */
export type SeriesSource = Pick<MonitoringEngine, "labelNames" | "labelValues" | "series" | "querier">;

export function dashboardSeriesIndex(monitoring: SeriesSource): SeriesIndex {
  return {
    labelNames: (match, start, end, limit) => monitoring.labelNames(match, start, end, limit),
    labelValues: (name, match, start, end, limit) => monitoring.labelValues(name, match, start, end, limit),
    series: (match, start, end, limit) => monitoring.series(match, start, end, limit),
    instant: async (expr, t) => {
      const v = await monitoring.querier.instant(expr, t);
      if (v.type === "vector") {
        return v.samples.map((s) => ({ labels: s.labels, value: s.v, t: s.t }));
      }
      return v.type === "scalar" ? [{ labels: {}, value: v.v, t: v.t }] : [];
    },
  };
}
