// ISA-18.2 alarm management routes (docs/alarms.md): the alarms with their states and the floods
// (viewer), the KPI report as JSON or RFC 4180 CSV (viewer), shelves listed (viewer), shelved and
// unshelved by operators (audited, naming who and why).
import { z } from "zod";
import { alarmKpiCsv, type AlarmManager } from "../../alerting/index.js";
import { parseDuration } from "../../model/duration.js";
import { parseTimeParam } from "../../monitoring/index.js";
import { JSON_TYPES } from "../body.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";

const doc = (role: RouteDoc["role"], summary: string, accepts?: readonly string[]): RouteDoc => ({
  role,
  tag: "alarms",
  summary,
  ...(accepts ? { accepts } : {}),
});

const FINGERPRINT = z.string().regex(/^[0-9a-f]{16}$/, "must be an alarm fingerprint (16 hex digits)");

const kpiQuery = z.strictObject({
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
  position: z.string().min(1).max(256).optional(),
  format: z.enum(["json", "csv"]).default("json"),
});

const shelveBody = z.strictObject({
  fingerprint: FINGERPRINT,
  /** A Prometheus duration: "30m", "2h". */
  duration: z.string().min(1).max(32),
  reason: z.string().trim().min(1, "must say why the alarm is shelved").max(1000),
});

const fingerprintParams = z.strictObject({ fingerprint: FINGERPRINT });

export function alarmRoutes(app: ApiApp, alarms: AlarmManager): void {
  const actor = (p: { name: string; role: string } | undefined) =>
    p ? `${p.name} (${p.role})` : "anonymous";

  app.get(
    "/api/v1/alarms",
    route(doc("viewer", "Active and shelved alarms with their ISA-18.2 state, and the positions in flood")),
    async () => ({
      status: "success",
      data: { alarms: alarms.alarms(), floods: alarms.floodStatus() },
    }),
  );

  app.get(
    "/api/v1/alarms/kpi",
    route(doc("viewer", "The alarm KPI report (EEMUA 191) over a period, as JSON or CSV"), {
      querystring: kpiQuery,
    }),
    async (request, reply) => {
      const q = request.query;
      const report = alarms.kpi({
        ...(q.from !== undefined ? { from: parseTimeParam("from", q.from, 0) } : {}),
        ...(q.to !== undefined ? { to: parseTimeParam("to", q.to, 0) } : {}),
        ...(q.position !== undefined ? { position: q.position } : {}),
      });
      if (q.format === "csv") {
        return reply
          .type("text/csv; charset=utf-8; header=present")
          .header("content-disposition", 'attachment; filename="alarm-kpi.csv"')
          .send(alarmKpiCsv(report));
      }
      return { status: "success", data: report };
    },
  );

  app.get(
    "/api/v1/alarms/shelves",
    route(doc("viewer", "Alarms shelved now: by whom, why and until when")),
    async () => ({ status: "success", data: { shelves: alarms.shelves() } }),
  );

  app.post(
    "/api/v1/alarms/shelves",
    route(doc("operator", "Shelve an alarm for a time, with a reason (lifted at expiry)", JSON_TYPES), {
      body: shelveBody,
    }),
    async (request, reply) => {
      const { fingerprint, duration, reason } = request.body;
      const ms = parseDuration(duration);
      const shelf = alarms.shelve({
        fingerprint,
        // An unparseable duration reaches the manager as 0, which it refuses naming `duration`.
        durationMs: ms ?? 0,
        reason,
        by: actor(request.principal),
      });
      request.auditDetail = `shelved ${fingerprint} for ${duration}: ${reason}`;
      reply.code(201);
      return { status: "success", data: shelf };
    },
  );

  app.delete(
    "/api/v1/alarms/shelves/:fingerprint",
    route(doc("operator", "Unshelve an alarm before its shelving expires"), { params: fingerprintParams }),
    async (request) => {
      const shelf = alarms.unshelve(request.params.fingerprint);
      request.auditDetail = `unshelved ${shelf.fingerprint} (shelved by ${shelf.shelvedBy})`;
      return { status: "success", data: shelf };
    },
  );
}
