// Scale routes: set a service's instance count without a deployment (operator, audited), and the
// autoscaler's status and decisions per service (viewer).
import { z } from "zod";
import type { Autoscaler, AutoscalerDecision, AutoscalerStatus } from "../../infrastructure/index.js";
import { actorOf } from "../audit.js";
import { JSON_TYPES } from "../body.js";
import { nameParams } from "../types.js";
import { route, type ApiApp } from "../validation.js";

/** What the routes need of the InfrastructureEngine's autoscaler. */
export type ScalingView = Pick<Autoscaler, "scale" | "status" | "history">;

/** `replicas`: the count to run (0 to 64; the autoscaler's bounds apply while it is on). */
export const scaleBody = z.strictObject({ replicas: z.number().int().min(0).max(64) });
export const decisionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export function scaleRoutes(app: ApiApp, scaling: ScalingView): void {
  app.post(
    "/api/v1/services/:name/scale",
    route(
      {
        role: "operator",
        tag: "services",
        summary:
          "Set a service's instance count (no new revision, no rollout; deferred while a deployment runs)",
        accepts: JSON_TYPES,
      },
      { params: nameParams, body: scaleBody },
    ),
    async ({
      params,
      body,
      principal,
    }): Promise<{ service: string; from: number; replicas: number; deferred: boolean }> =>
      scaling.scale(params.name, body.replicas, actorOf(principal)),
  );

  app.get(
    "/api/v1/services/:name/autoscaler",
    route(
      {
        role: "viewer",
        tag: "services",
        summary: "The service's autoscaler: spec, instance counts, its decisions (newest first)",
      },
      { params: nameParams, querystring: decisionsQuery },
    ),
    async ({ params, query }): Promise<AutoscalerStatus & { decisions: AutoscalerDecision[] }> => ({
      ...scaling.status(params.name),
      decisions: scaling.history(params.name, query.limit ?? 50),
    }),
  );
}
