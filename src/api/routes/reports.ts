// Operations report routes: a report over a shift, day or week as JSON, HTML, CSV or PDF (viewer);
// report schedules (listed by viewers, created and deleted by operators, audited) and the files
// they generated (listed and downloaded by viewers). docs/reports.md.
import { z } from "zod";
import {
  REPORT_CSP,
  REPORT_FORMATS,
  scheduleSpecSchema,
  type OperationsReport,
  type RenderedReport,
  type ReportService,
} from "../../dashboard/index.js";
import { parseTimeParam } from "../../monitoring/index.js";
import { JSON_TYPES } from "../body.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";
import type { FastifyReply } from "fastify";

const doc = (role: RouteDoc["role"], summary: string, accepts?: readonly string[]): RouteDoc => ({
  role,
  tag: "reports",
  summary,
  ...(accepts ? { accepts } : {}),
});

const reportQuery = z.object({
  period: z.enum(["shift", "day", "week"]).default("day"),
  shift: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, "must be a shift name")
    .optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  format: z.enum([...REPORT_FORMATS, "json"]).default("json"),
});
const idParams = z.strictObject({ id: z.string().regex(/^[0-9a-f-]{36}$/, "must be a report id") });

/** A report document: a download with its name; the HTML under its own strict policy. */
function sendDocument(reply: FastifyReply, r: RenderedReport, inline: boolean) {
  reply
    .type(r.contentType)
    .header("content-disposition", `${inline ? "inline" : "attachment"}; filename="${r.filename}"`)
    .header("cache-control", "no-store");
  if (r.contentType.startsWith("text/html")) {
    reply.header("content-security-policy", REPORT_CSP);
  }
  return reply.send(r.body);
}

export function reportRoutes(app: ApiApp, reports: ReportService): void {
  const actor = (p: { name: string; role: string } | undefined) =>
    p ? `${p.name} (${p.role})` : "anonymous";

  app.get(
    "/api/v1/reports/operations",
    route(
      doc(
        "viewer",
        "An operations report over a shift, day or week (default: the last complete one) as JSON, HTML, CSV or PDF",
      ),
      { querystring: reportQuery },
    ),
    async (request, reply) => {
      const q = request.query;
      const now = Date.now();
      const toMs = q.to === undefined ? undefined : parseTimeParam("to", q.to, now);
      const fromMs = q.from === undefined ? undefined : parseTimeParam("from", q.from, now);
      const report: OperationsReport = await reports.report({
        period: q.period,
        ...(q.shift === undefined ? {} : { shift: q.shift }),
        ...(fromMs === undefined ? {} : { fromMs }),
        ...(toMs === undefined ? {} : { toMs }),
      });
      if (q.format === "json") {
        return { status: "success", data: report };
      }
      return sendDocument(reply, await reports.render(report, q.format), q.format === "html");
    },
  );

  app.get(
    "/api/v1/reports/schedules",
    route(doc("viewer", "Report schedules with their next due time")),
    async () => ({
      status: "success",
      data: { schedules: reports.schedules(), pdfAvailable: reports.pdfAvailable() },
    }),
  );

  app.post(
    "/api/v1/reports/schedules",
    route(doc("operator", "Add a report schedule: at each shift end, daily or weekly", JSON_TYPES), {
      body: scheduleSpecSchema,
    }),
    async (request, reply) => {
      const created = reports.addSchedule(request.body, actor(request.principal));
      request.auditDetail = `${created.name} (${created.period})`;
      reply.code(201);
      return { status: "success", data: created };
    },
  );

  app.delete(
    "/api/v1/reports/schedules/:id",
    route(doc("operator", "Delete a report schedule (its generated files stay until retention)"), {
      params: idParams,
    }),
    async (request, reply) => {
      reports.deleteSchedule(request.params.id);
      reply.code(204);
    },
  );

  app.get(
    "/api/v1/reports/files",
    route(doc("viewer", "Generated report files, newest first")),
    async () => ({
      status: "success",
      data: { files: reports.files() },
    }),
  );

  app.get(
    "/api/v1/reports/files/:id",
    route(doc("viewer", "Download a generated report file"), { params: idParams }),
    async (request, reply) => sendDocument(reply, reports.download(request.params.id), false),
  );
}
