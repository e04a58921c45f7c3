// One panel's data: its queries interpolated (interpolate.ts, the server's own code) with the
// variables and built-ins of the panel's time context, run at a step that gives each series at most
// one point per pixel of the panel, and aligned on one time axis.
import { instantQuery, rangeQuery, type Labels } from "../../api/prometheus.js";
import { alignMatrix, sampleValue } from "../../charts/series.js";
import { builtinVariables, interpolate, legendOf } from "../../../../src/dashboard/dashboards/interpolate.js";
import { autoStep } from "../explore/step.js";
import type { Panel } from "./api.js";
import type { ResolvedRange } from "./time-range.js";
import type { Substitutions } from "./variables.js";

/** lineops's default scrape interval, the floor of $__rate_interval's window (4 × it). */
export const SCRAPE_INTERVAL_MS = 15_000;

export type PanelSeries = { name: string; labels: Labels; values: (number | null)[] };
export type PanelData = {
  /** Unix seconds, one per step. */
  xs: number[];
  series: PanelSeries[];
  step: number;
  /** The queries as sent, for the panel's "query" disclosure and for errors. */
  sent: string[];
};

/**
 * The range query grid: a whole step, both ends on multiples of it, points ≤ `widthPx`. The end is
 * rounded up, not down: the last point is at or after the range's end (at most a step later), so
 * a sample scraped a moment ago is on the panel instead of waiting for the next step boundary.
 */
export function panelGrid(
  range: ResolvedRange,
  widthPx: number,
): { start: number; end: number; step: number } {
  const rangeS = (range.endMs - range.startMs) / 1000;
  // Two points fewer than pixels: rounding both ends to the grid adds up to two.
  const step = autoStep(rangeS, Math.max(10, Math.floor(widthPx) - 2));
  const start = Math.ceil(range.startMs / 1000 / step) * step;
  const end = Math.max(start, Math.ceil(range.endMs / 1000 / step) * step);
  return { start, end, step };
}

export function interpolatedQueries(
  panel: Panel,
  subs: Substitutions,
  range: ResolvedRange,
  step: number,
): string[] {
  const builtins = {
    ...builtinVariables({
      rangeMs: range.endMs - range.startMs,
      intervalMs: step * 1000,
      scrapeIntervalMs: SCRAPE_INTERVAL_MS,
    }),
    ...subs.raw,
  };
  return panel.queries.map((q) => interpolate(q.expr, subs.vars, builtins));
}

export async function loadPanel(
  panel: Panel,
  subs: Substitutions,
  range: ResolvedRange,
  widthPx: number,
  signal: AbortSignal,
): Promise<PanelData> {
  const { start, end, step } = panelGrid(range, widthPx);
  const n = Math.floor((end - start) / step + 1e-9) + 1;
  const xs = Array.from({ length: n }, (_, i) => start + i * step);
  const sent = interpolatedQueries(panel, subs, range, step);
  const results = await Promise.all(
    panel.queries.map(async (q, i): Promise<PanelSeries[]> => {
      const expr = sent[i]!;
      if (q.instant) {
        const r = await instantQuery(expr, end, signal);
        const points = r.resultType === "vector" ? r.result : [];
        return points.map((s) => {
          const values = new Array<number | null>(n).fill(null);
          const v = s.value ? sampleValue(s.value[1]) : NaN;
          values[n - 1] = Number.isFinite(v) ? v : null;
          return { name: legendOf(q.legend, s.metric), labels: s.metric, values };
        });
      }
      const r = await rangeQuery(expr, start, end, step, signal);
      if (r.resultType !== "matrix") {
        return [];
      }
      const aligned = alignMatrix(r.result, start, end, step);
      return r.result.map((s, k) => ({
        name: legendOf(q.legend, s.metric),
        labels: s.metric,
        values: aligned.data[k + 1] as (number | null)[],
      }));
    }),
  );
  return { xs, series: results.flat(), step, sent };
}
