// One proxied HTTP request: connect to a backend, stream the request body only once the connection
// is up, stream the response back. Attempts and retries are the Exchange's (./exchange.ts).
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";

import type { Target } from "./balancer.js";
import type { Dispatcher } from "./dispatch.js";
import { Exchange } from "./exchange.js";
import { responseHeaders, sendError } from "./headers.js";

export class HttpExchange extends Exchange {
  readonly #res: ServerResponse;

  constructor(d: Dispatcher, req: IncomingMessage, res: ServerResponse, target: Target) {
    super(d, req, target, false);
    this.#res = res;
    res.once("close", this.onClientClose);
  }

  protected awaitAnswer(preq: ClientRequest): void {
    preq.on("response", this.#onResponse);
  }

  // The body is piped only now: until connect no byte of it was read, so a retry could still send it.
  protected writeRequest(preq: ClientRequest): void {
    const h = this.req.headers;
    // No body: end() writes the head in one go, skipping pipe's listener setup per request.
    if (h["content-length"] === undefined && h["transfer-encoding"] === undefined) {
      preq.end();
    } else {
      this.req.pipe(preq);
    }
  }

  protected fail(status: 502 | 503, message: string): void {
    sendError(this.#res, status, message);
  }

  protected abandon(): void {
    if (!this.#res.writableFinished) {
      this.proxyReq?.destroy();
    }
  }

  protected finalStatus(): number {
    const res = this.#res;
    return res.headersSent ? res.statusCode : 499;
  }

  readonly #onResponse = (proxyRes: IncomingMessage): void => {
    const b = this.current;
    if (!b || this.closed) {
      proxyRes.resume();
      return;
    }
    const status = proxyRes.statusCode ?? 502;
    this.d.outcome(b, status < 500);
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
}

function toList(v: number | string | readonly string[]): string[] {
  return Array.isArray(v) ? [...(v as readonly string[])] : [String(v)];
}
