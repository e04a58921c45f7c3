// PagerDuty Events API v2 (POST /v2/enqueue): trigger, acknowledge and resolve one PagerDuty alert
// per incident (or alert group). The dedup_key comes from the incident or group, never from the
// attempt, so a retry — or a later acknowledge/resolve — lands on the same PagerDuty alert; the
// routing key is a secret and is scrubbed from anything that could be logged.
import { createHash } from "node:crypto";
import type { Channel, Notification, SendResult } from "../channel.js";
import { HttpConfigError, readSecret, type HttpClientConfig } from "../http-config.js";
import { HttpSender, parseHttpUrl, REDACTED_URL } from "../http-send.js";
import { isResolution, renderFacts, truncate, type NotificationFacts } from "./render.js";
import { delivered, failed, httpFailure, scrub } from "./result.js";

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
/** The Events API refuses a longer summary. */
export const PAGERDUTY_SUMMARY_MAX = 1024;
/** And a longer dedup_key. */
const DEDUP_KEY_MAX = 255;

export type PagerDutyConfig = {
  /** Integration key of the service: a secret. Exactly one of routingKey and routingKeyFile. */
  routingKey?: string;
  routingKeyFile?: string;
  /** Default PAGERDUTY_EVENTS_URL; a loopback URL in tests. */
  url?: string;
  client?: string;
  clientUrl?: string;
  /** payload.source; default the alerts' instance/station or "lineops". */
  source?: string;
  /** Overrides the severity mapped from the priority. */
  severity?: PagerDutySeverity;
  class?: string;
  component?: string;
  group?: string;
  /** Alertmanager's pagerduty default: true. */
  sendResolved?: boolean;
  timeoutMs?: number;
  httpConfig?: HttpClientConfig;
};

export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

export type PagerDutyEvent = {
  routing_key: string;
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
};

const SEVERITY: Record<string, PagerDutySeverity> = {
  critical: "critical",
  high: "error",
  medium: "warning",
  low: "info",
};

/**
 * Stable across retries and across trigger → acknowledge → resolve: the incident id when there is
 * an incident, else a hash of the alert group's key (as Alertmanager derives its dedup_key).
 */
export function pagerDutyDedupKey(n: Notification): string {
  if (n.incident) {
    return truncate(`lineops-incident-${n.incident.id}`, DEDUP_KEY_MAX);
  }
  return createHash("sha256").update(n.payload.groupKey).digest("hex");
}

export function pagerDutyEvent(
  n: Notification,
  routingKey: string,
  config: PagerDutyConfig = {},
): PagerDutyEvent {
  const f = renderFacts(n);
  const action = isResolution(n) ? "resolve" : n.event === "acknowledge" ? "acknowledge" : "trigger";
  const event: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: action,
    dedup_key: pagerDutyDedupKey(n),
    client: config.client ?? "lineops",
    ...(config.clientUrl !== undefined || f.externalURL
      ? { client_url: config.clientUrl ?? f.externalURL }
      : {}),
  };
  const links = [
    ...(f.incidentUrl ? [{ href: f.incidentUrl, text: "Incident in lineops" }] : []),
    ...(f.ackUrl ? [{ href: f.ackUrl, text: "Acknowledge in lineops" }] : []),
  ];
  if (links.length > 0) {
    event.links = links;
  }
  // acknowledge and resolve need only the key; the trigger carries the alert's content.
  if (action === "trigger") {
    event.payload = {
      summary: truncate(`${f.title}: ${f.summary}`, PAGERDUTY_SUMMARY_MAX),
      source: config.source ?? sourceOf(n, f),
      severity: config.severity ?? SEVERITY[f.priority] ?? "warning",
      timestamp: n.payload.alerts[0]?.startsAt ?? new Date().toISOString(),
      ...(config.component !== undefined ? { component: config.component } : {}),
      ...(config.group !== undefined
        ? { group: config.group }
        : f.line !== undefined
          ? { group: f.line }
          : {}),
      ...(config.class !== undefined ? { class: config.class } : {}),
      custom_details: details(f),
    };
  }
  return event;
}

function sourceOf(n: Notification, f: NotificationFacts): string {
  const c = n.payload.commonLabels;
  return c.instance ?? c.service ?? (f.station !== undefined ? `${f.line ?? ""}/${f.station}` : "lineops");
}

function details(f: NotificationFacts): Record<string, unknown> {
  return {
    priority: f.priority,
    firing: f.firing,
    resolved: f.resolved,
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.station !== undefined ? { station: f.station } : {}),
    ...(f.rootCause ? { root_cause: `${f.rootCause.service}: ${f.rootCause.reason}` } : {}),
    alerts: f.alerts.slice(0, 20).map((a) => `${a.status} ${a.name}${a.summary ? `: ${a.summary}` : ""}`),
    ...(f.alerts.length + f.truncated > 20 ? { more_alerts: f.alerts.length + f.truncated - 20 } : {}),
  };
}

export class PagerDutyChannel implements Channel {
  readonly type = "pagerduty" as const;
  private readonly http: HttpSender;
  private readonly url: URL;

  constructor(
    readonly name: string,
    private readonly config: PagerDutyConfig,
    private readonly now: () => number = Date.now,
  ) {
    if ((config.routingKey === undefined) === (config.routingKeyFile === undefined)) {
      throw new HttpConfigError(
        "pagerduty: exactly one of routing_key and routing_key_file must be configured",
      );
    }
    this.url = parseHttpUrl(config.url ?? PAGERDUTY_EVENTS_URL, "url", (m) => new HttpConfigError(m));
    this.http = new HttpSender(config.httpConfig ?? {}, config.timeoutMs ?? 0, "pagerduty");
  }

  async send(n: Notification, signal?: AbortSignal): Promise<SendResult> {
    if (this.config.sendResolved === false && isResolution(n)) {
      return delivered(this, n.key, "not sent: send_resolved is off", this.now());
    }
    let key: string;
    try {
      key =
        this.config.routingKeyFile !== undefined
          ? readSecret(this.config.routingKeyFile, "routing_key_file")
          : (this.config.routingKey ?? "");
    } catch (err) {
      return failed((err as Error).message, true);
    }
    const event = pagerDutyEvent(n, key, this.config);
    try {
      const res = await this.http.post(
        this.url,
        Buffer.from(JSON.stringify(event)),
        { contentType: "application/json" },
        signal,
      );
      if (res.status === 202 || (res.status >= 200 && res.status < 300)) {
        const dedupKey = dedupKeyOf(res.body) ?? event.dedup_key;
        return delivered(this, n.key, `HTTP ${res.status} dedup_key=${dedupKey}`, this.now());
      }
      const r = httpFailure(res.status, scrub(res.body, [key]));
      return r;
    } catch (err) {
      return failed(scrub(`Post "${REDACTED_URL}": ${this.http.describeFailure(err, signal)}`, [key]), true);
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

function dedupKeyOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { dedup_key?: unknown };
    return typeof parsed.dedup_key === "string" ? parsed.dedup_key : undefined;
  } catch {
    return undefined;
  }
}
