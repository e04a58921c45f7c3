// The Alertmanager webhook message (version "4"): what a notification for one alert group looks like
// on the wire, byte for byte as Alertmanager's webhook notifier encodes it, so existing receivers
// (alertmanager-webhook-logger, Karma-style bridges, custom handlers) parse lineops's unchanged.
import { fingerprint } from "../fingerprint.js";
import type { Labels } from "../../model/labels.js";

export type AlertStatus = "firing" | "resolved";

/** One alert of a group as the dispatcher hands it to a receiver. Times are ms since the epoch. */
export type NotifyAlert = {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  /** Absent while the alert has no known end (Alertmanager's zero time). */
  endsAt?: number;
  generatorURL?: string;
  /** Overrides the status otherwise derived from endsAt against `now`. */
  status?: AlertStatus;
};

export type WebhookPayloadInput = {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  externalURL: string;
  alerts: readonly NotifyAlert[];
};

export type WebhookAlert = {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
};

/** Field order is Alertmanager's (the embedded template.Data first, then the message's own fields). */
export type WebhookPayload = {
  receiver: string;
  status: AlertStatus;
  alerts: WebhookAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: "4";
  groupKey: string;
  truncatedAlerts: number;
};

export type WebhookPayloadOptions = {
  /** Evaluation time for alerts without an explicit status (ms since the epoch). */
  now: number;
  /** webhook_config max_alerts: 0 sends every alert. */
  maxAlerts?: number;
  /** webhook_config send_resolved (default true): false drops resolved alerts from the message. */
  sendResolved?: boolean;
};

/** How Go prints a zero time.Time, which is what Alertmanager sends for an alert with no end. */
export const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

/** Alertmanager's rule: resolved once endsAt is set and not after now. */
export function alertStatus(alert: NotifyAlert, now: number): AlertStatus {
  if (alert.status !== undefined) {
    return alert.status;
  }
  return alert.endsAt !== undefined && alert.endsAt <= now ? "resolved" : "firing";
}

/**
 * The webhook message for one group, or null when there is nothing to send. send_resolved is
 * applied here, as Alertmanager's RetryStage does before the notifier sees the alerts: with it
 * off, resolved alerts are dropped, and a group with no firing alert left sends nothing (the
 * caller records that as a successful notification, as Alertmanager's notification log does).
 * max_alerts then keeps the first N; status and the common labels describe only the alerts sent.
 */
export function webhookPayload(
  input: WebhookPayloadInput,
  options: WebhookPayloadOptions,
): WebhookPayload | null {
  const maxAlerts = options.maxAlerts ?? 0;
  if (!Number.isInteger(maxAlerts) || maxAlerts < 0) {
    throw new RangeError(`max_alerts must be a non-negative integer, got ${String(maxAlerts)}`);
  }
  let alerts = input.alerts.map((a) => ({ alert: a, status: alertStatus(a, options.now) }));
  if (options.sendResolved === false) {
    alerts = alerts.filter((a) => a.status === "firing");
    if (alerts.length === 0) {
      return null;
    }
  }
  let truncated = 0;
  if (maxAlerts > 0 && alerts.length > maxAlerts) {
    truncated = alerts.length - maxAlerts;
    alerts = alerts.slice(0, maxAlerts);
  }
  return {
    // Alertmanager passes the receiver name through regexp.QuoteMeta before templating, and the
    // webhook message carries that escaped form.
    receiver: quoteMeta(input.receiver),
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    alerts: alerts.map(({ alert, status }) => ({
      status,
      labels: sortedCopy(alert.labels),
      annotations: sortedCopy(alert.annotations),
      startsAt: goTime(alert.startsAt),
      endsAt: alert.endsAt === undefined ? GO_ZERO_TIME : goTime(alert.endsAt),
      generatorURL: alert.generatorURL ?? "",
      fingerprint: fingerprint(alert.labels),
    })),
    groupLabels: sortedCopy(input.groupLabels),
    commonLabels: common(alerts.map((a) => a.alert.labels)),
    commonAnnotations: common(alerts.map((a) => a.alert.annotations)),
    externalURL: input.externalURL,
    version: "4",
    groupKey: input.groupKey,
    truncatedAlerts: truncated,
  };
}

/**
 * The body Alertmanager would POST: Go's encoding/json output, which sorts map keys, escapes
 * <, >, & and U+2028/U+2029 inside strings, and ends with a newline.
 */
export function encodeWebhookPayload(payload: WebhookPayload): string {
  // Written by hand rather than JSON.stringify(payload): JavaScript objects put integer-like keys
  // ("10", "9") first in numeric order, Go sorts every key as bytes.
  const alerts = payload.alerts.map(
    (a) =>
      `{"status":${str(a.status)},"labels":${map(a.labels)},"annotations":${map(a.annotations)},` +
      `"startsAt":${str(a.startsAt)},"endsAt":${str(a.endsAt)},"generatorURL":${str(a.generatorURL)},` +
      `"fingerprint":${str(a.fingerprint)}}`,
  );
  return (
    `{"receiver":${str(payload.receiver)},"status":${str(payload.status)},"alerts":[${alerts.join(",")}],` +
    `"groupLabels":${map(payload.groupLabels)},"commonLabels":${map(payload.commonLabels)},` +
    `"commonAnnotations":${map(payload.commonAnnotations)},"externalURL":${str(payload.externalURL)},` +
    `"version":${str(payload.version)},"groupKey":${str(payload.groupKey)},` +
    `"truncatedAlerts":${String(payload.truncatedAlerts)}}\n`
  );
}

function map(m: Record<string, string>): string {
  const parts = byteOrder(Object.keys(m)).map((k) => `${str(k)}:${str(m[k] ?? "")}`);
  return `{${parts.join(",")}}`;
}

/** A JSON string as Go writes it: also escapes <, >, & and U+2028/U+2029 (HTML-safe output). */
function str(s: string): string {
  // Go writes invalid UTF-8 (in JavaScript: an unpaired surrogate) as U+FFFD.
  const wellFormed = s.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
  return JSON.stringify(wellFormed).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

function byteOrder(names: string[]): string[] {
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** Labels (or annotations) with the same value in every set. */
function common(sets: readonly Labels[]): Record<string, string> {
  const first = sets[0];
  if (first === undefined) {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(sortedCopy(first))) {
    if (sets.every((s) => s[name] === value)) {
      out[name] = value;
    }
  }
  return out;
}

/** A plain copy with names in Go's (byte) order, for readers that iterate it. */
function sortedCopy(labels: Labels): Record<string, string> {
  const names = byteOrder(Object.keys(labels));
  const out: Record<string, string> = {};
  for (const n of names) {
    out[n] = labels[n] ?? "";
  }
  return out;
}

/** time.Time's JSON form in UTC: RFC 3339 with the fraction's trailing zeros dropped (RFC3339Nano). */
export function goTime(ms: number): string {
  if (!Number.isFinite(ms)) {
    throw new RangeError(`alert time must be a finite number of milliseconds, got ${String(ms)}`);
  }
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return iso.replace(/\.(\d*?)0*Z$/, (_, frac: string) => (frac === "" ? "Z" : `.${frac}Z`));
}

/** Go's regexp.QuoteMeta: a backslash before each of \.+*?()|[]{}^$ */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}
