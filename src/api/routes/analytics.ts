// Analytics routes (/api/v1/analytics/*): OEE by shift or day and the downtime Pareto of the line,
// computed by the dashboard's analytics from the series OEE's recording rules keep.
import {
  queryDowntime,
  queryOee,
  querySlo,
  type AnalyticsContext,
  type DowntimeReport,
  type OeeReport,
  type SloReport,
} from "../../dashboard/index.js";
import { parseTimeParam } from "../../monitoring/index.js";
import { downtimeQuery, oeeQuery, sloQuery, type PromEnvelope } from "../types.js";
import { route, type ApiApp } from "../validation.js";

const DAY_MS = 86_400_000;

/** from/to: Unix seconds or RFC 3339; to defaults to now and from to a day before to. */
function rangeOf(q: { from?: string | undefined; to?: string | undefined }): {
  fromMs: number;
  toMs: number;
} {
  const toMs = parseTimeParam("to", q.to, Date.now());
  return { fromMs: parseTimeParam("from", q.from, toMs - DAY_MS), toMs };
}

const optional = <K extends string, V>(key: K, v: V | undefined) =>
  (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };

export function analyticsRoutes(app: ApiApp, scope: () => AnalyticsContext): void {
  app.get(
    "/api/v1/analytics/oee",
    route(
      {
        role: "viewer",
        tag: "analytics",
        summary: "OEE (availability × performance × quality) per station and for the line, by shift or day",
      },
      { querystring: oeeQuery },
    ),
    async (request): Promise<PromEnvelope<OeeReport>> => {
      const q = request.query;
      return {
        status: "success",
        data: await queryOee(scope(), {
          ...rangeOf(q),
          by: q.by,
          ...optional("line", q.line),
          ...optional("station", q.station),
        }),
      };
    },
  );
  app.get(
    "/api/v1/analytics/downtime",
    route(
      {
        role: "viewer",
        tag: "analytics",
        summary: "Downtime in planned time by reason (or station and reason), as a Pareto",
      },
      { querystring: downtimeQuery },
    ),
    async (request): Promise<PromEnvelope<DowntimeReport>> => {
      const q = request.query;
      return {
        status: "success",
        data: await queryDowntime(scope(), {
          ...rangeOf(q),
          by: q.by,
          ...optional("line", q.line),
          ...optional("station", q.station),
        }),
      };
    },
  );
  app.get(
    "/api/v1/analytics/slo",
    route(
      {
        role: "viewer",
        tag: "analytics",
        summary:
          "Availability per service against its objective: remaining error budget and burn rates over 1h, 6h and 3d",
      },
      { querystring: sloQuery },
    ),
    async (request): Promise<PromEnvelope<SloReport>> => {
      const q = request.query;
      const s = scope();
      const toMs = parseTimeParam("to", q.to, Date.now());
      return {
        status: "success",
        data: await querySlo(s, {
          toMs,
          ...optional("fromMs", q.from === undefined ? undefined : parseTimeParam("from", q.from, toMs)),
          ...optional("service", q.service),
        }),
      };
    },
  );
}
