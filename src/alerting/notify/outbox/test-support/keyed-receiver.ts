// A real loopback HTTP receiver that does what docs/delivery.md asks of a receiver: it takes each
// message's idempotency key and processes a key once, however often it arrives. It can be down
// (connection refused), failing (503) or slow, and it counts every request per key, so tests can
// tell "arrived twice" from "processed twice".
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** up: 200; failing: 503 (retriable); rejecting: 400 (the message's fault, not retriable). */
export type ReceiverMode = "up" | "failing" | "rejecting";

export class KeyedReceiver {
  /** Requests per key that the receiver answered 2xx (a key counts once per request). */
  readonly arrivals = new Map<string, number>();
  /** Keys processed, in order, each once: the receiver's deduplication by key. */
  readonly processed: string[] = [];
  /** Every request: key, when, and what was answered. */
  readonly requests: { key: string; at: number; status: number }[] = [];
  /** Keys of the requests received, in order, counted when the body is in (before any delay). */
  readonly received: string[] = [];
  /** Requests received whose answer has not been written yet. */
  inFlight = 0;
  mode: ReceiverMode = "up";
  /** Time to hold each request before answering (a slow receiver). */
  delayMs = 0;
  private server: http.Server | undefined;
  private readonly delayed = new Set<NodeJS.Timeout>();
  private port = 0;

  static async start(): Promise<KeyedReceiver> {
    const r = new KeyedReceiver();
    await r.up();
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/notify`;
  }

  /** Keys that arrived (and were answered 2xx) more than once. */
  duplicates(): string[] {
    return [...this.arrivals].filter(([, n]) => n > 1).map(([k]) => k);
  }

  /** Listens (again, on the same port once it had one). */
  async up(): Promise<void> {
    if (this.server) {
      return;
    }
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 1000;
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every connection: senders get "connection refused". */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) {
      return;
    }
    this.server = undefined;
    for (const t of this.delayed) {
      clearTimeout(t);
    }
    this.delayed.clear();
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  }

  async close(): Promise<void> {
    await this.down();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const key = String(req.headers["idempotency-key"] ?? "");
    this.inFlight++;
    req.resume();
    req.on("end", () => {
      this.received.push(key);
      const answer = () => {
        this.inFlight--;
        const status = { up: 200, failing: 503, rejecting: 400 }[this.mode];
        this.requests.push({ key, at: Date.now(), status });
        if (status === 200) {
          this.arrivals.set(key, (this.arrivals.get(key) ?? 0) + 1);
          if (!this.processed.includes(key)) {
            this.processed.push(key);
          }
        }
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status === 200 ? "ok" : "no");
      };
      if (this.delayMs > 0) {
        const t = setTimeout(() => {
          this.delayed.delete(t);
          answer();
        }, this.delayMs);
        this.delayed.add(t);
      } else {
        answer();
      }
    });
  }
}

/** A notification for the tests: key and incident, the rest a small valid payload. */
export function testNotification(key: string, incidentId = "inc-1") {
  return {
    key,
    event: "trigger" as const,
    payload: {
      receiver: "test",
      status: "firing" as const,
      alerts: [],
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "http://lineops.test",
      version: "4" as const,
      groupKey: "{}:{}",
      truncatedAlerts: 0,
    },
    incident: { id: incidentId, title: "test", status: "triggered" as const, priority: "high" as const },
  };
}
