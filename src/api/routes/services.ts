// Service routes for the dashboard's Services page: each service with its instances (state,
// health, revision, station, pid, port, ready since) and its front door as the router holds it
// (address, backends, group weights, draining). The routing table is the data plane's own answer.
import { DeploymentErrors } from "../../deployment/index.js";
import type { DataPlaneTable, Instance } from "../../runtime/index.js";
import type { ApiContext, RoutingView } from "../context.js";
import { ApiErrors } from "../errors.js";
import {
  nameParams,
  type InstanceView,
  type ServiceBackendsResponse,
  type ServiceDetailResponse,
  type ServicesResponse,
  type ServiceView,
} from "../types.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";

const viewer = (summary: string): RouteDoc => ({ role: "viewer", tag: "services", summary });

/** A router group is "stable" unless a rollout named another one (runtime/router/backend.ts). */
const DEFAULT_GROUP = "stable";
/** How long the data plane may take to answer: a page waits no longer for the routing part. */
const TABLE_TIMEOUT_MS = 2_000;

/** The readiness verdict in one word: ready is healthy, failing states are unhealthy, transitions unknown. */
export function healthOf(state: Instance["state"]): InstanceView["health"] {
  switch (state) {
    case "ready":
      return "healthy";
    case "unready":
    case "backoff":
    case "failed":
      return "unhealthy";
    case "starting":
    case "stopping":
    case "stopped":
      return "unknown";
  }
}

type Routing = { table: DataPlaneTable; error?: undefined } | { table?: undefined; error: string };

async function readTable(routing: RoutingView | undefined): Promise<Routing> {
  if (routing === undefined) {
    return { error: "this server has no front doors" };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TABLE_TIMEOUT_MS} ms`)), TABLE_TIMEOUT_MS);
  });
  try {
    return { table: await Promise.race([routing.table(), timeout]) };
  } catch (err) {
    return { error: `the data plane's routing table is unavailable: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

function backendsOf(service: string, routing: Routing, frontDoorHost: string): ServiceBackendsResponse {
  const entry = routing.table?.services[service];
  if (entry === undefined) {
    return {
      service,
      frontDoor: null,
      weights: null,
      stickiness: null,
      backends: [],
      ...(routing.error === undefined ? {} : { error: routing.error }),
    };
  }
  const draining = new Set(entry.draining);
  return {
    service,
    frontDoor: entry.port === undefined ? null : { host: frontDoorHost, port: entry.port },
    weights: entry.weights ?? null,
    stickiness: entry.stickiness ?? null,
    backends: entry.backends.map((b) => ({
      instanceId: b.instanceId,
      host: b.host,
      port: b.port,
      group: b.group ?? DEFAULT_GROUP,
      weight: b.weight ?? 1,
      draining: draining.has(b.instanceId),
      ...(b.station === undefined ? {} : { station: b.station }),
      ...(b.revision === undefined ? {} : { revision: b.revision }),
    })),
  };
}

export function serviceRoutes(app: ApiApp, ctx: ApiContext): void {
  const instanceView = (i: Instance): InstanceView => ({
    ...i,
    health: healthOf(i.state),
    // A ready instance kept out of rotation for an instant rollback says so.
    ...(ctx.deployment.isStandby(i.id) ? { standby: true } : {}),
  });

  const serviceView = (name: string, routing: Routing): ServiceView => {
    const { status, instances } = ctx.deployment.service(name);
    const { frontDoor, weights, backends, error } = backendsOf(
      name,
      routing,
      ctx.routing?.frontDoorHost ?? "",
    );
    return {
      ...status,
      instanceList: instances.map(instanceView),
      frontDoor,
      weights,
      backends,
      ...(error === undefined ? {} : { routingError: error }),
    };
  };

  app.get(
    "/api/v1/services",
    route(viewer("Services with their instances, front door, backends and weights")),
    async (): Promise<ServicesResponse> => {
      const routing = await readTable(ctx.routing);
      return { services: ctx.deployment.status().map((s) => serviceView(s.name, routing)) };
    },
  );

  app.get(
    "/api/v1/services/:name",
    route(viewer("One service with its spec, instances, front door and backends"), { params: nameParams }),
    async ({ params }): Promise<ServiceDetailResponse> => {
      ctx.deployment.service(params.name); // an unknown service is a 404 naming it, before any wait
      const routing = await readTable(ctx.routing);
      // Read after the wait, so instances and status are as fresh as the table.
      const { status, spec, instances } = ctx.deployment.service(params.name);
      const { frontDoor, weights, backends, error } = backendsOf(
        params.name,
        routing,
        ctx.routing?.frontDoorHost ?? "",
      );
      return {
        status,
        spec,
        instances: instances.map(instanceView),
        frontDoor,
        weights,
        backends,
        ...(error === undefined ? {} : { routingError: error }),
      };
    },
  );

  app.get(
    "/api/v1/services/:name/backends",
    route(viewer("The router's backends and group weights of a service's front door"), {
      params: nameParams,
    }),
    async ({ params }): Promise<ServiceBackendsResponse> => {
      if (!ctx.deployment.hasService(params.name)) {
        throw DeploymentErrors.serviceNotFound(`service "${params.name}" not found`);
      }
      const routing = await readTable(ctx.routing);
      if (routing.error !== undefined) {
        throw ApiErrors.routingUnavailable(`service "${params.name}": ${routing.error}`);
      }
      return backendsOf(params.name, routing, ctx.routing?.frontDoorHost ?? "");
    },
  );
}
