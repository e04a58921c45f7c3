// Line, status and service routes: what runs, which revision, how many instances are ready.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { YAML_TYPES } from "../body.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";
import { DeploymentErrors } from "../../deployment/index.js";

const nameParam = {
  type: "object",
  properties: { name: { type: "string" } },
  required: ["name"],
} as const;

const viewer = { role: "viewer" } as const;

/** The line.yaml text of a request; the media type was checked before parsing (body.ts). */
function lineText(request: FastifyRequest): string {
  if (typeof request.body !== "string") {
    throw ApiErrors.unsupportedMediaType("send the line.yaml text with Content-Type: application/yaml");
  }
  return request.body;
}

export function statusRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/api/v1/status",
    { config: viewer, schema: { tags: ["line"], summary: "Line status by service" } },
    async () => {
      const services = ctx.deployment.status();
      return {
        line: ctx.deployment.line().name,
        ready: services.length > 0 && services.every((s) => s.ready),
        services,
      };
    },
  );

  app.get(
    "/api/v1/line",
    { config: viewer, schema: { tags: ["line"], summary: "The applied line and its start order" } },
    async () => {
      const line = ctx.deployment.line();
      return { name: line.name, order: line.order, services: ctx.deployment.status() };
    },
  );

  app.post(
    "/api/v1/line",
    {
      config: { role: "admin", accepts: YAML_TYPES },
      schema: {
        tags: ["line"],
        summary: "Apply a line.yaml (body: the YAML text, Content-Type application/yaml)",
        consumes: [...YAML_TYPES],
      },
    },
    async (request) => ctx.deployment.applyLineText(lineText(request), "request body"),
  );

  app.post(
    "/api/v1/line/plan",
    {
      config: { role: "viewer", readOnly: true, accepts: YAML_TYPES },
      schema: {
        tags: ["line"],
        summary: "Dry run of applying a line.yaml: changed services, order, strategies and spec differences",
        consumes: [...YAML_TYPES],
      },
    },
    async (request) => {
      const text = lineText(request);
      // ?dir= is the line file's directory, against which relative working directories resolve.
      const dir = (request.query as { dir?: string }).dir;
      return ctx.deployment.planLineText(
        text,
        (request.query as { file?: string }).file ?? "request body",
        dir,
      );
    },
  );

  app.get(
    "/api/v1/services",
    { config: viewer, schema: { tags: ["services"], summary: "List services" } },
    async () => ({ services: ctx.deployment.status() }),
  );

  app.get<{ Params: { name: string } }>(
    "/api/v1/services/:name",
    {
      config: viewer,
      schema: { tags: ["services"], summary: "One service with its spec and instances", params: nameParam },
    },
    async (request) => ctx.deployment.service(request.params.name),
  );

  app.get<{ Params: { name: string } }>(
    "/api/v1/services/:name/revisions",
    {
      config: viewer,
      schema: { tags: ["services"], summary: "Revision history, newest first", params: nameParam },
    },
    async (request) => {
      const revisions = ctx.revisions.history(request.params.name);
      if (revisions.length === 0) {
        throw DeploymentErrors.serviceNotFound(`service "${request.params.name}" has no revisions`);
      }
      return { revisions };
    },
  );

  app.get<{ Params: { name: string; revision: string } }>(
    "/api/v1/services/:name/revisions/:revision",
    {
      config: viewer,
      schema: {
        tags: ["services"],
        summary: "One revision by hash or number",
        params: {
          type: "object",
          properties: { name: { type: "string" }, revision: { type: "string" } },
          required: ["name", "revision"],
        },
      },
    },
    async (request) => {
      const r = ctx.revisions.get(request.params.name, request.params.revision);
      if (!r) {
        throw DeploymentErrors.revisionNotFound(
          `service "${request.params.name}" has no revision "${request.params.revision}"`,
        );
      }
      return r;
    },
  );

  app.post<{ Params: { name: string } }>(
    "/api/v1/services/:name/restart",
    {
      config: { role: "operator" },
      schema: { tags: ["services"], summary: "Restart every instance of a service", params: nameParam },
    },
    async (request) => {
      await ctx.deployment.restartService(request.params.name);
      return ctx.deployment.service(request.params.name).status;
    },
  );
}
