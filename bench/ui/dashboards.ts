// The dashboards bench:ui opens, in lineops's dashboard format (docs/dashboards.md), created with
// PUT /api/v1/dashboards/{uid}: the 30-panel day of bench_ui_panel series, and the scrape-to-screen
// dashboard on the bench's sequence target.
import { PANELS } from "./data.js";

export const DAY_UID = "bench-ui-30-panels";
export const SEQ_UID = "bench-ui-seq";
/** The stat panel whose number the scrape-to-screen watch reads. */
export const SEQ_TITLE = "Sequence";

/** 30 time series panels, 3 a row (8 of 24 columns, 6 rows high), each 3 series over 24 h. */
export function dayDashboard(): object {
  return {
    uid: DAY_UID,
    title: "bench:ui — 30 panels over 24 h",
    time: { from: "now-24h", to: "now" },
    refresh: "",
    annotations: { deployments: false, incidents: false },
    panels: Array.from({ length: PANELS }, (_, i) => ({
      id: i + 1,
      type: "timeseries",
      title: `Panel ${i + 1}`,
      grid: { x: (i % 3) * 8, y: Math.floor(i / 3) * 6, w: 8, h: 6 },
      queries: [{ expr: `bench_ui_panel{panel="${i + 1}"}`, legend: "{{series}}" }],
    })),
  };
}

/**
 * The sequence number as a stat (its text is what the watch reads) and as a chart, over the last
 * 5 minutes, refreshed as often as the page allows (5 s) for panels that are not pushed.
 */
export function seqDashboard(metric: string): object {
  return {
    uid: SEQ_UID,
    title: "bench:ui — scrape to screen",
    time: { from: "now-5m", to: "now" },
    refresh: "5s",
    annotations: { deployments: false, incidents: false },
    panels: [
      {
        id: 1,
        type: "stat",
        title: SEQ_TITLE,
        grid: { x: 0, y: 0, w: 6, h: 6 },
        queries: [{ expr: metric }],
        unit: "none",
        decimals: 0,
      },
      {
        id: 2,
        type: "timeseries",
        title: "Sequence over time",
        grid: { x: 6, y: 0, w: 18, h: 6 },
        queries: [{ expr: metric }],
        unit: "none",
      },
    ],
  };
}
