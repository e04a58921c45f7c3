// The contract between the router (which knows services, balancing and health) and one request's
// exchange with a backend (which knows sockets): pick the next backend, report outcomes.
import type { BackendState } from "./backend.js";
import type { Target } from "./balancer.js";

export interface Dispatcher {
  readonly service: string;
  readonly connectTimeoutMs: number;
  /** Backends tried per request when connections fail before anything was sent (>= 1). */
  readonly maxAttempts: number;
  /** Next backend for target, skipping the ones already tried; counts it as in flight. */
  next(target: Target, tried: readonly BackendState[] | undefined): BackendState | undefined;
  /** Passive health: one connection error / 5xx (ok=false) or good answer (ok=true). */
  outcome(b: BackendState, ok: boolean): void;
  /** The request's attempt on b is over (answered, failed, or the client left). */
  release(b: BackendState): void;
  /** The client's request is over; b is the last backend tried (undefined if none). */
  completed(b: BackendState | undefined, code: number, startedAt: number): void;
}

export function connectTimeoutError(ms: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`connect timed out after ${ms}ms`);
  err.code = "ECONNTIMEOUT";
  return err;
}
