// The facts every channel's default template shows — title, status, priority, plant position,
// a short summary, the alerts and the links — derived once from a Notification, so Slack, email,
// PagerDuty, SMS and the andon board never disagree about what happened.
import type { AlarmPriority, Notification, NotificationEvent } from "../channel.js";
import type { WebhookAlert } from "../payload.js";

export type AlertLine = {
  status: "firing" | "resolved";
  /** alertname plus the labels that tell the alerts of the group apart. */
  name: string;
  summary: string;
  startsAt: string;
  generatorURL: string;
};

export type NotificationFacts = {
  /** "[FIRING:2] HighTemperature line=l1 station=s3", or the incident's own title. */
  title: string;
  event: NotificationEvent;
  /** What a person reads first: "Firing", "Acknowledged", "Resolved", "Alarm flood". */
  statusText: string;
  priority: AlarmPriority;
  /** The alerts' `severity` label when they share one. */
  severity?: string;
  line?: string;
  station?: string;
  /** The common summary/description annotation, or a count of the alerts. */
  summary: string;
  alerts: AlertLine[];
  firing: number;
  resolved: number;
  /** Alerts the group had but the message left out (max_alerts). */
  truncated: number;
  incidentUrl?: string;
  ackUrl?: string;
  externalURL: string;
  rootCause?: { service: string; reason: string };
};

const STATUS_TEXT: Record<NotificationEvent, string> = {
  trigger: "Firing",
  acknowledge: "Acknowledged",
  resolve: "Resolved",
  flood: "Alarm flood",
};

const PRIORITIES: readonly AlarmPriority[] = ["low", "medium", "high", "critical"];

/**
 * A notification's priority: the incident's, else a `priority` label, else the `severity` label
 * mapped (critical/page → high, warning → medium, info → low), else medium.
 */
export function priorityOf(n: Notification): AlarmPriority {
  if (n.incident) {
    return n.incident.priority;
  }
  const labels = n.payload.commonLabels;
  const explicit = (labels.priority ?? "").toLowerCase();
  if ((PRIORITIES as readonly string[]).includes(explicit)) {
    return explicit as AlarmPriority;
  }
  return priorityOfSeverity(labels.severity ?? highestSeverity(n.payload.alerts));
}

function priorityOfSeverity(severity: string | undefined): AlarmPriority {
  switch ((severity ?? "").toLowerCase()) {
    case "critical":
    case "page":
    case "emergency":
      return "high";
    case "error":
    case "major":
    case "warning":
    case "high":
      return "medium";
    case "info":
    case "minor":
    case "low":
    case "none":
      return "low";
    default:
      return "medium";
  }
}

function highestSeverity(alerts: readonly WebhookAlert[]): string | undefined {
  const order = ["critical", "page", "error", "warning", "info"];
  let best: string | undefined;
  for (const a of alerts) {
    const s = a.labels.severity?.toLowerCase();
    if (
      s !== undefined &&
      order.includes(s) &&
      (best === undefined || order.indexOf(s) < order.indexOf(best))
    ) {
      best = s;
    }
  }
  return best;
}

/** The message tells of an end: a resolve event, or a group whose alerts have all resolved. */
export function isResolution(n: Notification): boolean {
  return n.event === "resolve" || n.payload.status === "resolved";
}

/** Rank for "highest active priority" (andon boards): higher is more urgent. */
export function priorityRank(p: AlarmPriority): number {
  return PRIORITIES.indexOf(p);
}

export function renderFacts(n: Notification): NotificationFacts {
  const p = n.payload;
  const firing = p.alerts.filter((a) => a.status === "firing").length;
  const resolved = p.alerts.length - firing;
  const common = p.commonLabels;
  const line = n.line ?? common.line;
  const station = n.station ?? common.station;
  const alerts = p.alerts.map((a) => ({
    status: a.status,
    name: alertName(a, common),
    summary: a.annotations.summary ?? a.annotations.description ?? "",
    startsAt: a.startsAt,
    generatorURL: a.generatorURL,
  }));
  const summary =
    p.commonAnnotations.summary ??
    p.commonAnnotations.description ??
    (p.alerts.length === 1 ? (alerts[0]?.summary ?? "") : "");
  return {
    title: n.incident?.title ?? groupTitle(n, firing, resolved),
    event: n.event,
    statusText: STATUS_TEXT[n.event],
    priority: priorityOf(n),
    ...(common.severity !== undefined ? { severity: common.severity } : {}),
    ...(line !== undefined ? { line } : {}),
    ...(station !== undefined ? { station } : {}),
    summary:
      summary !== ""
        ? summary
        : `${firing} firing${resolved > 0 ? `, ${resolved} resolved` : ""} alert${p.alerts.length === 1 ? "" : "s"}`,
    alerts,
    firing,
    resolved,
    truncated: p.truncatedAlerts,
    ...(n.incident?.url !== undefined ? { incidentUrl: n.incident.url } : {}),
    ...(n.incident?.ackUrl !== undefined && n.event !== "resolve" ? { ackUrl: n.incident.ackUrl } : {}),
    externalURL: p.externalURL,
    ...(n.incident?.rootCause !== undefined ? { rootCause: n.incident.rootCause } : {}),
  };
}

/** Alertmanager's default title shape: [STATUS:count] then the group labels' values. */
function groupTitle(n: Notification, firing: number, resolved: number): string {
  const p = n.payload;
  const count = p.status === "firing" ? firing : resolved;
  const labels = Object.entries(p.groupLabels);
  const name = p.groupLabels.alertname ?? p.commonLabels.alertname ?? "";
  const rest = labels
    .filter(([k]) => k !== "alertname")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `[${p.status.toUpperCase()}:${count}] ${[name, rest].filter((s) => s !== "").join(" ")}`.trim();
}

/** alertname plus the labels this alert does not share with the whole group. */
function alertName(a: WebhookAlert, common: Record<string, string>): string {
  const own = Object.entries(a.labels)
    .filter(([k, v]) => k !== "alertname" && common[k] !== v)
    .map(([k, v]) => `${k}=${v}`);
  const name = a.labels.alertname ?? "alert";
  return own.length === 0 ? name : `${name} {${own.join(", ")}}`;
}

/** Cuts `text` to at most `max` characters (code points), ending with "…" when it had to cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) {
    return text;
  }
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Plain-text body shared by email's text part and SMS: the facts in reading order. */
export function plainText(f: NotificationFacts, options: { maxAlerts?: number } = {}): string {
  const lines: string[] = [`${f.statusText} · priority ${f.priority}: ${f.title}`];
  const where = [f.line && `line ${f.line}`, f.station && `station ${f.station}`].filter(Boolean);
  if (where.length > 0) {
    lines.push(where.join(", "));
  }
  lines.push(f.summary);
  if (f.rootCause) {
    lines.push(`Probable root cause: ${f.rootCause.service} (${f.rootCause.reason})`);
  }
  const max = options.maxAlerts ?? f.alerts.length;
  for (const a of f.alerts.slice(0, max)) {
    lines.push(
      `- ${a.status === "firing" ? "FIRING" : "resolved"} ${a.name}${a.summary ? `: ${a.summary}` : ""}`,
    );
  }
  const more = f.alerts.length - Math.min(max, f.alerts.length) + f.truncated;
  if (more > 0) {
    lines.push(`and ${more} more`);
  }
  if (f.ackUrl) {
    lines.push(`Acknowledge: ${f.ackUrl}`);
  }
  if (f.incidentUrl) {
    lines.push(`Incident: ${f.incidentUrl}`);
  }
  return lines.join("\n");
}
