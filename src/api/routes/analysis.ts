// Trend analysis routes (/api/v1/analysis/*): forecast, anomaly score, seasonal baseline and change
// detection, each over a PromQL query.
import {
  anomaly,
  changeAround,
  forecast,
  parseDurationParam,
  parseTimeParam,
  seasonal,
  type MonitoringEngine,
  type RangeQuery,
} from "../../monitoring/index.js";
import type { z } from "zod";
import { anomalyQuery, changeQuery, forecastQuery, seasonalQuery, type PromEnvelope } from "../types.js";
import { route, type ApiApp } from "../validation.js";

const HOUR = 3600_000;
const MINUTE = 60_000;

/** A Prometheus-grammar duration parameter (float seconds or "15m"), or its default. */
const dur = (name: string, value: string | undefined, fallbackMs: number) =>
  parseDurationParam(name, value) ?? fallbackMs;
/** A time parameter (Unix seconds or RFC 3339); now when absent. */
const time = (name: string, value: string | undefined) => parseTimeParam(name, value, Date.now());

export function analysisRoutes(app: ApiApp, monitoring: MonitoringEngine): void {
  const range: RangeQuery = monitoring.querier.range;
  /** GET /api/v1/analysis/NAME: the query string checked against `querystring`, then `run`. */
  const analysis = <S extends z.ZodType>(
    name: string,
    summary: string,
    querystring: S,
    run: (q: z.output<S>) => Promise<unknown>,
  ) =>
    app.get(
      `/api/v1/analysis/${name}`,
      route({ role: "viewer", tag: "analysis", summary }, { querystring }),
      async (request): Promise<PromEnvelope<unknown>> => ({
        status: "success",
        // Parsed by `querystring` (validation.ts); the provider cannot resolve its type for a generic S.
        data: await run(request.query as z.output<S>),
      }),
    );

  analysis("forecast", "Linear or Holt forecast of each series", forecastQuery, (q) =>
    forecast(range, {
      query: q.query,
      endMs: time("time", q.time),
      rangeMs: dur("range", q.range, HOUR),
      stepMs: dur("step", q.step, MINUTE),
      horizonMs: dur("horizon", q.horizon, HOUR),
      method: q.method,
      maxSamples: monitoring.promql.maxSamples,
    }),
  );
  analysis("anomaly", "Robust z-score (median/MAD) of each series' latest value", anomalyQuery, (q) =>
    anomaly(range, {
      query: q.query,
      endMs: time("time", q.time),
      rangeMs: dur("range", q.range, HOUR),
      stepMs: dur("step", q.step, MINUTE),
    }),
  );
  analysis("seasonal", "Now versus the same window one season (1d, 1w) earlier", seasonalQuery, (q) =>
    seasonal(range, {
      query: q.query,
      atMs: time("time", q.time),
      seasonMs: dur("season", q.season, 24 * HOUR),
      windowMs: dur("window", q.window, 15 * MINUTE),
      stepMs: dur("step", q.step, MINUTE),
    }),
  );
  analysis("change", "Change detection around a time (e.g. a deployment)", changeQuery, (q) =>
    changeAround(range, {
      query: q.query,
      atMs: time("at", q.at),
      windowMs: dur("window", q.window, 15 * MINUTE),
      stepMs: dur("step", q.step, 15_000),
    }),
  );
}
