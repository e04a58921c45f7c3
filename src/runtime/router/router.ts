// The stable front door of each service: one HTTP listener per service that proxies to its current
// backends (round-robin, or by station). Backends change under it; its address never does.
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { Logger } from "pino";

import { RuntimeErrors } from "../errors.js";
import type { PortAllocator } from "../process/ports.js";

export type Backend = {
  instanceId: string;
  host: string;
  port: number;
  /** Reserved for weighted/canary routing; ignored by plain round-robin. */
  weight?: number;
  station?: string;
};

export type RouterAddress = { host: string; port: number; url: string };

export type RouterOptions = {
  logger: Logger;
  host?: string;
  /** When given, front-door ports come from (and are reserved in) the same pool as instance ports. */
  ports?: PortAllocator;
};

/** Request header that pins a request to the instance serving one station. */
export const STATION_HEADER = "x-lineops-station";
/** Response header naming the instance that served the request (debugging, tests). */
export const INSTANCE_HEADER = "x-lineops-instance";

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and must not be forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

type ServiceRoute = {
  backends: Backend[];
  next: number;
  server?: http.Server;
  address?: RouterAddress;
  /** Port reserved in the shared allocator, released on close. */
  reservedPort?: number;
};

export class Router {
  readonly host: string;
  readonly #log: Logger;
  readonly #ports: PortAllocator | undefined;
  readonly #routes = new Map<string, ServiceRoute>();
  // Keep-alive to backends: proxying many small requests should not pay a TCP handshake each.
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(opts: RouterOptions) {
    this.host = opts.host ?? "127.0.0.1";
    this.#log = opts.logger.child({ component: "router" });
    this.#ports = opts.ports;
  }

  #route(service: string): ServiceRoute {
    let r = this.#routes.get(service);
    if (!r) {
      r = { backends: [], next: 0 };
      this.#routes.set(service, r);
    }
    return r;
  }

  /** Replaces the service's backends; requests already in flight keep going to their old backend. */
  setBackends(service: string, backends: Backend[]): void {
    const r = this.#route(service);
    r.backends = backends.map((b) => ({ ...b }));
    if (r.next >= r.backends.length) {
      r.next = 0;
    }
  }

  backendsOf(service: string): Backend[] {
    return (this.#routes.get(service)?.backends ?? []).map((b) => ({ ...b }));
  }

  /** Opens the service's front door; port 0/undefined allocates one. Idempotent for the same port. */
  async listen(service: string, port?: number): Promise<RouterAddress> {
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
    const server = http.createServer((req, res) => this.#handle(service, req, res));
    server.keepAliveTimeout = 5_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: this.host, port: bindPort, exclusive: true }, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      if (r.reservedPort !== undefined) {
        this.#ports?.release(r.reservedPort);
        r.reservedPort = undefined;
      }
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw RuntimeErrors.portInUse(
          `cannot open router for service ${service}: port ${bindPort} on ${this.host} is already in use`,
          { cause: err },
        );
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
    r.address = { host: this.host, port: actual, url: `http://${this.host}:${actual}` };
    this.#log.info({ service, port: actual }, "router listening");
    return { ...r.address };
  }

  addressOf(service: string): RouterAddress | undefined {
    const a = this.#routes.get(service)?.address;
    return a ? { ...a } : undefined;
  }

  /** Closes every front door (dropping idle and in-flight client connections) and the backend agent. */
  async close(): Promise<void> {
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
    this.#agent.destroy();
  }

  /** Candidate backends in try order: rotation start advances per request (round-robin). */
  #candidates(service: string, station: string | undefined): Backend[] {
    const r = this.#route(service);
    const pool = station === undefined ? r.backends : r.backends.filter((b) => b.station === station);
    if (pool.length === 0) {
      return [];
    }
    const start = r.next % pool.length;
    r.next = (r.next + 1) % Math.max(1, r.backends.length);
    return [...pool.slice(start), ...pool.slice(0, start)];
  }

  #handle(service: string, req: IncomingMessage, res: ServerResponse): void {
    const stationHeader = req.headers[STATION_HEADER];
    const station = Array.isArray(stationHeader) ? stationHeader[0] : stationHeader;
    const candidates = this.#candidates(service, station);
    if (candidates.length === 0) {
      const error =
        station === undefined
          ? `no ready instance of service ${service}`
          : `no ready instance of service ${service} serves station ${station}`;
      sendError(res, 503, error);
      return;
    }
    this.#forward(service, req, res, candidates, 0);
  }

  /**
   * Proxies req to candidates[i]. The request body is only piped once the backend connection is up,
   * so on ECONNREFUSED nothing was sent and the next candidate can be tried. Any later failure is not
   * retried: the backend may already have acted on the request.
   */
  #forward(
    service: string,
    req: IncomingMessage,
    res: ServerResponse,
    candidates: Backend[],
    i: number,
  ): void {
    const backend = candidates[i];
    if (!backend) {
      sendError(res, 503, `no ready instance of service ${service} accepted the connection`);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(k) && v !== undefined) {
        headers[k] = v;
      }
    }
    const remote = req.socket.remoteAddress;
    if (remote) {
      const prior = req.headers["x-forwarded-for"];
      headers["x-forwarded-for"] = prior ? `${String(prior)}, ${remote}` : remote;
    }
    let sent = false;
    const proxyReq = http.request({
      host: backend.host,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers,
      agent: this.#agent,
    });
    const send = () => {
      if (!sent) {
        sent = true;
        req.pipe(proxyReq);
      }
    };
    proxyReq.on("socket", (sock) => {
      if (sock.connecting) {
        sock.once("connect", send);
      } else {
        send(); // reused keep-alive socket
      }
    });
    proxyReq.on("response", (proxyRes) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(proxyRes.headers)) {
        if (!HOP_BY_HOP.has(k) && v !== undefined) {
          out[k] = v;
        }
      }
      out[INSTANCE_HEADER] = backend.instanceId;
      res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, out);
      proxyRes.pipe(res);
      proxyRes.on("error", () => res.destroy());
    });
    proxyReq.on("error", (err: NodeJS.ErrnoException) => {
      if (!sent && err.code === "ECONNREFUSED") {
        this.#log.debug(
          { service, instanceId: backend.instanceId },
          "backend refused connection; trying next",
        );
        this.#forward(service, req, res, candidates, i + 1);
        return;
      }
      this.#log.warn({ service, instanceId: backend.instanceId, err: err.message }, "proxy request failed");
      if (!res.headersSent) {
        sendError(res, 502, `instance ${backend.instanceId} of service ${service} failed: ${err.message}`);
      } else {
        res.destroy();
      }
    });
    // Client went away before the response completed: abandon the backend request too.
    res.on("close", () => {
      if (!res.writableFinished) {
        proxyReq.destroy();
      }
    });
  }
}

function sendError(res: ServerResponse, status: number, error: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ status: "error", errorType: "unavailable", error });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
