// Passive health: a backend that fails N requests in a row (connection error or 5xx) is ejected
// from rotation for a while, doubling on each repeated ejection; it returns on its own.
import type { BackendState } from "./backend.js";
import { RouterErrors } from "./errors.js";

export type HealthPolicy = {
  /** Consecutive failures that eject a backend (default 5). */
  failureThreshold: number;
  /** First ejection time (default 10 s); doubles per repeated ejection. */
  ejectionMs: number;
  /** Cap on the ejection time (default 5 min). */
  maxEjectionMs: number;
};

export const DEFAULT_HEALTH: HealthPolicy = Object.freeze({
  failureThreshold: 5,
  ejectionMs: 10_000,
  maxEjectionMs: 300_000,
});

export function healthPolicy(service: string, p: Partial<HealthPolicy>): HealthPolicy {
  const out = { ...DEFAULT_HEALTH, ...p };
  if (!Number.isInteger(out.failureThreshold) || out.failureThreshold < 1) {
    throw RouterErrors.invalidRouterConfig(
      `health for service ${service}: failureThreshold must be an integer >= 1, got ${out.failureThreshold}`,
    );
  }
  for (const k of ["ejectionMs", "maxEjectionMs"] as const) {
    if (!Number.isFinite(out[k]) || out[k] <= 0) {
      throw RouterErrors.invalidRouterConfig(
        `health for service ${service}: ${k} must be > 0, got ${out[k]}`,
      );
    }
  }
  return out;
}

/**
 * Records one request outcome; returns true when this failure ejected the backend. The doubling
 * resets once a returned backend has answered failureThreshold requests in a row successfully.
 */
export function recordOutcome(b: BackendState, ok: boolean, policy: HealthPolicy, now: number): boolean {
  if (ok) {
    b.consecutiveFailures = 0;
    if (b.ejections > 0 && b.ejectedUntil <= now && ++b.successesSinceReturn >= policy.failureThreshold) {
      b.ejections = 0;
      b.successesSinceReturn = 0;
    }
    return false;
  }
  b.successesSinceReturn = 0;
  if (++b.consecutiveFailures < policy.failureThreshold || b.ejectedUntil > now) {
    return false;
  }
  b.consecutiveFailures = 0;
  b.ejections++;
  const ms = Math.min(policy.maxEjectionMs, policy.ejectionMs * 2 ** (b.ejections - 1));
  b.ejectedUntil = now + ms;
  return true;
}
