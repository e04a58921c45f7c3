// Bootstraps one line service on node:http: routing, the routes every service shares (/, /healthz,
// /readyz, /metrics, /faults, /slow), request metrics, JSON errors and graceful shutdown.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { readJsonBody } from "./body.js";
import { createDependency, DependencyError } from "./client.js";
import type { Dependency } from "./client.js";
import { ConfigError, readBaseConfig, readUrl } from "./config.js";
import type { Env } from "./config.js";
import { FaultState, parseFaultRequest } from "./faults.js";
import { HttpError, badRequest } from "./http-error.js";
import { createLogger } from "./log.js";
import type { Logger } from "./log.js";
import { createHttpMetrics } from "./metrics.js";
import type { HttpMetrics } from "./metrics.js";
import { installGracefulShutdown } from "./shutdown.js";
import { profileFor } from "./version.js";
import type { VersionProfile } from "./version.js";

/** Latency the "slow" fault adds to work routes. */
export const SLOW_FAULT_DELAY_MS = 500;
/** Cap on ?delayMs= and /slow?ms= so a typo cannot park a request for hours. */
const MAX_DELAY_MS = 60_000;

export type Reply = {
  status?: number;
  json?: unknown;
  /** Raw text body (the /metrics exposition); takes precedence over json. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Runs once the response has been handed to the OS (used by the crash fault to exit after replying). */
  after?: () => void;
};

export type RequestContext = {
  req: IncomingMessage;
  url: URL;
  /** Parses the JSON body (size-limited); throws HttpError 400/413 on bad input. */
  body(): Promise<unknown>;
};

export type Route = {
  method: "GET" | "POST" | "DELETE";
  path: string;
  /**
   * Work routes carry the line's production traffic: the jam and slow faults apply to them, while
   * probes, metrics and fault control keep answering so lineops can still observe the service.
   */
  work?: boolean;
  handler: (ctx: RequestContext) => Reply | Promise<Reply>;
};

export type ServiceSetup = {
  routes: Route[];
  /** true when ready, otherwise the reason readiness fails. */
  isReady?: () => true | string;
  /** Extra fields for GET /. */
  info?: () => Record<string, unknown>;
  /** Runs once the server listens (the faulty station-controller arms its crash here). */
  onListening?: () => void;
};

export type ServiceContext = {
  name: string;
  version: string;
  profile: VersionProfile;
  station?: string;
  env: Env;
  log: Logger;
  metrics: HttpMetrics;
  faults: FaultState;
  /** A client for the dependency whose URL lineops injects as `envKey`. */
  dependency(name: string, envKey: string, timeoutMs?: number): Dependency;
};

export type ServiceOptions = {
  name: string;
  env?: Env;
  /** Reads the station from env (station-controller only); may throw ConfigError. */
  station?: (env: Env) => string;
  setup: (ctx: ServiceContext) => ServiceSetup;
};

export type RunningService = { server: Server; port: number; url: string; ctx: ServiceContext };

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const env = opts.env ?? process.env;
  const config = readBaseConfig(env);
  const station = opts.station?.(env);
  const log = createLogger(station === undefined ? { service: opts.name } : { service: opts.name, station });
  const faults = new FaultState();
  const metrics = createHttpMetrics({ service: opts.name, version: config.version, station, faults });
  const ctx: ServiceContext = {
    name: opts.name,
    version: config.version,
    profile: profileFor(config.version),
    env,
    log,
    metrics,
    faults,
    dependency: (name, envKey, timeoutMs) =>
      createDependency({ name, baseUrl: readUrl(env, envKey), timeoutMs, calls: metrics.dependencyCalls }),
    ...(station === undefined ? {} : { station }),
  };
  const setup = opts.setup(ctx);

  let started = false;
  let draining = false;
  const routes = new Map<string, Map<string, Route>>();
  for (const route of [...opsRoutes(ctx, setup, () => readiness()), ...setup.routes]) {
    const byMethod = routes.get(route.path) ?? new Map<string, Route>();
    byMethod.set(route.method, route);
    routes.set(route.path, byMethod);
  }
  const readiness = (): true | string => {
    if (!started) {
      return "starting";
    }
    if (draining) {
      return "shutting down";
    }
    return setup.isReady?.() ?? true;
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const startedAt = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://line.invalid");
    const byMethod = routes.get(url.pathname);
    // Unknown paths share one label so scanners cannot blow up metric cardinality.
    const routeLabel = byMethod === undefined ? "unmatched" : url.pathname;
    const method = req.method ?? "GET";
    metrics.inFlight.inc({ route: routeLabel });
    let reply: Reply;
    try {
      reply = await dispatch(req, url, method, byMethod);
    } catch (err) {
      reply = errorReply(err, log, method, url.pathname);
    }
    const status = reply.status ?? 200;
    res.on("finish", () => reply.after?.());
    res.on("close", () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const labels = { method, route: routeLabel, code: String(status) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      metrics.inFlight.dec({ route: routeLabel });
    });
    const body = reply.text ?? JSON.stringify(reply.json ?? {});
    res.writeHead(status, {
      "content-type": reply.contentType ?? "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      // While draining, ask keep-alive clients to go so server.close() can complete.
      ...(draining ? { connection: "close" } : {}),
      ...reply.headers,
    });
    res.end(body);
  }

  async function dispatch(
    req: IncomingMessage,
    url: URL,
    method: string,
    byMethod: Map<string, Route> | undefined,
  ): Promise<Reply> {
    if (byMethod === undefined) {
      throw new HttpError(404, "not_found", `no route for ${url.pathname}`);
    }
    const route = byMethod.get(method);
    if (route === undefined) {
      const allow = [...byMethod.keys()].join(", ");
      throw new HttpError(
        405,
        "method_not_allowed",
        `${method} not allowed on ${url.pathname}; allowed: ${allow}`,
        {
          allow,
        },
      );
    }
    const delayMs = readDelay(url, "delayMs");
    if (delayMs > 0) {
      await sleep(delayMs);
    }
    if (route.work === true) {
      if (faults.isActive("slow")) {
        await sleep(SLOW_FAULT_DELAY_MS);
      }
      if (faults.isActive("jam")) {
        throw new HttpError(503, "jammed", `${opts.name} is jammed (injected fault)`);
      }
    }
    return route.handler({ req, url, body: () => readJsonBody(req) });
  }

  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  started = true;
  installGracefulShutdown({
    server,
    log,
    timeoutMs: config.shutdownTimeoutMs,
    onDrainStart: () => {
      draining = true;
    },
  });
  log.info("listening", { host: config.host, port, version: config.version });
  setup.onListening?.();
  return { server, port, url: `http://${config.host}:${port}`, ctx };
}

/** Entry-point wrapper: a ConfigError exits 2 (misconfiguration), any other start failure exits 1. */
export function runMain(start: () => Promise<unknown>): void {
  start().catch((err: unknown) => {
    const config = err instanceof ConfigError;
    process.stderr.write(
      JSON.stringify({
        level: "error",
        msg: config ? "invalid configuration" : "failed to start",
        error: String(err),
      }) + "\n",
    );
    process.exit(config ? 2 : 1);
  });
}

function opsRoutes(ctx: ServiceContext, setup: ServiceSetup, readiness: () => true | string): Route[] {
  const { faults, log } = ctx;
  return [
    {
      method: "GET",
      path: "/",
      handler: () => ({
        json: {
          service: ctx.name,
          version: ctx.version,
          ...(ctx.station === undefined ? {} : { station: ctx.station }),
          ...setup.info?.(),
        },
      }),
    },
    { method: "GET", path: "/healthz", handler: () => ({ json: { status: "ok" } }) },
    {
      method: "GET",
      path: "/readyz",
      handler: () => {
        const ready = readiness();
        return ready === true
          ? { json: { status: "ready" } }
          : { status: 503, json: { status: "not_ready", reason: ready } };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      handler: async () => ({
        text: await ctx.metrics.registry.metrics(),
        contentType: ctx.metrics.registry.contentType,
      }),
    },
    { method: "GET", path: "/faults", handler: () => ({ json: { active: faults.list() } }) },
    {
      method: "POST",
      path: "/faults",
      handler: async ({ body }) => {
        const request = parseFaultRequest(await body());
        if (request.type === "crash") {
          log.warn("crash fault injected, exiting after this reply");
          return { status: 202, json: { crashing: true }, after: () => setImmediate(() => process.exit(1)) };
        }
        faults.inject(request.type, request.durationMs);
        log.warn("fault injected", { ...request });
        return { status: 201, json: { active: faults.list() } };
      },
    },
    {
      method: "DELETE",
      path: "/faults",
      handler: () => {
        faults.clear();
        log.info("faults cleared");
        return { json: { active: [] } };
      },
    },
    {
      // A deliberately slow request, so tests and drills can check that a drain waits for it.
      method: "POST",
      path: "/slow",
      handler: async ({ url }) => {
        const ms = readDelay(url, "ms");
        await sleep(ms);
        return { json: { sleptMs: ms } };
      },
    },
  ];
}

function readDelay(url: URL, key: string): number {
  const raw = url.searchParams.get(key);
  if (raw === null) {
    return 0;
  }
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
    throw badRequest(`query parameter ${key} must be an integer in [0, ${MAX_DELAY_MS}]`);
  }
  return ms;
}

function errorReply(err: unknown, log: Logger, method: string, path: string): Reply {
  if (err instanceof HttpError) {
    return { status: err.status, json: { error: err.code, message: err.message, ...err.details } };
  }
  if (err instanceof DependencyError) {
    log.warn("dependency failed", {
      method,
      path,
      dependency: err.dependency,
      kind: err.kind,
      error: err.message,
    });
    return {
      status: err.kind === "timeout" ? 504 : 502,
      json: {
        error: "dependency_failed",
        message: err.message,
        dependency: err.dependency,
        ...(err.status === undefined ? {} : { dependencyStatus: err.status }),
      },
    };
  }
  log.error("unhandled error", { method, path, error: err instanceof Error ? err.stack : String(err) });
  return { status: 500, json: { error: "internal", message: "internal error" } };
}
