// Alert state across restarts. Prometheus keeps only `for` progress (in ALERTS_FOR_STATE) and
// forgets firing alerts until they fire again; lineops stores every active alert in SQLite, so a
// restart (even SIGKILL) keeps firing alerts firing, keeps resolved ones until their resolve is
// sent, and restores pending ones with Prometheus's `for` rules (rules/group.go RestoreForState):
//
// - a rule whose `for` is shorter than the grace period is not restored: its pending alerts start
//   over (Prometheus: "the alert will fire soon anyway");
// - an outage longer than the outage tolerance (1h) forgets pending progress;
// - otherwise the time lineops was down does not count as pending time (activeAt moves forward by
//   the outage), but at least the grace period is left before it fires, so an alert does not fire
//   at the first evaluation after a restart on data that may not have been scraped yet.
import type { Alert, StoredAlert } from "./alert.js";

export type RestoreOptions = {
  /** rules.alert.for-grace-period: 10m in Prometheus. */
  forGracePeriodMs: number;
  /** rules.alert.for-outage-tolerance: 1h in Prometheus. */
  outageToleranceMs: number;
};

export const DEFAULT_RESTORE: RestoreOptions = {
  forGracePeriodMs: 10 * 60_000,
  outageToleranceMs: 60 * 60_000,
};

/**
 * The alert to resume at `now` from its stored form, for a rule whose `for` is now `holdMs`;
 * undefined when Prometheus would not restore it (a pending alert, see above).
 */
export function restoredAlert(
  stored: StoredAlert,
  holdMs: number,
  now: number,
  o: RestoreOptions,
): Alert | undefined {
  const { ruleKey: _r, fingerprint: _f, lastEvalAt, ...alert } = stored;
  if (alert.state !== "pending") {
    return alert;
  }
  const downAt = lastEvalAt;
  if (holdMs < o.forGracePeriodMs || now - downAt > o.outageToleranceMs) {
    return undefined;
  }
  const remaining = holdMs - (downAt - alert.activeAt);
  let activeAt = alert.activeAt;
  if (remaining <= 0) {
    // It was due to fire when lineops went down: it fires at the next evaluation that sees it.
  } else if (remaining < o.forGracePeriodMs) {
    activeAt = now + o.forGracePeriodMs - holdMs;
  } else {
    activeAt = alert.activeAt + (now - downAt);
  }
  return { ...alert, activeAt };
}
