// Deployment routes: start a deployment, follow it, promote / pause / resume / abort it, roll a
// service back, override gates (admin, audited), and the DORA figures.
import { dora } from "../../deployment/index.js";
import { JSON_TYPES } from "../body.js";
import type { ApiContext } from "../context.js";
import {
  deployBody,
  deploymentQuery,
  deploymentsQuery,
  idParams,
  nameParams,
  rollbackBody,
  type DeploymentDetail,
  type DeploymentRecord,
  type DeploymentsResponse,
  type Dora,
} from "../types.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";

const doc = (role: RouteDoc["role"], summary: string, accepts?: readonly string[]): RouteDoc => ({
  role,
  tag: "deployments",
  summary,
  ...(accepts ? { accepts } : {}),
});

export function deploymentRoutes(app: ApiApp, ctx: ApiContext): void {
  const actor = (p: { name: string; role: string } | undefined) =>
    p ? `${p.name} (${p.role})` : "anonymous";

  app.post(
    "/api/v1/deployments",
    route(doc("operator", "Deploy a new version (or an existing revision) of a service", JSON_TYPES), {
      body: deployBody,
    }),
    async (request, reply): Promise<DeploymentRecord> => {
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

  app.get(
    "/api/v1/deployments",
    route(doc("viewer", "Deployments, newest first"), { querystring: deploymentsQuery }),
    async ({ query }): Promise<DeploymentsResponse> => ({
      deployments: ctx.deployment.deployments(query.service),
    }),
  );

  app.get(
    "/api/v1/deployments/:id",
    route(doc("viewer", "One deployment with its steps, analysis results, decisions and timings"), {
      params: idParams,
      querystring: deploymentQuery,
    }),
    async ({ params, query }): Promise<DeploymentDetail> => {
      const d = ctx.deployment.deployment(params.id);
      return { ...d, events: d.events.filter((e) => e.id > query.after) };
    },
  );

  const actions = [
    ["promote", "promote", "operator", "promote a deployment"],
    ["pause", "pause", "operator", "pause a deployment"],
    ["resume", "resume", "operator", "resume a deployment"],
    ["abort", "abort", "operator", "abort a deployment"],
    ["override-gates", "overrideGates", "admin", "Let a deployment past closed gates (audited)"],
  ] as const;
  for (const [path, action, role, summary] of actions) {
    app.post(
      `/api/v1/deployments/:id/${path}`,
      route(doc(role, summary), { params: idParams }),
      async ({ params }): Promise<DeploymentRecord> => ctx.deployment.control(params.id, action),
    );
  }

  app.post(
    "/api/v1/services/:name/rollback",
    route(
      doc(
        "operator",
        "Roll back: abort the running deployment, or deploy the previous revision (or revision N)",
        JSON_TYPES,
      ),
      { params: nameParams, body: rollbackBody },
    ),
    async (request, reply): Promise<DeploymentRecord> => {
      reply.code(201);
      return ctx.deployment.rollback(request.params.name, request.body?.revision, actor(request.principal));
    },
  );

  app.get(
    "/api/v1/dora",
    route(doc("viewer", "DORA figures over the last 30 days")),
    async (): Promise<Dora> => dora(ctx.deployment.deployments(), ctx.revisions, Date.now()),
  );
}
