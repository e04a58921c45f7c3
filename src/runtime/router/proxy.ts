// One proxied HTTP request: connect to a backend, stream the request body only once the connection
// is up, stream the response back. A connection that fails before any request byte was written is
// retried on another backend; once bytes were written it never is (the backend may have acted).
import http from "node:http";
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Socket } from "node:net";

import type { BackendState } from "./backend.js";
import type { Target } from "./balancer.js";
import type { Dispatcher } from "./dispatch.js";
import { connectTimeoutError } from "./dispatch.js";
import { responseHeaders, sendError } from "./headers.js";

export class HttpExchange {
  readonly #d: Dispatcher;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #target: Target;
  readonly #headers: OutgoingHttpHeaders;
  readonly #startedAt = performance.now();
  /** Backend of the attempt in flight (released exactly once). */
  #current: BackendState | undefined;
  #last: BackendState | undefined;
  #tried: BackendState[] | undefined;
  #attempts = 0;
  #proxyReq: ClientRequest | undefined;
  #sent = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    d: Dispatcher,
    req: IncomingMessage,
    res: ServerResponse,
    target: Target,
    headers: OutgoingHttpHeaders,
  ) {
    this.#d = d;
    this.#req = req;
    this.#res = res;
    this.#target = target;
    this.#headers = headers;
    res.once("close", this.#onClose);
  }

  /** Starts with a backend the router already picked (and counted in flight). */
  start(first: BackendState): void {
    this.#attempt(first);
  }

  #attempt(b: BackendState): void {
    this.#current = b;
    this.#last = b;
    this.#attempts++;
    this.#sent = false;
    const preq = http.request({
      host: b.backend.host,
      port: b.backend.port,
      method: this.#req.method,
      path: this.#req.url,
      headers: this.#headers,
      agent: b.agent,
    });
    this.#proxyReq = preq;
    preq.on("socket", this.#onSocket);
    preq.on("response", this.#onResponse);
    preq.on("error", this.#onError);
  }

  // The body is piped only on connect: until then no byte of it was read, so a retry can still send it.
  readonly #send = (): void => {
    clearTimeout(this.#timer);
    const preq = this.#proxyReq;
    if (!this.#sent && !this.#closed && preq) {
      this.#sent = true;
      const h = this.#req.headers;
      // No body: end() writes the head in one go, skipping pipe's listener setup per request.
      if (h["content-length"] === undefined && h["transfer-encoding"] === undefined) {
        preq.end();
      } else {
        this.#req.pipe(preq);
      }
    }
  };

  readonly #onSocket = (sock: Socket): void => {
    if (sock.connecting) {
      const preq = this.#proxyReq;
      const ms = this.#d.connectTimeoutMs;
      this.#timer = setTimeout(() => preq?.destroy(connectTimeoutError(ms)), ms);
      sock.once("connect", this.#send);
    } else {
      this.#send(); // reused keep-alive socket
    }
  };

  readonly #onResponse = (proxyRes: IncomingMessage): void => {
    const b = this.#current;
    if (!b || this.#closed) {
      proxyRes.resume();
      return;
    }
    const status = proxyRes.statusCode ?? 502;
    this.#d.outcome(b, status < 500);
    const res = this.#res;
    const headers = responseHeaders(proxyRes.headers, b.backend.instanceId);
    // writeHead's headers override setHeader's: keep the router's sticky cookie next to the backend's.
    const ours = res.getHeader("set-cookie");
    if (ours !== undefined) {
      const theirs = headers["set-cookie"];
      headers["set-cookie"] = theirs === undefined ? (ours as string) : [...toList(theirs), ...toList(ours)];
    }
    res.writeHead(status, proxyRes.statusMessage, headers);
    proxyRes.pipe(res);
    proxyRes.on("error", () => res.destroy());
  };

  readonly #onError = (err: NodeJS.ErrnoException): void => {
    clearTimeout(this.#timer);
    const b = this.#current;
    if (this.#closed || !b) {
      return; // we aborted it because the client left
    }
    this.#d.outcome(b, false);
    const svc = this.#d.service;
    if (!this.#sent) {
      this.#releaseCurrent();
      (this.#tried ??= []).push(b);
      const next = this.#attempts < this.#d.maxAttempts ? this.#d.next(this.#target, this.#tried) : undefined;
      if (next) {
        this.#attempt(next);
      } else {
        sendError(this.#res, 503, `no ready instance of service ${svc} accepted the connection`);
      }
      return;
    }
    sendError(this.#res, 502, `instance ${b.backend.instanceId} of service ${svc} failed: ${err.message}`);
  };

  readonly #releaseCurrent = (): void => {
    const b = this.#current;
    if (b) {
      this.#current = undefined;
      this.#d.release(b);
    }
  };

  readonly #onClose = (): void => {
    this.#closed = true;
    clearTimeout(this.#timer);
    const res = this.#res;
    if (!res.writableFinished) {
      this.#proxyReq?.destroy();
    }
    this.#releaseCurrent();
    this.#d.completed(this.#last, res.headersSent ? res.statusCode : 499, this.#startedAt);
  };
}

function toList(v: number | string | readonly string[]): string[] {
  return Array.isArray(v) ? [...(v as readonly string[])] : [String(v)];
}
