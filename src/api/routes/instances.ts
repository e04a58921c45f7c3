// Instance and log routes: every running process, its state and reason, and its captured output.
import type { FastifyInstance } from "fastify";
import { RuntimeErrors } from "../../runtime/errors.js";
import type { ApiContext } from "../context.js";

const linesQuery = {
  type: "object",
  properties: { lines: { type: "integer", minimum: 1, maximum: 10000, default: 100 } },
} as const;

export function instanceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { service?: string; revision?: string } }>(
    "/api/v1/instances",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["instances"],
        summary: "List instances",
        querystring: {
          type: "object",
          properties: { service: { type: "string" }, revision: { type: "string" } },
        },
      },
    },
    async (request) => ({
      instances: ctx.runtime
        .list({
          ...(request.query.service ? { service: request.query.service } : {}),
          ...(request.query.revision ? { revision: request.query.revision } : {}),
        })
        // A ready instance kept out of rotation for an instant rollback says so.
        .map((i) => (ctx.deployment.isStandby(i.id) ? { ...i, standby: true } : i)),
    }),
  );

  const idParam = { type: "object", properties: { id: { type: "string" } }, required: ["id"] } as const;

  app.get<{ Params: { id: string } }>(
    "/api/v1/instances/:id",
    { config: { role: "viewer" }, schema: { tags: ["instances"], summary: "One instance", params: idParam } },
    async (request) => {
      const instance = ctx.runtime.get(request.params.id);
      if (!instance) {
        throw RuntimeErrors.instanceNotFound(`instance "${request.params.id}" not found`);
      }
      return instance;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { lines: number } }>(
    "/api/v1/instances/:id/logs",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["logs"],
        summary: "Tail an instance's output",
        params: idParam,
        querystring: linesQuery,
      },
    },
    async (request) => {
      if (!ctx.runtime.get(request.params.id)) {
        throw RuntimeErrors.instanceNotFound(`instance "${request.params.id}" not found`);
      }
      return {
        instance: request.params.id,
        lines: await ctx.runtime.logs(request.params.id, request.query.lines),
      };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { lines: number } }>(
    "/api/v1/services/:name/logs",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["logs"],
        summary: "Tail the output of every current instance of a service",
        params: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
        querystring: linesQuery,
      },
    },
    async (request) => {
      const { instances } = ctx.deployment.service(request.params.name);
      const live = instances.filter((i) => i.state !== "stopped");
      return {
        service: request.params.name,
        instances: await Promise.all(
          (live.length > 0 ? live : instances).map(async (i) => ({
            instance: i.id,
            ...(i.station === undefined ? {} : { station: i.station }),
            state: i.state,
            lines: await ctx.runtime.logs(i.id, request.query.lines),
          })),
        ),
      };
    },
  );
}
