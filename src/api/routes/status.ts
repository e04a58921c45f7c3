// Line, status and service routes: what runs, which revision, how many instances are ready.
import type { FastifyRequest } from "fastify";
import { YAML_TYPES } from "../body.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";
import { DeploymentErrors } from "../../deployment/index.js";
import {
  nameParams,
  planQuery,
  revisionParams,
  type ApplyResponse,
  type LineResponse,
  type PlanPreview,
  type Revision,
  type RevisionsResponse,
  type ServiceStatus,
  type StatusResponse,
} from "../types.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";

const viewer = (tag: string, summary: string): RouteDoc => ({ role: "viewer", tag, summary });

/**
 * The line.yaml text of a request. Its media type was checked before parsing (body.ts); what is
 * left is a request without a body, which gets the same answer as one of the wrong type.
 */
function lineText(request: FastifyRequest): string {
  if (typeof request.body !== "string") {
    throw ApiErrors.unsupportedMediaType("send the line.yaml text with Content-Type: application/yaml");
  }
  return request.body;
}

export function statusRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    "/api/v1/status",
    route(viewer("line", "Line status by service")),
    async (): Promise<StatusResponse> => {
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
    route(viewer("line", "The applied line and its start order")),
    async (): Promise<LineResponse> => {
      const line = ctx.deployment.line();
      return { name: line.name, order: line.order, services: ctx.deployment.status() };
    },
  );

  app.post(
    "/api/v1/line",
    route({
      role: "admin",
      tag: "line",
      summary: "Apply a line.yaml (body: the YAML text, Content-Type application/yaml)",
      accepts: YAML_TYPES,
    }),
    async (request): Promise<ApplyResponse> =>
      ctx.deployment.applyLineText(lineText(request), "request body"),
  );

  app.post(
    "/api/v1/line/plan",
    route(
      {
        role: "viewer",
        readOnly: true,
        tag: "line",
        summary: "Dry run of applying a line.yaml: changed services, order, strategies and spec differences",
        accepts: YAML_TYPES,
      },
      { querystring: planQuery },
    ),
    async (request): Promise<PlanPreview> =>
      ctx.deployment.planLineText(lineText(request), request.query.file ?? "request body", request.query.dir),
  );

  app.get(
    "/api/v1/services/:name/revisions",
    route(viewer("services", "Revision history, newest first"), { params: nameParams }),
    async ({ params }): Promise<RevisionsResponse> => {
      const revisions = ctx.revisions.history(params.name);
      if (revisions.length === 0) {
        throw DeploymentErrors.serviceNotFound(`service "${params.name}" has no revisions`);
      }
      return { revisions };
    },
  );

  app.get(
    "/api/v1/services/:name/revisions/:revision",
    route(viewer("services", "One revision by hash or number"), { params: revisionParams }),
    async ({ params }): Promise<Revision> => {
      const r = ctx.revisions.get(params.name, params.revision);
      if (!r) {
        throw DeploymentErrors.revisionNotFound(
          `service "${params.name}" has no revision "${params.revision}"`,
        );
      }
      return r;
    },
  );

  app.post(
    "/api/v1/services/:name/restart",
    route(
      { role: "operator", tag: "services", summary: "Restart every instance of a service" },
      {
        params: nameParams,
      },
    ),
    async ({ params }): Promise<ServiceStatus> => {
      await ctx.deployment.restartService(params.name);
      return ctx.deployment.service(params.name).status;
    },
  );
}
