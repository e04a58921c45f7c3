// What HTTP and WebSocket-upgrade proxying share: one client request's attempts on backends. An
// attempt writes its request only once the backend connection is up; a connection that fails
// before that moves the request to another backend, one that fails after never does (the backend
// may have acted). Every failure counts against the backend's passive health.
import http from "node:http";
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";

import type { BackendState } from "./backend.js";
import type { Target } from "./balancer.js";
import type { Dispatcher } from "./dispatch.js";
import { connectTimeoutError } from "./dispatch.js";
import { forwardHeaders } from "./headers.js";

export abstract class Exchange {
  protected readonly d: Dispatcher;
  protected readonly req: IncomingMessage;
  readonly #target: Target;
  readonly #headers: OutgoingHttpHeaders;
  /** Keep-alive pooling; a tunnel takes its connection for good, so it opens a fresh one instead. */
  readonly #pooled: boolean;
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
  /** Set once an upgrade took the upstream connection over: the request's late errors are not failures. */
  protected detached = false;

  /** `upgrade`: a WebSocket handshake, whose headers keep Connection/Upgrade and which is not pooled. */
  constructor(d: Dispatcher, req: IncomingMessage, target: Target, upgrade: boolean) {
    this.d = d;
    this.req = req;
    this.#target = target;
    this.#headers = forwardHeaders(req, upgrade);
    this.#pooled = !upgrade;
  }

  /** Starts with a backend the router already picked (and counted in flight). */
  start(first: BackendState): void {
    this.#attempt(first);
  }

  /** Listens for the backend's answer to this attempt's request. */
  protected abstract awaitAnswer(preq: ClientRequest, b: BackendState): void;
  /** Writes the request; called once, when its connection is up. */
  protected abstract writeRequest(preq: ClientRequest): void;
  /** Answers the client with the router's own error. */
  protected abstract fail(status: 502 | 503, message: string): void;
  /** Stops what still runs upstream once the client has gone. */
  protected abstract abandon(): void;
  /** Status reported for the finished request. */
  protected abstract finalStatus(): number;

  protected get current(): BackendState | undefined {
    return this.#current;
  }

  protected get proxyReq(): ClientRequest | undefined {
    return this.#proxyReq;
  }

  /** The client has gone: nothing more is written to it. */
  protected get closed(): boolean {
    return this.#closed;
  }

  #attempt(b: BackendState): void {
    this.#current = b;
    this.#last = b;
    this.#attempts++;
    this.#sent = false;
    const preq = http.request({
      host: b.backend.host,
      port: b.backend.port,
      method: this.req.method,
      path: this.req.url,
      headers: this.#headers,
      agent: this.#pooled ? b.agent : false,
    });
    this.#proxyReq = preq;
    preq.on("socket", this.#onSocket);
    this.awaitAnswer(preq, b);
    preq.on("error", this.#onError);
  }

  // Nothing is written before connect, so until then the request can still move to another backend.
  readonly #send = (): void => {
    clearTimeout(this.#timer);
    const preq = this.#proxyReq;
    if (!this.#sent && !this.#closed && preq) {
      this.#sent = true;
      this.writeRequest(preq);
    }
  };

  readonly #onSocket = (sock: Socket): void => {
    if (sock.connecting) {
      const preq = this.#proxyReq;
      const ms = this.d.connectTimeoutMs;
      this.#timer = setTimeout(() => preq?.destroy(connectTimeoutError(ms)), ms);
      sock.once("connect", this.#send);
    } else {
      this.#send(); // reused keep-alive socket
    }
  };

  readonly #onError = (err: NodeJS.ErrnoException): void => {
    clearTimeout(this.#timer);
    const b = this.#current;
    if (this.#closed || !b || this.detached) {
      return; // we aborted it because the client left, or a tunnel owns the connection now
    }
    this.d.outcome(b, false);
    const svc = this.d.service;
    if (this.#sent) {
      this.fail(502, `instance ${b.backend.instanceId} of service ${svc} failed: ${err.message}`);
      return;
    }
    this.#releaseCurrent();
    (this.#tried ??= []).push(b);
    const next = this.#attempts < this.d.maxAttempts ? this.d.next(this.#target, this.#tried) : undefined;
    if (next) {
      this.#attempt(next);
    } else {
      this.fail(503, `no ready instance of service ${svc} accepted the connection`);
    }
  };

  #releaseCurrent(): void {
    const b = this.#current;
    if (b) {
      this.#current = undefined;
      this.d.release(b);
    }
  }

  /** Subclasses register this on the client's "close". */
  protected readonly onClientClose = (): void => {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.abandon();
    this.#releaseCurrent();
    this.d.completed(this.#last, this.finalStatus(), this.#startedAt);
  };
}
