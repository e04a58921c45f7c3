// The stable front door of each service: one HTTP listener per service that proxies (HTTP and
// WebSocket) to its ready backends, split between traffic groups by weight, with stickiness,
// station pinning, a preview route, draining and passive health. Backends change under it; its
// address never does.
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SecureContextOptions } from "node:tls";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";

import type { Logger } from "pino";

import { frontDoorPortInUse, RuntimeErrors } from "../errors.js";
import type { PortAllocator } from "../process/ports.js";
import type { Backend, BackendStatus } from "./backend.js";
import { BackendState } from "./backend.js";
import type { Pool, Target } from "./balancer.js";
import { buildPool, pick } from "./balancer.js";
import type { Dispatcher } from "./dispatch.js";
import type { DrainResult } from "./drain.js";
import { requestEnded, retire, startDrain, waitIdle } from "./drain.js";
import { RouterErrors } from "./errors.js";
import {
  cookieValue,
  firstValue,
  PREVIEW_HEADER,
  sendError,
  sendSocketError,
  STATION_HEADER,
} from "./headers.js";
import type { RequestEvent, ServiceStats } from "./metrics.js";
import { StatsCounter } from "./metrics.js";
import type { HealthPolicy } from "./outlier.js";
import { DEFAULT_HEALTH, healthPolicy, recordOutcome } from "./outlier.js";
import { HttpExchange } from "./proxy.js";
import { UpgradeExchange } from "./upgrade.js";
import type { Stickiness, StickyRange, Weights } from "./weights.js";
import { normalizeStickiness, stickyGroupOf, stickyRanges, validateWeights } from "./weights.js";
import type { Now } from "../../clock.js";

export type { Backend, BackendStatus } from "./backend.js";
export { DEFAULT_GROUP } from "./backend.js";
export type { DrainResult } from "./drain.js";
export { INSTANCE_HEADER, PREVIEW_HEADER, STATION_HEADER } from "./headers.js";
export type { RequestEvent, ServiceStats } from "./metrics.js";
export type { HealthPolicy } from "./outlier.js";
export type { Stickiness, Weights } from "./weights.js";
export { normalizeStickiness, validateWeights } from "./weights.js";

export type RouterAddress = { host: string; port: number; url: string };

export type RouterOptions = {
  logger: Logger;
  host?: string;
  /** When given, front-door ports come from (and are reserved in) the same pool as instance ports. */
  ports?: PortAllocator;
  /** Called once per finished request (the monitoring engine turns it into counters and a histogram). */
  onRequest?: (e: RequestEvent) => void;
  /** A backend connection not established within this is treated like ECONNREFUSED (default 2000). */
  connectTimeoutMs?: number;
  /** Backends tried per request while connections fail before sending (default 3). */
  maxAttempts?: number;
  /** Clock for passive-health ejections (ms); tests inject one. Default Date.now. */
  now?: Now;
  /** Certificate and key: front doors opened from now on speak HTTPS (setSecureContext swaps them). */
  tls?: SecureContextOptions;
};

export type PreviewRoute = {
  /** Request header whose value "1" or "true" selects the preview group (default x-lineops-preview). */
  header: string;
  /** Group those requests go to, whatever its weight (default "preview"). */
  group: string;
};

type ServiceRoute = {
  members: BackendState[];
  weights: Weights | undefined;
  ranges: StickyRange[];
  /** Pools by station ("" = the whole service), built on first use after each change. */
  pools: Map<string, Pool>;
  stations: Set<string>;
  stickiness: Stickiness | undefined;
  preview: PreviewRoute;
  health: HealthPolicy;
  stats: StatsCounter;
  dispatcher: Dispatcher;
  server?: http.Server | https.Server;
  address?: RouterAddress;
  /** Port reserved in the shared allocator, released on close. */
  reservedPort?: number;
};

const WHOLE_SERVICE = "";

export class Router {
  readonly host: string;
  readonly #log: Logger;
  readonly #ports: PortAllocator | undefined;
  readonly #onRequest: ((e: RequestEvent) => void) | undefined;
  readonly #connectTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #now: Now;
  #tls: SecureContextOptions | undefined;
  readonly #routes = new Map<string, ServiceRoute>();
  /** Every backend the router still knows, including removed ones with requests in flight. */
  readonly #instances = new Map<string, BackendState>();
  /** Open upgrade tunnels' client sockets, closed by close() (servers don't track them). */
  readonly #tunnels = new Set<Duplex>();

  constructor(opts: RouterOptions) {
    this.host = opts.host ?? "127.0.0.1";
    this.#log = opts.logger.child({ component: "router" });
    this.#ports = opts.ports;
    this.#onRequest = opts.onRequest;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 2_000;
    this.#maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
    this.#now = opts.now ?? Date.now;
    this.#tls = opts.tls;
  }

  /** New certificate and key for the TLS front doors: new connections get them, open ones keep theirs. */
  setSecureContext(options: SecureContextOptions): void {
    this.#tls = options;
    for (const r of this.#routes.values()) {
      if (r.server instanceof https.Server) {
        r.server.setSecureContext(options);
      }
    }
  }

  #route(service: string): ServiceRoute {
    let r = this.#routes.get(service);
    if (!r) {
      r = {
        members: [],
        weights: undefined,
        ranges: [],
        pools: new Map(),
        stations: new Set(),
        stickiness: undefined,
        preview: { header: PREVIEW_HEADER, group: "preview" },
        health: DEFAULT_HEALTH,
        stats: new StatsCounter(),
        dispatcher: this.#dispatcher(service),
      };
      this.#routes.set(service, r);
    }
    return r;
  }

  #dispatcher(service: string): Dispatcher {
    const d: Dispatcher = {
      service,
      connectTimeoutMs: this.#connectTimeoutMs,
      maxAttempts: this.#maxAttempts,
      next: (target, tried) => {
        const b = pick(target, this.#now(), tried);
        if (b) {
          b.inFlight++;
        }
        return b;
      },
      outcome: (b, ok) => {
        const health = this.#routes.get(service)?.health ?? DEFAULT_HEALTH;
        if (recordOutcome(b, ok, health, this.#now())) {
          this.#log.warn(
            { service, instanceId: b.backend.instanceId, until: b.ejectedUntil, ejections: b.ejections },
            "backend ejected after consecutive failures",
          );
        }
      },
      release: (b) => {
        requestEnded(b);
        if (b.removed && b.inFlight === 0) {
          this.#forget(b);
        }
      },
      completed: (b, code, startedAt) => {
        const group = b?.group ?? "";
        this.#routes.get(service)?.stats.count(group, code);
        if (this.#onRequest) {
          const rev = b?.backend.revision;
          this.#onRequest({
            service,
            instanceId: b?.backend.instanceId ?? "",
            group,
            ...(rev === undefined ? {} : { revision: rev }),
            code,
            durationMs: performance.now() - startedAt,
          });
        }
      },
    };
    return d;
  }

  #forget(b: BackendState): void {
    if (this.#instances.get(b.backend.instanceId) === b) {
      this.#instances.delete(b.backend.instanceId);
    }
    b.agent.destroy();
  }

  #invalidate(r: ServiceRoute): void {
    r.pools.clear();
  }

  /**
   * Replaces the service's backends. Requests in flight keep their backend; a backend left out
   * stops pooling connections (idle ones close now) and is forgotten when its last request ends.
   * A backend that is draining stays draining if listed again.
   */
  setBackends(service: string, backends: Backend[]): void {
    const r = this.#route(service);
    const next: BackendState[] = [];
    const keep = new Set<BackendState>();
    for (const b of backends) {
      const copy = { ...b };
      let s = this.#instances.get(b.instanceId);
      if (s && s.service === service && s.sameAddress(b)) {
        s.update(copy);
        if (s.removed) {
          s.removed = false;
          s.agent.retiring = s.draining;
        }
      } else {
        if (s) {
          this.#retireState(s);
        }
        s = new BackendState(copy, service);
        this.#instances.set(b.instanceId, s);
      }
      keep.add(s);
      next.push(s);
    }
    for (const old of r.members) {
      if (!keep.has(old)) {
        this.#retireState(old);
      }
    }
    r.members = next;
    r.stations = new Set(next.flatMap((s) => (s.backend.station === undefined ? [] : [s.backend.station])));
    this.#invalidate(r);
  }

  #retireState(s: BackendState): void {
    s.removed = true;
    retire(s);
    if (s.inFlight === 0) {
      this.#forget(s);
    }
  }

  /** Current backends with their live state: in-flight count, draining, ejection. */
  backendsOf(service: string): BackendStatus[] {
    const now = this.#now();
    return (this.#routes.get(service)?.members ?? []).map((s) => s.status(now));
  }

  /**
   * Splits normal traffic between groups by percent (must sum to 100; unnamed groups get 0).
   * undefined restores the default: every non-preview backend in one rotation. A group with no
   * usable backend cedes its share to the others; a 0 % group is reached only by preview/stickiness.
   */
  setWeights(service: string, weights: Weights | undefined): void {
    const r = this.#route(service);
    r.weights = weights === undefined ? undefined : validateWeights(service, weights);
    r.ranges = r.weights ? stickyRanges(r.weights) : [];
    this.#invalidate(r);
  }

  weightsOf(service: string): Weights | undefined {
    const w = this.#routes.get(service)?.weights;
    return w ? { ...w } : undefined;
  }

  /**
   * Blue-green cut-over: from the moment this returns every new request (and every retry) goes to
   * `group` only; requests in flight finish where they are. Throws noBackend when the group has no
   * backend that could take traffic, so a typo cannot black-hole the service.
   */
  switchTo(service: string, group: string): void {
    if (group === "") {
      throw RouterErrors.invalidWeights(`switch of service ${service}: group name must not be empty`);
    }
    const r = this.#route(service);
    if (!r.members.some((m) => m.group === group && !m.draining && m.weight > 0)) {
      throw RuntimeErrors.noBackend(
        `cannot switch service ${service} to group ${group}: it has no usable backend`,
      );
    }
    this.setWeights(service, { [group]: 100 });
  }

  /** Keeps requests carrying the same header/cookie value on the same group; undefined turns it off. */
  setStickiness(service: string, s: Stickiness | undefined): void {
    this.#route(service).stickiness = normalizeStickiness(service, s);
  }

  setPreview(service: string, p: Partial<PreviewRoute>): void {
    const r = this.#route(service);
    const next = { ...r.preview, ...p };
    if (next.header === "" || next.group === "") {
      throw RouterErrors.invalidRouterConfig(
        `preview route for service ${service}: header and group must not be empty`,
      );
    }
    r.preview = { header: next.header.toLowerCase(), group: next.group };
    this.#invalidate(r);
  }

  /** Passive-health policy for the service (unset fields keep their defaults: 5 failures, 10 s, 5 min). */
  setHealth(service: string, p: Partial<HealthPolicy>): void {
    this.#route(service).health = healthPolicy(service, p);
  }

  /**
   * Stops new requests to the instance at once and closes its idle pooled connections; resolves
   * when its in-flight requests are done ({completed: true}) or after timeoutMs with the count
   * still running. An instance the router doesn't know has nothing in flight and resolves at once.
   */
  drain(instanceId: string, timeoutMs: number): Promise<DrainResult> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(
        RouterErrors.invalidRouterConfig(`drain of ${instanceId}: timeoutMs must be >= 0`),
      );
    }
    const s = this.#instances.get(instanceId);
    if (!s) {
      return Promise.resolve({ inFlight: 0, completed: true });
    }
    startDrain(s);
    return waitIdle(s, timeoutMs);
  }

  /** Puts a drained instance back into rotation (e.g. an aborted rollout). */
  undrain(instanceId: string): void {
    const s = this.#instances.get(instanceId);
    if (s) {
      s.draining = false;
      s.agent.retiring = s.removed;
    }
  }

  stats(service: string): ServiceStats {
    return this.#routes.get(service)?.stats.snapshot() ?? { requests: 0, groups: {} };
  }

  /**
   * Opens the service's front door; port 0/undefined allocates one. Idempotent for the same port.
   * `handle`: a listening socket handed over by another process (a data plane's upgrade): the door
   * accepts on it instead of binding, so the port is never closed in between.
   */
  async listen(service: string, port?: number, opts: { handle?: object } = {}): Promise<RouterAddress> {
    const r = this.#route(service);
    if (r.address) {
      if (!port || port === r.address.port) {
        return { ...r.address };
      }
      throw RuntimeErrors.alreadyListening(
        `router for service ${service} already listens on port ${r.address.port}, not ${port}`,
      );
    }
    let bindPort = port ?? 0;
    if (!bindPort && this.#ports) {
      bindPort = await this.#ports.allocate();
      r.reservedPort = bindPort;
    }
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(service, req, res);
    const server = this.#tls ? https.createServer(this.#tls, handler) : http.createServer(handler);
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#handleUpgrade(service, req, socket, head),
    );
    server.keepAliveTimeout = 5_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        const onListening = () => {
          server.off("error", reject);
          resolve();
        };
        if (opts.handle) {
          server.listen(opts.handle, onListening);
        } else {
          server.listen({ host: this.host, port: bindPort, exclusive: true }, onListening);
        }
      });
    } catch (err) {
      if (r.reservedPort !== undefined) {
        this.#ports?.release(r.reservedPort);
        r.reservedPort = undefined;
      }
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw frontDoorPortInUse(service, bindPort, { cause: err });
      }
      throw err;
    }
    server.on("error", (err) => this.#log.error({ service, err }, "router server error"));
    const actual = (server.address() as AddressInfo).port;
    if (this.#ports && r.reservedPort === undefined) {
      this.#ports.reserve(actual);
      r.reservedPort = actual;
    }
    r.server = server;
    const scheme = server instanceof https.Server ? "https" : "http";
    r.address = { host: this.host, port: actual, url: `${scheme}://${this.host}:${actual}` };
    this.#log.info({ service, port: actual }, "router listening");
    return { ...r.address };
  }

  /** The open front doors' servers, to hand their listening sockets to a successor process. */
  listeningServers(): { service: string; port: number; server: http.Server | https.Server }[] {
    return [...this.#routes].flatMap(([service, r]) =>
      r.server && r.address ? [{ service, port: r.address.port, server: r.server }] : [],
    );
  }

  addressOf(service: string): RouterAddress | undefined {
    const a = this.#routes.get(service)?.address;
    return a ? { ...a } : undefined;
  }

  /**
   * Closes every front door (dropping idle, in-flight and upgraded client connections) and the
   * backend pools. With graceMs, the doors first stop accepting and requests in flight get up to
   * graceMs to finish (a data plane's SIGTERM); whatever is still open then is dropped.
   */
  async close(opts: { graceMs?: number } = {}): Promise<void> {
    const graceMs = opts.graceMs ?? 0;
    if (graceMs > 0) {
      await this.#stopAccepting(graceMs);
    }
    for (const t of this.#tunnels) {
      t.destroy();
    }
    await Promise.all(
      [...this.#routes.values()].map(async (r) => {
        const server = r.server;
        if (!server) {
          return;
        }
        r.server = undefined;
        r.address = undefined;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (r.reservedPort !== undefined) {
          this.#ports?.release(r.reservedPort);
          r.reservedPort = undefined;
        }
      }),
    );
    for (const s of this.#instances.values()) {
      s.agent.destroy();
    }
  }

  /** Stops accepting on every door and waits (up to graceMs) for their open connections to end. */
  async #stopAccepting(graceMs: number): Promise<void> {
    const closing = [...this.#routes.values()].flatMap((r) => {
      const server = r.server;
      if (!server) {
        return [];
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections with no request in flight would otherwise hold close() open.
      server.closeIdleConnections();
      return [closed];
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closing),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  #pool(r: ServiceRoute, station: string | undefined): Pool | undefined {
    const key = station ?? WHOLE_SERVICE;
    let pool = r.pools.get(key);
    if (!pool) {
      // Only stations that exist get a pool: the header is client input and must not grow the map.
      if (station !== undefined && !r.stations.has(station)) {
        return undefined;
      }
      const members =
        station === undefined ? r.members : r.members.filter((m) => m.backend.station === station);
      pool = buildPool(members, r.weights, r.preview.group);
      r.pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Where this request may go, or the 503 message. Preview header > stickiness > weights; the
   * station header narrows each of them to that station's backends.
   */
  #target(
    service: string,
    r: ServiceRoute,
    req: IncomingMessage,
    res: ServerResponse | undefined,
  ): Target | string {
    const station = firstValue(req.headers[STATION_HEADER]);
    const pool = this.#pool(r, station);
    const where = station === undefined ? "" : ` serves station ${station}`;
    if (!pool) {
      return `no ready instance of service ${service}${where}`;
    }
    const previewValue = firstValue(req.headers[r.preview.header]);
    if (previewValue === "1" || previewValue === "true") {
      const forced = pool.byName.get(r.preview.group);
      return forced
        ? { pool, forced, strict: true }
        : `no ready instance of service ${service} in group ${r.preview.group}${where}`;
    }
    const sticky = r.stickiness;
    if (sticky && r.ranges.length > 0) {
      let value = sticky.header === undefined ? undefined : firstValue(req.headers[sticky.header]);
      if (value === undefined && sticky.cookie !== undefined) {
        value = cookieValue(req.headers.cookie, sticky.cookie);
        if (value === undefined && res) {
          value = randomUUID();
          res.setHeader("set-cookie", `${sticky.cookie}=${value}; Path=/; HttpOnly; SameSite=Lax`);
        }
      }
      const group = value === undefined ? undefined : stickyGroupOf(r.ranges, value);
      const forced = group === undefined ? undefined : pool.byName.get(group);
      if (forced) {
        return { pool, forced, strict: false };
      }
    }
    return { pool, forced: undefined, strict: false };
  }

  #handle(service: string, req: IncomingMessage, res: ServerResponse): void {
    const r = this.#route(service);
    const target = this.#target(service, r, req, res);
    const first = typeof target === "string" ? undefined : r.dispatcher.next(target, undefined);
    if (typeof target === "string" || !first) {
      const station = firstValue(req.headers[STATION_HEADER]);
      const msg =
        typeof target === "string"
          ? target
          : `no ready instance of service ${service}${station === undefined ? "" : ` serves station ${station}`}`;
      const startedAt = performance.now();
      res.once("close", () => r.dispatcher.completed(undefined, 503, startedAt));
      sendError(res, 503, msg);
      return;
    }
    new HttpExchange(r.dispatcher, req, res, target).start(first);
  }

  #handleUpgrade(service: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const r = this.#route(service);
    const target = this.#target(service, r, req, undefined);
    const first = typeof target === "string" ? undefined : r.dispatcher.next(target, undefined);
    if (typeof target === "string" || !first) {
      socket.on("error", () => socket.destroy());
      r.dispatcher.completed(undefined, 503, performance.now());
      sendSocketError(
        socket,
        503,
        typeof target === "string" ? target : `no ready instance of service ${service}`,
      );
      return;
    }
    this.#tunnels.add(socket);
    socket.once("close", () => this.#tunnels.delete(socket));
    new UpgradeExchange(r.dispatcher, req, socket, head, target).start(first);
  }
}
