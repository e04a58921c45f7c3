// Trend analysis on top of PromQL for the dashboard, alerting and canary analysis: linear and Holt
// forecasts, a seasonal baseline (same time yesterday / last week), a robust anomaly score, and
// change detection around an event such as a deployment.
import type { Labels } from "../model.js";
import { MAX_POINTS_PER_SERIES } from "../promql/engine.js";
import { PromqlErrors, TOO_MANY_SAMPLES_MESSAGE } from "../promql/errors.js";
import type { MetricsQuerier } from "../query.js";
import { holt, linearFit, mad, mannWhitneyU, median, robustZ, type MannWhitney } from "../../model/stats.js";

/** The range half of the MetricsQuerier: answers as numbers, never Prometheus's JSON strings. */
export type RangeQuery = MetricsQuerier["range"];

type SeriesPoints = { metric: Labels; ts: number[]; vs: number[] };

async function matrix(
  q: RangeQuery,
  query: string,
  startMs: number,
  endMs: number,
  stepMs: number,
): Promise<SeriesPoints[]> {
  const value = await q(query, startMs, endMs, stepMs);
  if (value.type !== "matrix") {
    return [];
  }
  return value.series.map((s) => ({
    metric: s.labels,
    ts: s.points.map((p) => p.t),
    vs: s.points.map((p) => p.v),
  }));
}

export type ForecastParams = {
  query: string;
  endMs: number;
  rangeMs: number;
  stepMs: number;
  horizonMs: number;
  method: "linear" | "holt";
  alpha?: number;
  beta?: number;
  /** The query engine's sample budget: forecast points count against it like query samples. */
  maxSamples: number;
};

/**
 * Forecast points are samples the request makes: horizon=1000y at step=1ms was 3e13 of them (41 s
 * of CPU, then out of heap). Per series they are capped like a range query's points (400), and in
 * total, with the samples read, by the query sample budget (422), before any is computed.
 */
function checkForecastSize(p: ForecastParams, series: SeriesPoints[]): void {
  const perSeries = Math.floor(p.horizonMs / p.stepMs);
  if (perSeries > MAX_POINTS_PER_SERIES) {
    throw PromqlErrors.tooManyPoints(
      `exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the forecast horizon or increasing the resolution (?step=XX)`,
    );
  }
  let samples = 0;
  for (const s of series) {
    samples += s.ts.length + perSeries;
  }
  if (samples > p.maxSamples) {
    throw PromqlErrors.tooManySamples(TOO_MANY_SAMPLES_MESSAGE);
  }
}

export async function forecast(q: RangeQuery, p: ForecastParams) {
  checkForecastSize(p, []); // a horizon too long is refused before the query runs
  const series = await matrix(q, p.query, p.endMs - p.rangeMs, p.endMs, p.stepMs);
  checkForecastSize(p, series);
  return series.map((s) => {
    const last = s.ts.at(-1) ?? p.endMs;
    const points: [number, number][] = [];
    let summary: Record<string, number>;
    if (p.method === "linear") {
      const fit = linearFit(s.ts, s.vs, p.endMs);
      for (let t = last + p.stepMs; t <= last + p.horizonMs; t += p.stepMs) {
        points.push([t / 1000, fit.intercept + (fit.slope * (t - p.endMs)) / 1000]);
      }
      summary = { slopePerSecond: fit.slope, r2: fit.r2, samples: fit.n };
    } else {
      const { level, trend } = holt(s.vs, p.alpha ?? 0.3, p.beta ?? 0.1);
      for (let t = last + p.stepMs, k = 1; t <= last + p.horizonMs; t += p.stepMs, k++) {
        points.push([t / 1000, level + k * trend]);
      }
      summary = { level, trendPerStep: trend, samples: s.vs.filter(Number.isFinite).length };
    }
    return { metric: s.metric, ...summary, forecast: points, atHorizon: points.at(-1)?.[1] ?? NaN };
  });
}

export type AnomalyParams = { query: string; endMs: number; rangeMs: number; stepMs: number };

/** Robust z-score of each series' latest point against the rest of the window. */
export async function anomaly(q: RangeQuery, p: AnomalyParams) {
  const series = await matrix(q, p.query, p.endMs - p.rangeMs, p.endMs, p.stepMs);
  return series.map((s) => {
    const latest = s.vs.at(-1) ?? NaN;
    const window = s.vs.slice(0, -1);
    return {
      metric: s.metric,
      latest,
      median: median(window),
      mad: mad(window),
      score: robustZ(latest, window),
      samples: window.length,
    };
  });
}

export type SeasonalParams = {
  query: string;
  atMs: number;
  seasonMs: number;
  windowMs: number;
  stepMs: number;
};

/** Compares the window ending now with the same window one season (day, week) earlier. */
export async function seasonal(q: RangeQuery, p: SeasonalParams) {
  const [now, before] = await Promise.all([
    matrix(q, p.query, p.atMs - p.windowMs, p.atMs, p.stepMs),
    matrix(q, p.query, p.atMs - p.seasonMs - p.windowMs, p.atMs - p.seasonMs, p.stepMs),
  ]);
  const key = (l: Labels) => JSON.stringify(Object.entries(l).sort());
  const baseline = new Map(before.map((s) => [key(s.metric), s]));
  return now.map((s) => {
    const b = baseline.get(key(s.metric));
    const current = median(s.vs);
    const base = b ? median(b.vs) : NaN;
    return {
      metric: s.metric,
      current,
      baseline: base,
      delta: current - base,
      ratio: base === 0 ? NaN : current / base,
    };
  });
}

export type ChangeParams = { query: string; atMs: number; windowMs: number; stepMs: number; alpha?: number };

export type ChangeResult = {
  metric: Labels;
  before: { median: number; samples: number };
  after: { median: number; samples: number };
  relativeChange: number;
  test: MannWhitney;
  changed: boolean;
};

/** Did the series shift at `atMs` (e.g. a deployment)? Mann-Whitney U on the windows either side. */
export async function changeAround(q: RangeQuery, p: ChangeParams): Promise<ChangeResult[]> {
  const series = await matrix(q, p.query, p.atMs - p.windowMs, p.atMs + p.windowMs, p.stepMs);
  return series.map((s) => {
    const before: number[] = [];
    const after: number[] = [];
    s.ts.forEach((t, i) => (t < p.atMs ? before : after).push(s.vs[i] as number));
    const test = mannWhitneyU(after, before);
    const mb = median(before);
    const ma = median(after);
    return {
      metric: s.metric,
      before: { median: mb, samples: before.length },
      after: { median: ma, samples: after.length },
      relativeChange: mb === 0 ? NaN : (ma - mb) / Math.abs(mb),
      test,
      changed: test.pValue < (p.alpha ?? 0.01),
    };
  });
}
