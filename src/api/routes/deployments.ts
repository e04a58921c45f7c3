// Deployment routes: start a deployment, follow it, promote / pause / resume / abort it, roll a
// service back, override gates (admin, audited), and the DORA figures.
import type { FastifyInstance } from "fastify";
import { strategySchema } from "../../config/deploy-schema.js";
import { dora } from "../../deployment/history.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";

const idParam = { type: "object", properties: { id: { type: "string" } }, required: ["id"] } as const;

export function deploymentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const actor = (p: { name: string; role: string } | undefined) =>
    p ? `${p.name} (${p.role})` : "anonymous";

  app.post<{ Body: { service: string; version?: string; revision?: string; strategy?: unknown } }>(
    "/api/v1/deployments",
    {
      config: { role: "operator" },
      schema: {
        tags: ["deployments"],
        summary: "Deploy a new version (or an existing revision) of a service",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["service"],
          properties: {
            service: { type: "string", minLength: 1 },
            version: { type: "string", minLength: 1 },
            revision: { type: "string", minLength: 1 },
            strategy: { type: "object" },
          },
        },
      },
    },
    async (request, reply) => {
      const { service, version, revision, strategy } = request.body;
      if (version === undefined && revision === undefined) {
        throw ApiErrors.badRequest("give a version or a revision to deploy");
      }
      let parsed;
      if (strategy !== undefined) {
        const r = strategySchema.safeParse(strategy);
        if (!r.success) {
          throw ApiErrors.badRequest(
            `strategy: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
          );
        }
        parsed = r.data;
      }
      const record = ctx.deployment.deploy({
        service,
        ...(version !== undefined ? { version } : {}),
        ...(revision !== undefined ? { revision } : {}),
        ...(parsed ? { strategy: parsed } : {}),
        by: actor(request.principal),
      });
      reply.code(201);
      return record;
    },
  );

  app.get<{ Querystring: { service?: string } }>(
    "/api/v1/deployments",
    {
      schema: {
        tags: ["deployments"],
        summary: "Deployments, newest first",
        querystring: { type: "object", properties: { service: { type: "string" } } },
      },
    },
    async (request) => ({ deployments: ctx.deployment.deployments(request.query.service) }),
  );

  app.get<{ Params: { id: string }; Querystring: { after?: number } }>(
    "/api/v1/deployments/:id",
    {
      schema: {
        tags: ["deployments"],
        summary: "One deployment with its steps, analysis results, decisions and timings",
        params: idParam,
        querystring: { type: "object", properties: { after: { type: "integer", minimum: 0 } } },
      },
    },
    async (request) => {
      const d = ctx.deployment.deployment(request.params.id);
      const after = request.query.after ?? 0;
      return { ...d, events: d.events.filter((e) => e.id > after) };
    },
  );

  for (const action of ["promote", "pause", "resume", "abort"] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/v1/deployments/:id/${action}`,
      {
        config: { role: "operator" },
        schema: { tags: ["deployments"], summary: `${action} a deployment`, params: idParam },
      },
      async (request) => ctx.deployment.control(request.params.id, action),
    );
  }

  app.post<{ Params: { id: string } }>(
    "/api/v1/deployments/:id/override-gates",
    {
      config: { role: "admin" },
      schema: {
        tags: ["deployments"],
        summary: "Let a deployment past closed gates (audited)",
        params: idParam,
      },
    },
    async (request) => ctx.deployment.control(request.params.id, "overrideGates"),
  );

  app.post<{ Params: { name: string }; Body: { revision?: string } | undefined }>(
    "/api/v1/services/:name/rollback",
    {
      config: { role: "operator" },
      schema: {
        tags: ["deployments"],
        summary: "Roll back: abort the running deployment, or deploy the previous revision (or revision N)",
        params: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { revision?: unknown };
      if (body.revision !== undefined && typeof body.revision !== "string") {
        throw ApiErrors.badRequest("revision must be a string (hash or number)");
      }
      reply.code(201);
      return ctx.deployment.rollback(
        request.params.name,
        body.revision as string | undefined,
        actor(request.principal),
      );
    },
  );

  app.get(
    "/api/v1/dora",
    { schema: { tags: ["deployments"], summary: "DORA figures over the last 30 days" } },
    async () => dora(ctx.deployment.deployments(), ctx.revisions, Date.now()),
  );
}
