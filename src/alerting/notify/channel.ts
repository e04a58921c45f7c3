// The contract between the durable outbox (which decides WHAT is sent, WHEN, and HOW OFTEN) and the
// channels (which know HOW one message reaches one kind of receiver). Keeping it this small lets
// the outbox retry, rate-limit, break circuits and fall back without knowing any protocol, and lets
// a channel be tested alone against a real receiver.
import type { WebhookPayload } from "./payload.js";

/** The kinds of receiver lineops delivers to (P10). */
export type ChannelType = "webhook" | "slack" | "email" | "pagerduty" | "mqtt" | "sms";

/** What happened that the message tells the receiver about. */
export type NotificationEvent =
  /** New or still-firing alerts (or an incident opening / escalating). */
  | "trigger"
  /** Someone acknowledged the incident: pagers stop, boards may change colour. */
  | "acknowledge"
  /** Everything resolved: boards clear, PagerDuty resolves. */
  | "resolve"
  /** A flood summary sent instead of a stream of single alarms (ISA-18.2). */
  | "flood";

/** ISA-18.2 style priority; "critical" exists for pages that must wake someone. */
export type AlarmPriority = "low" | "medium" | "high" | "critical";

/** The incident a notification belongs to, when incidents exist (P10). Optional for plain routing. */
export type NotificationIncident = {
  id: string;
  title: string;
  status: "triggered" | "acknowledged" | "resolved";
  priority: AlarmPriority;
  /** Link to the incident page in the lineops web app. */
  url?: string;
  /** Signed, expiring, single-use one-click acknowledgement link. */
  ackUrl?: string;
  /** Probable root cause and why, when correlation found one. */
  rootCause?: { service: string; reason: string };
};

/** One message for one channel. Built once, retried as is. */
export type Notification = {
  /**
   * Idempotency key: the same key is sent on every retry of the same message so a receiver (or
   * PagerDuty's dedup_key, or a webhook consumer) can drop duplicates. Never reused for another
   * message.
   */
  key: string;
  event: NotificationEvent;
  /** The Alertmanager v4 webhook payload of the alert group: every channel can render from it. */
  payload: WebhookPayload;
  incident?: NotificationIncident;
  /** Plant hierarchy, for andon boards (one retained topic per station). */
  line?: string;
  station?: string;
};

/** Proof that a receiver took a message, shown in the incident timeline. */
export type Receipt = {
  channel: string;
  type: ChannelType;
  key: string;
  /** Unix ms when the receiver confirmed. */
  at: number;
  /** What the receiver said, e.g. "HTTP 202", "SMTP 250 2.0.0 OK", "MQTT PUBACK", "dedup_key=…". */
  detail: string;
};

export type SendResult =
  | { ok: true; receipt: Receipt }
  /** retriable=false: retrying cannot help (4xx other than 429, bad address); the outbox gives up or falls back. */
  | { ok: false; retriable: boolean; error: string; status?: number };

/** One configured receiver endpoint. `send` never throws and never logs a secret. */
export interface Channel {
  /** The configured name (unique), used in routes, escalation targets, receipts and metrics. */
  readonly name: string;
  readonly type: ChannelType;
  send(notification: Notification, signal?: AbortSignal): Promise<SendResult>;
  /** Releases connections (SMTP pools, MQTT clients). Idempotent. */
  close(): Promise<void>;
}
