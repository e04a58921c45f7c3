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
import { healthOf } from "./services.js";

const viewer = (tag: string, summary: string) => ({ role: "viewer" as const, tag, summary });
/**
 * Logs need an operator: a service's output may print what its configuration holds (connection
 * strings, tokens) and viewers are the wall screens and read-only accounts that must not see it.
 */
const operator = (tag: string, summary: string) => ({ role: "operator" as const, tag, summary });

/** Bytes one instance's tail may hold: 1000 lines of 256 B; a longer tail keeps its newest lines. */
export const MAX_LOG_TAIL_BYTES = 256 * 1024;

/**
 * The newest of `lines` that fit in `maxBytes` together, oldest first; a single line longer than
 * the cap keeps its end (the newest output). `truncated` says something was left out.
 */
export function capTail(lines: readonly string[], maxBytes: number): { lines: string[]; truncated: boolean } {
  const kept: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > maxBytes) {
      if (kept.length === 0) {
        const tail = Buffer.from(line)
          .subarray(-(maxBytes - 1))
          .toString("utf8");
        return { lines: [tail], truncated: true };
      }
      return { lines: kept.reverse(), truncated: true };
    }
    kept.push(line);
    bytes += size;
  }
  return { lines: kept.reverse(), truncated: false };
}

export function instanceRoutes(app: ApiApp, ctx: ApiContext): void {
  /** The last `tail` lines of an instance's log files, capped in bytes. */
  const tailOf = async (id: string, query: { tail?: number | undefined; lines?: number | undefined }) =>
    capTail(await ctx.runtime.logs(id, query.tail ?? query.lines ?? 100), MAX_LOG_TAIL_BYTES);

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
        .map((i) => ({
          ...i,
          health: healthOf(i.state),
          ...(ctx.deployment.isStandby(i.id) ? { standby: true } : {}),
        })),
    }),
  );

  app.get(
    "/api/v1/instances/:id",
    route(viewer("instances", "One instance"), { params: idParams }),
    async ({ params }): Promise<Instance> => instance(params.id),
  );

  app.get(
    "/api/v1/instances/:id/logs",
    route(operator("logs", "The last ?tail=N (<= 1000) lines of an instance's output, at most 256 KiB"), {
      params: idParams,
      querystring: logsQuery,
    }),
    async ({ params, query }): Promise<InstanceLogsResponse> => ({
      instance: instance(params.id).id,
      ...(await tailOf(params.id, query)),
    }),
  );

  app.get(
    "/api/v1/services/:name/logs",
    route(operator("logs", "The last ?tail=N lines of every current instance of a service"), {
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
            ...(await tailOf(i.id, query)),
          })),
        ),
      };
    },
  );
}
