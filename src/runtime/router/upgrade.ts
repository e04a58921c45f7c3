// WebSocket (any Connection: upgrade) proxying: replay the handshake to a backend on a fresh
// connection, relay its 101 answer, then pipe both sockets until either side closes.
import http from "node:http";
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";

import type { BackendState } from "./backend.js";
import type { Target } from "./balancer.js";
import type { Dispatcher } from "./dispatch.js";
import { connectTimeoutError } from "./dispatch.js";
import { INSTANCE_HEADER, sendSocketError } from "./headers.js";

const HOP_BY_HOP_RESPONSE = new Set(["keep-alive", "transfer-encoding", "proxy-connection", "trailer"]);

function statusHead(res: IncomingMessage, instanceId: string, upgraded: boolean): string {
  let head = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ""}\r\n`;
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    // A declined upgrade's body is relayed until close, so its framing headers must go.
    if (
      HOP_BY_HOP_RESPONSE.has(lower) ||
      (!upgraded && (lower === "connection" || lower === "content-length"))
    ) {
      continue;
    }
    head += `${name}: ${raw[i + 1] as string}\r\n`;
  }
  if (!upgraded) {
    head += "connection: close\r\n";
  }
  return `${head}${INSTANCE_HEADER}: ${instanceId}\r\n\r\n`;
}

/**
 * One side closing or half-closing ends the tunnel (as nginx does): pass the FIN on, then close
 * both. Otherwise two half-open-tolerant servers could keep a dead tunnel, and its in-flight
 * count, forever.
 */
function tieTogether(a: Duplex, b: Duplex): void {
  const shut = () => {
    a.destroy();
    b.destroy();
  };
  a.once("close", shut);
  b.once("close", shut);
  a.once("end", () => b.end(shut));
  b.once("end", () => a.end(shut));
}

export class UpgradeExchange {
  readonly #d: Dispatcher;
  readonly #req: IncomingMessage;
  readonly #socket: Duplex;
  readonly #head: Buffer;
  readonly #target: Target;
  readonly #headers: OutgoingHttpHeaders;
  readonly #startedAt = performance.now();
  #current: BackendState | undefined;
  #last: BackendState | undefined;
  #tried: BackendState[] | undefined;
  #attempts = 0;
  #proxyReq: ClientRequest | undefined;
  #upstream: Duplex | undefined;
  #sent = false;
  #timer: NodeJS.Timeout | undefined;
  #code = 0;
  #closed = false;

  constructor(
    d: Dispatcher,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: Target,
    headers: OutgoingHttpHeaders,
  ) {
    this.#d = d;
    this.#req = req;
    this.#socket = socket;
    this.#head = head;
    this.#target = target;
    this.#headers = headers;
    socket.on("error", () => socket.destroy());
    socket.once("close", this.#onClose);
  }

  start(first: BackendState): void {
    this.#attempt(first);
  }

  #attempt(b: BackendState): void {
    this.#current = b;
    this.#last = b;
    this.#attempts++;
    this.#sent = false;
    // A fresh connection per tunnel: upgraded sockets never go back to a keep-alive pool.
    const preq = http.request({
      host: b.backend.host,
      port: b.backend.port,
      method: this.#req.method,
      path: this.#req.url,
      headers: this.#headers,
      agent: false,
    });
    this.#proxyReq = preq;
    preq.on("socket", (sock: Socket) => {
      const ms = this.#d.connectTimeoutMs;
      this.#timer = setTimeout(() => preq.destroy(connectTimeoutError(ms)), ms);
      sock.once("connect", () => {
        clearTimeout(this.#timer);
        this.#sent = true;
        preq.end();
      });
    });
    preq.on("upgrade", (res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) =>
      this.#onUpgrade(b, res, upstream, upstreamHead),
    );
    preq.on("response", (res: IncomingMessage) => this.#onDeclined(b, res));
    preq.on("error", (err: NodeJS.ErrnoException) => this.#onError(err));
  }

  #onUpgrade(b: BackendState, res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer): void {
    const client = this.#socket;
    if (this.#closed) {
      upstream.destroy();
      return;
    }
    this.#d.outcome(b, true);
    this.#code = 101;
    this.#upstream = upstream;
    client.write(statusHead(res, b.backend.instanceId, true));
    if (upstreamHead.length > 0) {
      client.write(upstreamHead);
    }
    if (this.#head.length > 0) {
      upstream.write(this.#head);
    }
    upstream.on("error", () => upstream.destroy());
    tieTogether(client, upstream);
    upstream.pipe(client);
    client.pipe(upstream);
  }

  #onDeclined(b: BackendState, res: IncomingMessage): void {
    const status = res.statusCode ?? 502;
    this.#d.outcome(b, status < 500);
    this.#code = status;
    if (this.#closed) {
      res.resume();
      return;
    }
    this.#socket.write(statusHead(res, b.backend.instanceId, false));
    res.pipe(this.#socket);
    res.on("error", () => this.#socket.destroy());
  }

  #onError(err: NodeJS.ErrnoException): void {
    clearTimeout(this.#timer);
    const b = this.#current;
    if (this.#closed || !b || this.#upstream) {
      return;
    }
    this.#d.outcome(b, false);
    const svc = this.#d.service;
    if (!this.#sent) {
      this.#release();
      (this.#tried ??= []).push(b);
      const next = this.#attempts < this.#d.maxAttempts ? this.#d.next(this.#target, this.#tried) : undefined;
      if (next) {
        this.#attempt(next);
        return;
      }
      this.#code = 503;
      sendSocketError(
        this.#socket,
        503,
        "Service Unavailable",
        `no ready instance of service ${svc} accepted the connection`,
      );
      return;
    }
    this.#code = 502;
    sendSocketError(
      this.#socket,
      502,
      "Bad Gateway",
      `instance ${b.backend.instanceId} of service ${svc} failed: ${err.message}`,
    );
  }

  #release(): void {
    const b = this.#current;
    if (b) {
      this.#current = undefined;
      this.#d.release(b);
    }
  }

  readonly #onClose = (): void => {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#upstream?.destroy();
    if (!this.#upstream) {
      this.#proxyReq?.destroy();
    }
    this.#release();
    this.#d.completed(this.#last, this.#code === 0 ? 499 : this.#code, this.#startedAt);
  };
}
