// Dashboard routes: list, read, save (with the version the editor started from), delete, import a
// Grafana dashboard JSON, and the values of a dashboard's template variable.
import { z } from "zod";
import { dashboardSchema, type DashboardService } from "../../dashboard/index.js";
import { parseTimeParam } from "../../monitoring/index.js";
import { JSON_TYPES } from "../body.js";
import { ApiErrors } from "../errors.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";

const doc = (role: RouteDoc["role"], summary: string, accepts?: readonly string[]): RouteDoc => ({
  role,
  tag: "dashboards",
  summary,
  ...(accepts ? { accepts } : {}),
});

const uidParams = z.strictObject({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "a dashboard uid") });
const variableParams = uidParams.extend({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/) });
const saveBody = z.strictObject({
  dashboard: dashboardSchema,
  /** The version the edit started from: 0 creates; absent overwrites whatever is stored. */
  version: z.number().int().min(0).optional(),
});
/** A Grafana dashboard JSON, or Grafana's {dashboard, meta} envelope: checked by the importer. */
const grafanaBody = z.record(z.string(), z.unknown());
/** start, end and the chosen values of the variables a chained variable depends on (var-<name>, repeated). */
const rangeQuery = z
  .object({ start: z.string().optional(), end: z.string().optional() })
  .catchall(z.union([z.string().max(1000), z.array(z.string().max(1000)).max(10_000)]))
  .superRefine((q, ctx) => {
    for (const k of Object.keys(q)) {
      if (k !== "start" && k !== "end" && !/^var-[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(k)) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: "unknown parameter (start, end, var-<variable>)",
        });
      }
    }
  });

/** The var-<name> parameters as {name: values}. */
function selectedOf(q: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(q)) {
    if (k.startsWith("var-")) {
      out[k.slice(4)] = Array.isArray(v) ? (v as string[]) : [v as string];
    }
  }
  return out;
}

const HOUR = 3_600_000;

export function dashboardRoutes(app: ApiApp, dashboards: DashboardService): void {
  const actor = (p: { name: string; role: string } | undefined) =>
    p ? `${p.name} (${p.role})` : "anonymous";

  app.get("/api/v1/dashboards", route(doc("viewer", "Dashboards, by title")), async () => ({
    dashboards: dashboards.list(),
  }));

  app.get(
    "/api/v1/dashboards/:uid",
    route(doc("viewer", "One dashboard with its version"), { params: uidParams }),
    async (request) => dashboards.get(request.params.uid),
  );

  app.put(
    "/api/v1/dashboards/:uid",
    route(doc("operator", "Create or save a dashboard", JSON_TYPES), { params: uidParams, body: saveBody }),
    async (request) => {
      const { dashboard, version } = request.body;
      if (dashboard.uid !== request.params.uid) {
        throw ApiErrors.invalidField(
          `body.dashboard.uid: ${dashboard.uid} differs from the uid in the path (${request.params.uid})`,
        );
      }
      return dashboards.save(dashboard, actor(request.principal), version);
    },
  );

  app.delete(
    "/api/v1/dashboards/:uid",
    route(doc("operator", "Delete a dashboard"), { params: uidParams }),
    async (request, reply) => {
      dashboards.delete(request.params.uid);
      reply.code(204);
    },
  );

  app.post(
    "/api/v1/dashboards/import/grafana",
    route(
      doc("operator", "Import a Grafana dashboard JSON (what cannot be imported is listed)", JSON_TYPES),
      {
        body: grafanaBody,
      },
    ),
    async (request, reply) => {
      const imported = dashboards.importGrafana(request.body, actor(request.principal));
      reply.code(201);
      return imported;
    },
  );

  app.get(
    "/api/v1/dashboards/:uid/variables/:name/values",
    route(
      doc("viewer", "The values of a dashboard's template variable over a time range (chained: var-<name>)"),
      {
        params: variableParams,
        querystring: rangeQuery,
      },
    ),
    async (request) => {
      const now = Date.now();
      const end = parseTimeParam("end", request.query.end, now);
      const start = parseTimeParam("start", request.query.start, end - HOUR);
      if (start > end) {
        throw ApiErrors.badRequest("start: after end");
      }
      const selected = selectedOf(request.query);
      return {
        values: await dashboards.variableValues(
          request.params.uid,
          request.params.name,
          start,
          end,
          selected,
        ),
      };
    },
  );
}
