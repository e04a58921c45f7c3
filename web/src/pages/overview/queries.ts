// The PromQL the line overview subscribes to on the live stream. The series come from the line's
// services (station_state, units_produced_total, units_scrapped_total), lineops's own /metrics
// (lineops_line_target_units_per_hour from lineops.yaml) and the OEE recording rules
// (examples/rules/oee.rules.yml, docs/oee.md): alerts and reports read the same series.
import type { LiveQuerySpec } from "../../api/live.js";

/** The state each station reports now (one-hot: the series at 1). Only its head is used. */
export const STATION_STATE: LiveQuerySpec = { query: "station_state == 1", range: 60, step: 15 };

/** Good units per hour over the last minute, beside the line's target, over the last hour. */
export const THROUGHPUT: LiveQuerySpec = {
  query:
    'label_replace(sum(rate(units_produced_total[1m])) * 3600, "series", "throughput", "", "")' +
    ' or label_replace(max(lineops_line_target_units_per_hour), "series", "target", "", "")',
  range: 3600,
  width: 600,
};

/** The line's OEE and its three factors over the last 5 minutes (recording rules). */
export const LINE_OEE: LiveQuerySpec = {
  query: '{__name__=~"line:oee(_availability|_performance|_quality)?:ratio_rate5m"}',
  range: 60,
  step: 15,
};

/** Each station's OEE over the last 5 minutes. */
export const STATION_OEE: LiveQuerySpec = { query: "station:oee:ratio_rate5m", range: 60, step: 15 };

/** The share of finished units scrapped over the last 5 minutes, the whole line. */
export const SCRAP_RATIO: LiveQuerySpec = {
  query:
    "sum(rate(units_scrapped_total[5m])) / (sum(rate(units_scrapped_total[5m])) + sum(rate(units_produced_total[5m])))",
  range: 60,
  step: 15,
};
