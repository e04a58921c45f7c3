// WebSocket (any Connection: upgrade) proxying: replay the handshake to a backend on a fresh
// connection, relay its 101 answer, then pipe both sockets until either side closes. Attempts and
// retries are the Exchange's (./exchange.ts).
import type { ClientRequest, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

import type { BackendState } from "./backend.js";
import type { Target } from "./balancer.js";
import type { Dispatcher } from "./dispatch.js";
import { Exchange } from "./exchange.js";
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

export class UpgradeExchange extends Exchange {
  readonly #socket: Duplex;
  readonly #head: Buffer;
  #upstream: Duplex | undefined;
  #code = 0;

  constructor(d: Dispatcher, req: IncomingMessage, socket: Duplex, head: Buffer, target: Target) {
    // An upgrade: its connection never goes back to a keep-alive pool.
    super(d, req, target, true);
    this.#socket = socket;
    this.#head = head;
    socket.on("error", () => socket.destroy());
    socket.once("close", this.onClientClose);
  }

  protected awaitAnswer(preq: ClientRequest, b: BackendState): void {
    preq.on("upgrade", (res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) =>
      this.#onUpgrade(b, res, upstream, upstreamHead),
    );
    preq.on("response", (res: IncomingMessage) => this.#onDeclined(b, res));
  }

  protected writeRequest(preq: ClientRequest): void {
    preq.end();
  }

  protected fail(status: 502 | 503, message: string): void {
    this.#code = status;
    sendSocketError(this.#socket, status, message);
  }

  protected abandon(): void {
    if (this.#upstream) {
      this.#upstream.destroy();
    } else {
      this.proxyReq?.destroy();
    }
  }

  protected finalStatus(): number {
    return this.#code === 0 ? 499 : this.#code;
  }

  #onUpgrade(b: BackendState, res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer): void {
    const client = this.#socket;
    if (this.closed) {
      upstream.destroy();
      return;
    }
    this.d.outcome(b, true);
    this.#code = 101;
    this.#upstream = upstream;
    this.detached = true;
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
    this.d.outcome(b, status < 500);
    this.#code = status;
    if (this.closed) {
      res.resume();
      return;
    }
    this.#socket.write(statusHead(res, b.backend.instanceId, false));
    res.pipe(this.#socket);
    res.on("error", () => this.#socket.destroy());
  }
}
