// One backend instance as the router sees it: its address and routing labels, plus the live state
// that drives balancing, draining and passive health (in-flight count, ejection, its agent).
import http from "node:http";
import type { Duplex } from "node:stream";

export type Backend = {
  instanceId: string;
  host: string;
  port: number;
  /** Relative weight inside its group (default 1); 0 takes it out of normal rotation. */
  weight?: number;
  station?: string;
  /** Traffic group: "stable" (default), "canary", "preview", or a revision name. */
  group?: string;
  revision?: string;
};

/** A backend plus what the router knows about it right now (returned by backendsOf). */
export type BackendStatus = Backend & {
  group: string;
  inFlight: number;
  draining: boolean;
  ejected: boolean;
  /** ms since epoch (router clock) when an ejection ends; absent when not ejected. */
  ejectedUntil?: number;
  consecutiveFailures: number;
  /** How many times in a row it was ejected (drives the doubling ejection time). */
  ejections: number;
};

export const DEFAULT_GROUP = "stable";

/** How long a pooled connection to a backend may sit idle before the router closes it. */
export const IDLE_SOCKET_MS = 2000;

/**
 * Keep-alive pool to one backend. Once the backend is retiring (drained or removed), sockets that
 * finish a request are closed instead of pooled, so the backend's graceful shutdown is not held
 * open by our idle connections.
 */
export class BackendAgent extends http.Agent {
  retiring = false;

  override keepSocketAlive(socket: Duplex): void {
    if (this.retiring) {
      // Agent destroys the socket when this returns false (typed void in @types/node).
      return false as unknown as void;
    }
    const keep = super.keepSocketAlive(socket);
    // Close idle sockets well before a backend would (Node's server default keep-alive timeout is
    // 5 s): a request written to a socket the backend is closing at that instant would fail after
    // being sent, and such a request must never be retried. The agent destroys a free socket on
    // timeout; reuseSocket() clears the timer for the next request.
    (socket as Duplex & { setTimeout(ms: number): void }).setTimeout(IDLE_SOCKET_MS);
    return keep;
  }

  override reuseSocket(socket: Duplex, req: http.ClientRequest): void {
    (socket as Duplex & { setTimeout(ms: number): void }).setTimeout(0);
    super.reuseSocket(socket as never, req);
  }

  closeIdle(): void {
    for (const list of Object.values(this.freeSockets)) {
      for (const s of list ?? []) {
        s.destroy();
      }
    }
  }
}

export class BackendState {
  readonly agent = new BackendAgent({ keepAlive: true, scheduling: "lifo" });
  group: string;
  weight: number;
  inFlight = 0;
  draining = false;
  /** No longer listed by setBackends; kept only until its in-flight requests finish. */
  removed = false;
  consecutiveFailures = 0;
  ejectedUntil = 0;
  ejections = 0;
  successesSinceReturn = 0;
  /** Resolvers of drain() calls waiting for inFlight to reach 0. */
  idleWaiters: (() => void)[] = [];

  constructor(
    public backend: Backend,
    readonly service: string,
  ) {
    this.group = backend.group ?? DEFAULT_GROUP;
    this.weight = backend.weight ?? 1;
  }

  update(b: Backend): void {
    this.backend = b;
    this.group = b.group ?? DEFAULT_GROUP;
    this.weight = b.weight ?? 1;
  }

  sameAddress(b: Backend): boolean {
    return this.backend.host === b.host && this.backend.port === b.port;
  }

  /** Eligible for a new request: not draining, not excluded by weight, and (unless panicking) not ejected. */
  usable(now: number, allowEjected: boolean): boolean {
    return !this.draining && !this.removed && this.weight > 0 && (allowEjected || this.ejectedUntil <= now);
  }

  status(now: number): BackendStatus {
    const ejected = this.ejectedUntil > now;
    return {
      ...this.backend,
      group: this.group,
      inFlight: this.inFlight,
      draining: this.draining,
      ejected,
      ...(ejected ? { ejectedUntil: this.ejectedUntil } : {}),
      consecutiveFailures: this.consecutiveFailures,
      ejections: this.ejections,
    };
  }
}
