// Trend analysis routes (/api/v1/analysis/*): forecast, anomaly score, seasonal baseline and change
// detection, each over a PromQL query.
import type { FastifyInstance } from "fastify";
import {
  anomaly,
  changeAround,
  forecast,
  MonitoringErrors,
  parseDurationParam,
  parseTimeParam,
  seasonal,
  type MonitoringEngine,
  type RangeQuery,
} from "../../monitoring/index.js";

type Q = Record<string, string | undefined>;

const requireQuery = (q: Q): string => {
  if (!q.query) {
    throw MonitoringErrors.badParameter('invalid parameter "query": missing');
  }
  return q.query;
};
const dur = (q: Q, name: string, fallbackMs: number) => parseDurationParam(name, q[name]) ?? fallbackMs;
const querystring = {
  type: "object",
  properties: Object.fromEntries(
    ["query", "time", "at", "range", "step", "horizon", "method", "season", "window"].map((k) => [
      k,
      { type: "string" },
    ]),
  ),
  required: ["query"],
} as const;

export function analysisRoutes(app: FastifyInstance, monitoring: MonitoringEngine): void {
  const range: RangeQuery = async (query, s, e, step) => (await monitoring.rangeJson(query, s, e, step)).data;
  const wrap = (data: unknown) => ({ status: "success", data });

  app.get<{ Querystring: Q }>(
    "/api/v1/analysis/forecast",
    {
      config: { role: "viewer" },
      schema: { tags: ["analysis"], summary: "Linear or Holt forecast of each series", querystring },
    },
    async (r) => {
      const method = r.query.method ?? "linear";
      if (method !== "linear" && method !== "holt") {
        throw MonitoringErrors.badParameter(`invalid parameter "method": "${method}" (linear or holt)`);
      }
      return wrap(
        await forecast(range, {
          query: requireQuery(r.query),
          endMs: parseTimeParam("time", r.query.time, Date.now()),
          rangeMs: dur(r.query, "range", 3600_000),
          stepMs: dur(r.query, "step", 60_000),
          horizonMs: dur(r.query, "horizon", 3600_000),
          method,
          maxSamples: monitoring.promql.maxSamples,
        }),
      );
    },
  );

  app.get<{ Querystring: Q }>(
    "/api/v1/analysis/anomaly",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["analysis"],
        summary: "Robust z-score (median/MAD) of each series' latest value",
        querystring,
      },
    },
    async (r) =>
      wrap(
        await anomaly(range, {
          query: requireQuery(r.query),
          endMs: parseTimeParam("time", r.query.time, Date.now()),
          rangeMs: dur(r.query, "range", 3600_000),
          stepMs: dur(r.query, "step", 60_000),
        }),
      ),
  );

  app.get<{ Querystring: Q }>(
    "/api/v1/analysis/seasonal",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["analysis"],
        summary: "Now versus the same window one season (1d, 1w) earlier",
        querystring,
      },
    },
    async (r) =>
      wrap(
        await seasonal(range, {
          query: requireQuery(r.query),
          atMs: parseTimeParam("time", r.query.time, Date.now()),
          seasonMs: dur(r.query, "season", 24 * 3600_000),
          windowMs: dur(r.query, "window", 15 * 60_000),
          stepMs: dur(r.query, "step", 60_000),
        }),
      ),
  );

  app.get<{ Querystring: Q }>(
    "/api/v1/analysis/change",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["analysis"],
        summary: "Change detection around a time (e.g. a deployment)",
        querystring,
      },
    },
    async (r) => {
      if (!r.query.at) {
        throw MonitoringErrors.badParameter('invalid parameter "at": the event time is required');
      }
      return wrap(
        await changeAround(range, {
          query: requireQuery(r.query),
          atMs: parseTimeParam("at", r.query.at, Date.now()),
          windowMs: dur(r.query, "window", 15 * 60_000),
          stepMs: dur(r.query, "step", 15_000),
        }),
      );
    },
  );
}
