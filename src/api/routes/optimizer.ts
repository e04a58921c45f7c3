// Right-sizing and capacity routes (/api/v1/infrastructure/recommendations, .../capacity): the VPA
// recommender's requests per service against line.yaml's `resources`, and this host's headroom,
// trends and a bin-packing simulation of N lines onto a node size. Read-only, for viewers.
import { z } from "zod";
import { DeploymentErrors } from "../../deployment/index.js";
import {
  cpuCores,
  memoryBytes,
  MAX_LINES,
  type CapacityOptions,
  type CapacityReport,
  type RecommendationReport,
} from "../../infrastructure/index.js";
import { parseTimeParam } from "../../monitoring/index.js";
import { ApiErrors } from "../errors.js";
import type { PromEnvelope } from "../types.js";
import { route, type ApiApp } from "../validation.js";

/** What the routes need of the optimizer (ResourceOptimizer) and of the line. */
export type OptimizerView = {
  recommendations(nowMs: number, service?: string): Promise<RecommendationReport>;
  capacity(nowMs: number, opts: CapacityOptions): Promise<CapacityReport>;
  hasService(name: string): boolean;
};

const time = z.string().max(64).optional();
export const recommendationsQuery = z.strictObject({ service: z.string().min(1).max(128).optional(), time });
export const capacityQuery = z.strictObject({
  time,
  /** Lines to pack, 1 to MAX_LINES (default 1). */
  lines: z
    .string()
    .regex(/^\d{1,4}$/, "a whole number of lines")
    .optional(),
  /** Node CPU: cores ("4", "0.5") or millicores ("3500m"). */
  nodeCpu: z.string().max(32).optional(),
  /** Node memory: bytes or with Ki, Mi, Gi, Ti ("16Gi"). */
  nodeMemory: z.string().max(32).optional(),
});

/** The route's options from its query string; a bad value is a 400 naming the parameter. */
function capacityOptions(q: z.infer<typeof capacityQuery>): CapacityOptions {
  try {
    const node: CapacityOptions["node"] = {};
    const cpu = cpuCores(q.nodeCpu, "nodeCpu");
    const memory = memoryBytes(q.nodeMemory, "nodeMemory");
    if (cpu !== undefined) {
      node.cpuCores = cpu;
    }
    if (memory !== undefined) {
      node.memoryBytes = memory;
    }
    const lines = q.lines === undefined ? 1 : Number(q.lines);
    if (!(lines >= 1 && lines <= MAX_LINES)) {
      throw new Error(`lines: ${q.lines} is not a whole number from 1 to ${MAX_LINES}`);
    }
    return { node, lines };
  } catch (e) {
    throw ApiErrors.badRequest((e as Error).message);
  }
}

export function optimizerRoutes(app: ApiApp, optimizer: OptimizerView): void {
  app.get(
    "/api/v1/infrastructure/recommendations",
    route(
      {
        role: "viewer",
        tag: "infrastructure",
        summary:
          "Right-sizing per service: the VPA recommender's target, lower and upper CPU and memory against line.yaml's resources, with a verdict and the evidence window",
      },
      { querystring: recommendationsQuery },
    ),
    async (request): Promise<PromEnvelope<RecommendationReport>> => {
      const { service } = request.query;
      const at = parseTimeParam("time", request.query.time, Date.now());
      if (service !== undefined && !optimizer.hasService(service)) {
        throw DeploymentErrors.serviceNotFound(`service "${service}" not found`);
      }
      return { status: "success", data: await optimizer.recommendations(at, service) };
    },
  );
  app.get(
    "/api/v1/infrastructure/capacity",
    route(
      {
        role: "viewer",
        tag: "infrastructure",
        summary:
          "Capacity: this host's requests against allocatable CPU and memory, CPU/memory/disk trends, and how many nodes of a size N lines need (first-fit and best-fit decreasing)",
      },
      { querystring: capacityQuery },
    ),
    async (request): Promise<PromEnvelope<CapacityReport>> => {
      const opts = capacityOptions(request.query);
      const at = parseTimeParam("time", request.query.time, Date.now());
      return { status: "success", data: await optimizer.capacity(at, opts) };
    },
  );
}
