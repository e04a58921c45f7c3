// Infrastructure routes (/api/v1/infrastructure/*): the health summary the Infrastructure page
// reads in one request (host and node targets, disks and their forecasts, network, the runtime and
// each instance's resources). Read-only, for viewers.
import { z } from "zod";
import type { InfrastructureHealthSummary } from "../../infrastructure/index.js";
import { parseTimeParam } from "../../monitoring/index.js";
import type { PromEnvelope } from "../types.js";
import { route, type ApiApp } from "../validation.js";

/** What the routes need of the InfrastructureEngine: its health summary at a time. */
export type InfrastructureView = {
  health(nowMs: number): Promise<InfrastructureHealthSummary>;
};

/** `time`: Unix seconds or RFC 3339, as Prometheus's; now when absent. Unknown parameters are refused. */
export const infrastructureHealthQuery = z.strictObject({ time: z.string().max(64).optional() });

export function infrastructureRoutes(app: ApiApp, infrastructure: InfrastructureView): void {
  app.get(
    "/api/v1/infrastructure/health",
    route(
      {
        role: "viewer",
        tag: "infrastructure",
        summary:
          "Health of this host and node_exporter targets (CPU, memory, disks with full-in forecasts, network), the runtime and each instance's resources",
      },
      { querystring: infrastructureHealthQuery },
    ),
    async (request): Promise<PromEnvelope<InfrastructureHealthSummary>> => ({
      status: "success",
      data: await infrastructure.health(parseTimeParam("time", request.query.time, Date.now())),
    }),
  );
}
