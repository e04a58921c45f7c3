// Trend analysis routes (/api/v1/analysis/*): forecast, anomaly score, seasonal baseline and change
// detection, each over a PromQL query.
import type { MonitoringEngine } from "../../monitoring/engine.js";
import { parseDurationParam, parseTimeParam } from "../../monitoring/params.js";
import {
  anomaly,
  changeAround,
  forecast,
  seasonal,
  type RangeQuery,
} from "../../monitoring/trends/analysis.js";
import { anomalyQuery, changeQuery, forecastQuery, seasonalQuery, type PromEnvelope } from "../types.js";
import { route, type ApiApp } from "../validation.js";

const HOUR = 3600_000;
const MINUTE = 60_000;

/** A Prometheus-grammar duration parameter (float seconds or "15m"), or its default. */
const dur = (name: string, value: string | undefined, fallbackMs: number) =>
  parseDurationParam(name, value) ?? fallbackMs;
/** A time parameter (Unix seconds or RFC 3339); now when absent. */
const time = (name: string, value: string | undefined) => parseTimeParam(name, value, Date.now());
const viewer = (summary: string) => ({ role: "viewer" as const, tag: "analysis", summary });
const wrap = <T>(data: T): PromEnvelope<T> => ({ status: "success", data });

export function analysisRoutes(app: ApiApp, monitoring: MonitoringEngine): void {
  const range: RangeQuery = async (query, s, e, step) => (await monitoring.rangeJson(query, s, e, step)).data;

  app.get(
    "/api/v1/analysis/forecast",
    route(viewer("Linear or Holt forecast of each series"), { querystring: forecastQuery }),
    async ({ query: q }) =>
      wrap(
        await forecast(range, {
          query: q.query,
          endMs: time("time", q.time),
          rangeMs: dur("range", q.range, HOUR),
          stepMs: dur("step", q.step, MINUTE),
          horizonMs: dur("horizon", q.horizon, HOUR),
          method: q.method,
          maxSamples: monitoring.promql.maxSamples,
        }),
      ),
  );

  app.get(
    "/api/v1/analysis/anomaly",
    route(viewer("Robust z-score (median/MAD) of each series' latest value"), { querystring: anomalyQuery }),
    async ({ query: q }) =>
      wrap(
        await anomaly(range, {
          query: q.query,
          endMs: time("time", q.time),
          rangeMs: dur("range", q.range, HOUR),
          stepMs: dur("step", q.step, MINUTE),
        }),
      ),
  );

  app.get(
    "/api/v1/analysis/seasonal",
    route(viewer("Now versus the same window one season (1d, 1w) earlier"), { querystring: seasonalQuery }),
    async ({ query: q }) =>
      wrap(
        await seasonal(range, {
          query: q.query,
          atMs: time("time", q.time),
          seasonMs: dur("season", q.season, 24 * HOUR),
          windowMs: dur("window", q.window, 15 * MINUTE),
          stepMs: dur("step", q.step, MINUTE),
        }),
      ),
  );

  app.get(
    "/api/v1/analysis/change",
    route(viewer("Change detection around a time (e.g. a deployment)"), { querystring: changeQuery }),
    async ({ query: q }) =>
      wrap(
        await changeAround(range, {
          query: q.query,
          atMs: time("at", q.at),
          windowMs: dur("window", q.window, 15 * MINUTE),
          stepMs: dur("step", q.step, 15_000),
        }),
      ),
  );
}
