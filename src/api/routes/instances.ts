// Instance and log routes: every running process, its state and reason, and its captured output.
import { RuntimeErrors } from "../../runtime/errors.js";
import type { ApiContext } from "../context.js";
import {
  idParams,
  instancesQuery,
  logsQuery,
  nameParams,
  type Instance,
  type InstanceLogsResponse,
  type InstancesResponse,
  type ServiceLogsResponse,
} from "../types.js";
import { route, type ApiApp } from "../validation.js";

const viewer = (tag: string, summary: string) => ({ role: "viewer" as const, tag, summary });

export function instanceRoutes(app: ApiApp, ctx: ApiContext): void {
  /** The instance, or the runtime's 404. */
  const instance = (id: string): Instance => {
    const found = ctx.runtime.get(id);
    if (!found) {
      throw RuntimeErrors.instanceNotFound(`instance "${id}" not found`);
    }
    return found;
  };

  app.get(
    "/api/v1/instances",
    route(viewer("instances", "List instances"), { querystring: instancesQuery }),
    async ({ query }): Promise<InstancesResponse> => ({
      instances: ctx.runtime
        .list({
          ...(query.service ? { service: query.service } : {}),
          ...(query.revision ? { revision: query.revision } : {}),
        })
        // A ready instance kept out of rotation for an instant rollback says so.
        .map((i) => (ctx.deployment.isStandby(i.id) ? { ...i, standby: true } : i)),
    }),
  );

  app.get(
    "/api/v1/instances/:id",
    route(viewer("instances", "One instance"), { params: idParams }),
    async ({ params }): Promise<Instance> => instance(params.id),
  );

  app.get(
    "/api/v1/instances/:id/logs",
    route(viewer("logs", "Tail an instance's output"), { params: idParams, querystring: logsQuery }),
    async ({ params, query }): Promise<InstanceLogsResponse> => ({
      instance: instance(params.id).id,
      lines: await ctx.runtime.logs(params.id, query.lines),
    }),
  );

  app.get(
    "/api/v1/services/:name/logs",
    route(viewer("logs", "Tail the output of every current instance of a service"), {
      params: nameParams,
      querystring: logsQuery,
    }),
    async ({ params, query }): Promise<ServiceLogsResponse> => {
      const { instances } = ctx.deployment.service(params.name);
      const live = instances.filter((i) => i.state !== "stopped");
      return {
        service: params.name,
        instances: await Promise.all(
          (live.length > 0 ? live : instances).map(async (i) => ({
            instance: i.id,
            ...(i.station === undefined ? {} : { station: i.station }),
            state: i.state,
            lines: await ctx.runtime.logs(i.id, query.lines),
          })),
        ),
      };
    },
  );
}
