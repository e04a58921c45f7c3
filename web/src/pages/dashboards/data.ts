// One panel's data: its queries interpolated (interpolate.ts, the server's own code) with the
// variables and built-ins of the panel's time context, at a step that gives each series at most one
// point per pixel of the panel, aligned on one time axis. A range up to now ("last 6h") is live:
// its queries are subscriptions on the browser's one stream (liveSpecs, fromPushes); a past range is
// fetched once, batched with the page's other panels (loadPanel).
import { fetchRange, type LiveQuerySpec, type QueryPush } from "../../api/live.js";
import type { Labels } from "../../api/prometheus.js";
import { alignMatrix, sampleValue } from "../../charts/series.js";
import { builtinVariables, interpolate, legendOf } from "../../../../src/dashboard/dashboards/interpolate.js";
import { widthStep } from "../../../../src/dashboard/live/step-rule.js";
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
  // The server's rule too (step-rule.ts): a live subscription of this width gets this step.
  const step = widthStep(rangeS, Math.max(12, widthPx));
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

/** A fixed (past) range: every query of the panel in the page's one batched request. */
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
  const answers = await Promise.all(
    panel.queries.map((q, i) =>
      // An instant query is the range's last step: a one-point range at its end.
      fetchRange({ query: sent[i]!, start: q.instant ? end : start, end, step }, signal),
    ),
  );
  const series = panel.queries.flatMap((q, i): PanelSeries[] => {
    const a = answers[i]!;
    if (a.status === "error") {
      throw new Error(`${a.errorType}: ${a.error}`);
    }
    const result = a.data.result;
    if (q.instant) {
      return result.map((s) => {
        const values = new Array<number | null>(n).fill(null);
        const v = s.values.length > 0 ? sampleValue(s.values.at(-1)![1]) : NaN;
        values[n - 1] = Number.isFinite(v) ? v : null;
        return { name: legendOf(q.legend, s.metric), labels: s.metric, values };
      });
    }
    const aligned = alignMatrix(result, start, end, step);
    return result.map((s, k) => ({
      name: legendOf(q.legend, s.metric),
      labels: s.metric,
      values: aligned.data[k + 1] as (number | null)[],
    }));
  });
  return { xs, series, step, sent };
}

/**
 * A live range's subscriptions, one per query: the last `range` seconds at the panel's step, at
 * most `widthPx` points a series (the server caps it too: the width is part of the subscription).
 */
export function liveSpecs(
  panel: Panel,
  subs: Substitutions,
  range: ResolvedRange,
  widthPx: number,
): { specs: LiveQuerySpec[]; sent: string[]; step: number } {
  const { step } = panelGrid(range, widthPx);
  const rangeS = Math.max(1, Math.round((range.endMs - range.startMs) / 1000));
  const sent = interpolatedQueries(panel, subs, range, step);
  return { sent, step, specs: sent.map((query) => ({ query, range: rangeS, step, width: widthPx })) };
}

/**
 * A live panel's data from its queries' latest pushes: the grid of the newest push, then the head
 * (each series' value at the evaluation time, newer than the last step) as the last point, so a
 * sample scraped a moment ago is drawn at once. An instant query shows only its newest value.
 */
export function fromPushes(panel: Panel, pushes: readonly QueryPush[], sent: string[]): PanelData {
  const newest = pushes.reduce((a, p) => (p.end > a.end ? p : a));
  const { step, end } = newest;
  const start = newest.start;
  const n = Math.floor((end - start) / step + 1e-9) + 1;
  const headT = Math.max(...pushes.flatMap((p) => p.head.map((h) => h.value[0])), -Infinity);
  const withHead = headT > end;
  const xs = Array.from({ length: n }, (_, i) => start + i * step);
  if (withHead) {
    xs.push(headT);
  }
  const width = xs.length;
  const series = panel.queries.flatMap((q, i): PanelSeries[] => {
    const p = pushes[i]!;
    const heads = new Map(p.head.map((h) => [JSON.stringify(h.metric), h.value[1]]));
    const value = (v: string | undefined) => {
      const x = v === undefined ? NaN : sampleValue(v);
      return Number.isFinite(x) ? x : null;
    };
    const byKey = new Map(p.result.map((s) => [JSON.stringify(s.metric), s]));
    for (const h of p.head) {
      const k = JSON.stringify(h.metric);
      if (!byKey.has(k)) {
        byKey.set(k, { metric: h.metric, values: [] }); // a series new since the last step
      }
    }
    const all = [...byKey.values()];
    const aligned = alignMatrix(all, start, end, step);
    return all.map((s, k) => {
      const head = value(heads.get(JSON.stringify(s.metric)));
      let values: (number | null)[];
      if (q.instant) {
        values = new Array<number | null>(width).fill(null);
        const last = head ?? value(s.values.at(-1)?.[1]);
        values[width - 1] = last;
      } else {
        values = [...(aligned.data[k + 1] as (number | null)[])];
        if (withHead) {
          values.push(head);
        }
      }
      return { name: legendOf(q.legend, s.metric), labels: s.metric, values };
    });
  });
  return { xs, series, step, sent };
}
