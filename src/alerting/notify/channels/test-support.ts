// Notifications for the channel tests, built through the real payload code, and the receivers'
// published message shapes as zod schemas so each test checks what it captured against them.
import { z } from "zod";
import type { Notification, NotificationIncident } from "../channel.js";
import { webhookPayload, type NotifyAlert } from "../payload.js";

export const T0 = Date.parse("2026-03-02T08:00:00Z");

export function alert(labels: Record<string, string>, extra: Partial<NotifyAlert> = {}): NotifyAlert {
  return {
    labels,
    annotations: { summary: `${labels.alertname ?? "alert"} on ${labels.station ?? "line"}` },
    startsAt: T0,
    ...extra,
  };
}

export function notification(
  over: {
    alerts?: NotifyAlert[];
    event?: Notification["event"];
    incident?: NotificationIncident;
    key?: string;
    groupLabels?: Record<string, string>;
  } = {},
): Notification {
  const alerts = over.alerts ?? [
    alert({ alertname: "StationDown", line: "l1", station: "s3", severity: "critical" }),
  ];
  const payload = webhookPayload(
    {
      receiver: "oncall",
      groupKey: '{}:{alertname="StationDown"}',
      groupLabels: over.groupLabels ?? { alertname: "StationDown" },
      externalURL: "http://lineops.test:9090",
      alerts,
    },
    { now: T0 + 60_000 },
  );
  if (payload === null) {
    throw new Error("no payload");
  }
  return {
    key: over.key ?? "n-1",
    event: over.event ?? "trigger",
    payload,
    ...(over.incident ? { incident: over.incident } : {}),
  };
}

export const incident: NotificationIncident = {
  id: "inc-42",
  title: "PLC gateway down: 3 stations starved",
  status: "triggered",
  priority: "high",
  url: "http://lineops.test/incidents/inc-42",
  ackUrl: "http://lineops.test/ack/inc-42?sig=abc",
  rootCause: { service: "plc-gateway", reason: "stations s1-s3 depend on plc-gateway, which failed first" },
};

const text = (max: number) => z.string().min(1).max(max);
const plainText = (max: number) =>
  z.strictObject({ type: z.literal("plain_text"), text: text(max), emoji: z.boolean().optional() });
const mrkdwn = (max: number) => z.strictObject({ type: z.literal("mrkdwn"), text: text(max) });

/** Slack incoming webhook message with Block Kit blocks (docs.slack.dev, Block Kit reference limits). */
export const slackMessageShape = z.strictObject({
  channel: z.string().optional(),
  username: z.string().optional(),
  icon_emoji: z.string().optional(),
  icon_url: z.string().optional(),
  text: text(4000),
  blocks: z
    .array(
      z.discriminatedUnion("type", [
        z.strictObject({ type: z.literal("header"), text: plainText(150) }),
        z.strictObject({
          type: z.literal("section"),
          text: mrkdwn(3000).optional(),
          fields: z.array(mrkdwn(2000)).max(10).optional(),
        }),
        z.strictObject({
          type: z.literal("actions"),
          elements: z
            .array(
              z.strictObject({
                type: z.literal("button"),
                text: plainText(75),
                url: z.url().max(3000),
                action_id: z.string().max(255),
                style: z.enum(["primary", "danger"]).optional(),
              }),
            )
            .max(25),
        }),
        z.strictObject({ type: z.literal("context"), elements: z.array(mrkdwn(3000)).max(10) }),
      ]),
    )
    .max(50),
});

/** PagerDuty Events API v2 event (developer.pagerduty.com, "Send an Alert Event"). */
export const pagerDutyEventShape = z.strictObject({
  routing_key: z.string().min(1),
  event_action: z.enum(["trigger", "acknowledge", "resolve"]),
  dedup_key: z.string().min(1).max(255),
  payload: z
    .strictObject({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(["critical", "error", "warning", "info"]),
      timestamp: z.iso.datetime().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  client: z.string().optional(),
  client_url: z.string().optional(),
  links: z.array(z.strictObject({ href: z.url(), text: z.string() })).optional(),
  images: z.array(z.unknown()).optional(),
});

/** Twilio Messages API create form (twilio.com/docs/messaging/api/message-resource). */
export const twilioFormShape = z.strictObject({
  To: z.string().min(1),
  From: z.string().min(1),
  Body: z.string().min(1).max(1600),
});
