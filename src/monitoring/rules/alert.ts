// The alert of an alerting rule and what the rule manager needs from the world around it: a
// template expander, a notification sink and a durable store for alert state. These are seams:
// main.ts injects the Go text/template engine, the dispatcher and the SQLite repository; monitoring
// imports none of them (see DESIGN.md "Who may import whom").
import type { Labels } from "../model.js";

export type AlertState = "inactive" | "pending" | "firing";

/** One alert of one rule, keyed in its rule by the fingerprint of its labels. Times in ms. */
export type Alert = {
  labels: Labels;
  annotations: Labels;
  state: AlertState;
  /** When the rule's expression first returned this series (pending started). */
  activeAt: number;
  firedAt?: number;
  /** When it stopped being active; kept resolvedRetention so the resolve is (re)sent. */
  resolvedAt?: number;
  lastSentAt?: number;
  /** When the expression stopped returning it while keep_firing_for keeps it firing. */
  keepFiringSince?: number;
  /** endsAt of the last notification of a firing alert. */
  validUntil?: number;
  value: number;
};

/** What templates see, as Prometheus's AlertTemplateData ($labels, $value, $externalLabels, $externalURL). */
export type AlertTemplateData = {
  labels: Labels;
  value: number;
  externalLabels: Labels;
  externalURL: string;
};

/**
 * Expands a label or annotation value of an alerting rule. `name` is the template's name
 * (`__alert_<rule>`, as Prometheus names it, so errors read the same). Rejects on a template error;
 * the rule then uses Prometheus's `<error expanding template: ...>` text for that value.
 */
export type ExpandTemplate = (text: string, name: string, data: AlertTemplateData) => Promise<string>;

/**
 * An alert as handed to the dispatcher, as Prometheus hands it to its notifier: startsAt is when
 * it fired; endsAt is when it resolved, or for a firing alert now + 4 × max(interval, resendDelay)
 * (so that two missed evaluations or sends do not resolve it at the receiver). Times in ms.
 */
export type AlertForDispatch = {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
};

export type NotifyAlerts = (alerts: AlertForDispatch[]) => void;

/**
 * An alert as stored between runs. `ruleKey` names the rule (see ruleKey()); `lastEvalAt` is the
 * last evaluation that saw it, which is when lineops went down if it did not come back after.
 */
export type StoredAlert = Alert & { ruleKey: string; fingerprint: string; lastEvalAt: number };

/** Durable alert state (the SQLite repository in src/store/ implements it). */
export interface AlertStateStore {
  /** Every stored alert. */
  load(): StoredAlert[];
  /** Writes one evaluation's changes atomically (one transaction). */
  save(changes: { upsert: StoredAlert[]; remove: { ruleKey: string; fingerprint: string }[] }): void;
  /** Deletes the alerts of every rule not in `ruleKeys` (rules removed by a reload). */
  retainRules(ruleKeys: readonly string[]): void;
}

/** Prometheus's order of states: a rule's state is the highest of its alerts'. */
export const STATE_ORDER: Record<AlertState, number> = { inactive: 0, pending: 1, firing: 2 };

/**
 * Go's strconv.FormatFloat(v, 'e', -1, 64), the form of an alert's value in Prometheus's API:
 * shortest digits, exponent with a sign and at least two digits ("1e+00", "1.5e-07").
 */
export function formatAlertValue(v: number): string {
  if (Number.isNaN(v)) {
    return "NaN";
  }
  if (!Number.isFinite(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  const sign = Object.is(v, -0) ? "-" : "";
  const [mantissa, exp] = v.toExponential().split("e") as [string, string];
  const expSign = exp.startsWith("-") ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
  return `${sign}${mantissa}e${expSign}${digits}`;
}

/** Go's time.Time JSON (RFC 3339 with trailing zeros of the fraction dropped); undefined -> Go's zero time. */
export function formatGoTime(ms: number | undefined): string {
  if (ms === undefined) {
    return "0001-01-01T00:00:00Z";
  }
  return new Date(ms).toISOString().replace(/\.?0*Z$/, "Z");
}
