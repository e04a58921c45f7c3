// Deployment routes: start a deployment, follow it, promote / pause / resume / abort it, roll a
// service back, override gates (admin, audited), and the DORA figures.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { strategySchema } from "../../config/deploy-schema.js";
import { serviceName, versionString } from "../../config/line-schema.js";
import { dora, REVISION_PATTERN } from "../../deployment/index.js";
import { JSON_TYPES, zodValidator } from "../body.js";
import type { ApiContext } from "../context.js";

const idParam = { type: "object", properties: { id: { type: "string" } }, required: ["id"] } as const;

const revisionRef = z.string().regex(REVISION_PATTERN, "must be a revision number or its hash (hex)");

const deployBody = z
  .strictObject({
    service: serviceName,
    version: versionString.optional(),
    revision: revisionRef.optional(),
    strategy: strategySchema.optional(),
  })
  // One of the two, never both: a revision pins a spec whose version might disagree.
  .refine((b) => (b.version === undefined) !== (b.revision === undefined), {
    message: "give exactly one of version or revision",
  });

const rollbackBody = z.strictObject({ revision: revisionRef.optional() }).optional();

export function deploymentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const actor = (p: { name: string; role: string } | undefined) =>
    p ? `${p.name} (${p.role})` : "anonymous";

  app.post<{ Body: z.output<typeof deployBody> }>(
    "/api/v1/deployments",
    {
      config: { role: "operator", accepts: JSON_TYPES },
      validatorCompiler: zodValidator,
      schema: {
        tags: ["deployments"],
        summary: "Deploy a new version (or an existing revision) of a service",
        body: deployBody,
      },
    },
    async (request, reply) => {
      const { service, version, revision, strategy } = request.body;
      const record = ctx.deployment.deploy({
        service,
        ...(version !== undefined ? { version } : {}),
        ...(revision !== undefined ? { revision } : {}),
        ...(strategy ? { strategy } : {}),
        by: actor(request.principal),
      });
      reply.code(201);
      return record;
    },
  );

  app.get<{ Querystring: { service?: string } }>(
    "/api/v1/deployments",
    {
      config: { role: "viewer" },
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
      config: { role: "viewer" },
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

  app.post<{ Params: { name: string }; Body: z.output<typeof rollbackBody> }>(
    "/api/v1/services/:name/rollback",
    {
      config: { role: "operator", accepts: JSON_TYPES },
      validatorCompiler: zodValidator,
      schema: {
        tags: ["deployments"],
        summary: "Roll back: abort the running deployment, or deploy the previous revision (or revision N)",
        params: z.strictObject({ name: z.string() }),
        body: rollbackBody,
      },
    },
    async (request, reply) => {
      reply.code(201);
      return ctx.deployment.rollback(request.params.name, request.body?.revision, actor(request.principal));
    },
  );

  app.get(
    "/api/v1/dora",
    {
      config: { role: "viewer" },
      schema: { tags: ["deployments"], summary: "DORA figures over the last 30 days" },
    },
    async () => dora(ctx.deployment.deployments(), ctx.revisions, Date.now()),
  );
}
