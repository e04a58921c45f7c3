// The data plane's control server: HTTP/1.1 + JSON on a unix socket (mode 0600, so only lineops's
// user can reconfigure the line). Every request is bounded: body size, time to arrive, and the
// work it asks for. A bad request gets a 4xx naming the field; nothing a client sends can crash it.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";

import type { Logger } from "pino";
import type { z } from "zod";

import { LineopsError } from "../../errors.js";
import type { DataPlane } from "./dataplane.js";
import { DataPlaneErrors } from "./errors.js";
import type { ErrorBody } from "./protocol.js";
import { describeIssues, MAX_BODY_BYTES, requests } from "./protocol.js";

export type ControlServerOptions = {
  plane: DataPlane;
  socketPath: string;
  logger: Logger;
  /** POST /v1/shutdown: called after the answer is sent. */
  onShutdown: () => void;
  /**
   * POST /v1/handover: starts the successor and waits until it accepts on every door; `afterAnswer` runs
   * after the answer is sent (close this socket, let the successor take it, drain, exit).
   */
  onHandover: (entry: string[], cwd: string) => Promise<{ pid: number; afterAnswer: () => void }>;
};

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the body up to MAX_BODY_BYTES (413 past it) and parses it as JSON ({} when empty). */
function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpFailure(413, "bad_data", `body exceeds ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) {
        return;
      }
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") {
        resolve({});
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new HttpFailure(400, "bad_data", `body is not JSON: ${(err as Error).message}`));
      }
    });
  });
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw DataPlaneErrors.badRequest(describeIssues(r.error));
  }
  return r.data;
}

function send(res: http.ServerResponse, status: number, body: unknown, type = "application/json"): void {
  if (res.headersSent || res.destroyed) {
    return;
  }
  const text = type === "application/json" ? JSON.stringify(body) : String(body);
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(text),
    // An oversized body is not read to its end: the connection cannot carry another request.
    ...(status === 413 ? { connection: "close" } : {}),
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, err: unknown): void {
  let body: ErrorBody;
  let status: number;
  if (err instanceof HttpFailure) {
    status = err.status;
    body = { status: "error", errorType: err.errorType, error: err.message };
  } else if (err instanceof LineopsError) {
    status = err.httpStatus;
    body = { status: "error", errorType: err.errorType, error: err.message, code: err.code };
  } else {
    status = 500;
    body = { status: "error", errorType: "internal", error: (err as Error).message ?? String(err) };
  }
  send(res, status, body);
}

const SERVICE_PATH = /^\/v1\/services\/([^/]+)\/(listen|backends|weights|stickiness)$/;

export class ControlServer {
  readonly #server: http.Server;
  readonly #opts: ControlServerOptions;
  /** Set while a successor takes over: changes would not reach it, so they are refused (503). */
  #handingOver = false;

  constructor(opts: ControlServerOptions) {
    this.#opts = opts;
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => sendError(res, err));
    });
    // A client that sends its request slowly (or never) is cut off: the socket is lineops's alone,
    // but a stuck lineops must not pile up connections in the data plane.
    this.#server.headersTimeout = 5_000;
    this.#server.requestTimeout = 10_000;
    this.#server.keepAliveTimeout = 5_000;
    this.#server.maxConnections = 64;
    this.#server.on("clientError", (_err, socket) => {
      if (socket.writable) {
        socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      } else {
        socket.destroy();
      }
    });
  }

  /**
   * Listens on the socket path. A socket file left by a dead data plane is removed; one that still
   * answers belongs to a live data plane and is an error (two data planes would fight over ports).
   */
  async listen(): Promise<void> {
    const path = this.#opts.socketPath;
    if (fs.existsSync(path)) {
      if (await answers(path)) {
        throw DataPlaneErrors.unavailable(`another data plane already listens on ${path}`);
      }
      fs.rmSync(path, { force: true });
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      // umask-independent: the socket is private before its first connection can arrive.
      const old = process.umask(0o177);
      try {
        this.#server.listen(path, () => {
          this.#server.off("error", reject);
          resolve();
        });
      } finally {
        process.umask(old);
      }
    });
    fs.chmodSync(path, 0o600);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const plane = this.#opts.plane;
    const method = req.method ?? "GET";
    const url = (req.url ?? "/").split("?")[0] ?? "/";
    const body = method === "GET" ? (req.resume(), {}) : await readJson(req);
    const route = `${method} ${url}`;
    if (this.#handingOver && method !== "GET") {
      throw new HttpFailure(503, "unavailable", "this data plane is handing over to its successor: retry");
    }
    switch (route) {
      case "GET /v1/info":
        send(res, 200, plane.info());
        return;
      case "GET /v1/table":
        send(res, 200, plane.table());
        return;
      case "GET /v1/metrics":
        send(res, 200, await plane.metricsText(), "text/plain; version=0.0.4; charset=utf-8");
        return;
      case "POST /v1/drain": {
        const b = parse(requests.drain, body);
        send(res, 200, await plane.drain(b.instanceId, b.timeoutMs));
        return;
      }
      case "POST /v1/tls/reload": {
        const b = parse(requests.tlsReload, body);
        send(res, 200, plane.reloadTls(b));
        return;
      }
      case "POST /v1/handover": {
        const b = parse(requests.handover, body);
        this.#handingOver = true;
        try {
          const successor = await this.#opts.onHandover(b.entry, b.cwd);
          res.once("finish", successor.afterAnswer);
          send(res, 200, { pid: successor.pid });
        } catch (err) {
          this.#handingOver = false;
          throw err;
        }
        return;
      }
      case "POST /v1/shutdown":
        parse(requests.empty, body);
        res.once("finish", () => this.#opts.onShutdown());
        send(res, 202, { status: "stopping" });
        return;
    }
    const m = SERVICE_PATH.exec(url);
    if (!m) {
      throw new HttpFailure(404, "not_found", `no such control path: ${route}`);
    }
    const service = parse(requests.serviceName, decodeURIComponent(m[1] ?? ""));
    const op = m[2];
    if (op === "listen" && method === "POST") {
      const b = parse(requests.listen, body);
      send(res, 200, await plane.listen(service, b.port));
    } else if (op === "backends" && method === "PUT") {
      plane.setBackends(service, parse(requests.backends, body).backends);
      send(res, 200, { status: "ok" });
    } else if (op === "weights" && method === "PUT") {
      plane.setWeights(service, parse(requests.weights, body).weights ?? undefined);
      send(res, 200, { status: "ok" });
    } else if (op === "stickiness" && method === "PUT") {
      plane.setStickiness(service, parse(requests.stickiness, body).stickiness ?? undefined);
      send(res, 200, { status: "ok" });
    } else {
      throw new HttpFailure(405, "bad_data", `${method} is not allowed on ${url}`);
    }
  }
}

/** Whether something accepts connections on the unix socket (within 1 s). */
export function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1_000);
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}
