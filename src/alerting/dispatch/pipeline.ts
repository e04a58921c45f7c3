// Alertmanager's notification pipeline (notify/notify.go) for one flush of one group: inhibited
// alerts dropped, nothing at all while the route is muted by its time intervals, silenced alerts
// dropped; then for each integration of the route's receiver — every webhook, Slack, email,
// PagerDuty, MQTT and SMS config — independently and concurrently: the notification log decides
// whether anything new is to be said (DedupStage), the message is delivered through the config's
// channel with retries until group_interval (RetryStage), and a success is logged with an expiry
// of twice the repeat interval (SetNotifiesStage).
import { createHash } from "node:crypto";
import type { Clock } from "../../clock.js";
import type { Labels } from "../../model/labels.js";
import { fingerprint } from "../fingerprint.js";
import type { NotificationLog } from "../nflog/nflog.js";
import { shouldNotify } from "../nflog/nflog.js";
import type { Channel, Notification, Receipt, SendResult } from "../notify/channel.js";
import { deliver, type Notifier } from "../notify/deliver.js";
import { webhookPayload, type NotifyAlert, type WebhookPayload } from "../notify/payload.js";
import type { Inhibitor } from "../routing/inhibit.js";
import { mutedAt, type NamedTimeIntervals } from "../routing/time-intervals.js";
import type { Silences } from "../silences/silences.js";
import { isResolved, type HeldAlert } from "./alert-store.js";
import type { GroupFlush } from "./dispatcher.js";
import type { Integration } from "./integrations.js";

export type { Integration };

export type PipelineLogger = {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type PipelineDeps = {
  clock: Clock;
  receivers: ReadonlyMap<string, readonly Integration[]>;
  timeIntervals: NamedTimeIntervals;
  /** The inhibitor over the alerts held now (rebuilt by the engine when they change). */
  inhibitor: () => Inhibitor;
  silences: Silences;
  /** Alarm management's shelving, suppression by design and flood cover, applied like silences. */
  alarms?: { mutes(labels: Labels, now: number): boolean };
  nflog: NotificationLog;
  externalURL: () => string;
  logger: PipelineLogger;
  /** Retry backoff of deliveries (tests shorten it). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told about every delivered notification (receipts for metrics, benches and the incident timeline). */
  onReceipt?: (receipt: Receipt) => void;
};

/** What a held alert looks like to a receiver: no endsAt while it is firing (Alertmanager's types.Alerts). */
export function notifyAlertOf(a: HeldAlert, now: number): NotifyAlert {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    ...(isResolved(a, now) ? { endsAt: a.endsAt } : {}),
    ...(a.generatorURL !== "" ? { generatorURL: a.generatorURL } : {}),
  };
}

/** The fingerprint of the alert that inhibits one with these labels, if any. */
export function inhibitingFingerprint(inhibitor: Inhibitor, labels: Labels, now: number): string | undefined {
  const by = inhibitor.inhibitedBy(labels, now);
  return by === undefined ? undefined : fingerprint(by);
}

/** The flush function the dispatcher calls. */
export function notificationPipeline(deps: PipelineDeps): (flush: GroupFlush) => Promise<boolean> {
  return async ({ route, groupKey, groupLabels, alerts, signal }) => {
    const now = deps.clock.now();
    const inhibitor = deps.inhibitor();
    let kept = alerts.filter((a) => inhibitingFingerprint(inhibitor, a.labels, now) === undefined);
    if (mutedAt(route.opts, deps.timeIntervals, now)) {
      // Alertmanager's TimeMuteStage/TimeActiveStage: nothing is sent and nothing is logged, and the
      // flush counts as done (resolved alerts are dropped), so a resolve inside a mute is not sent.
      deps.logger.debug({ groupKey }, "notifications muted by a time interval");
      return true;
    }
    kept = kept.filter(
      (a) => deps.silences.mutes(a.labels, now).length === 0 && deps.alarms?.mutes(a.labels, now) !== true,
    );
    if (kept.length === 0) {
      // Every alert is inhibited or silenced: the receiver keeps its last view (nothing logged).
      return true;
    }
    const integrations = deps.receivers.get(route.opts.receiver);
    if (integrations === undefined) {
      deps.logger.error(
        { receiver: route.opts.receiver, groupKey },
        "route names a receiver that does not exist",
      );
      return false;
    }
    const firing = kept.filter((a) => !isResolved(a, now)).map((a) => a.fingerprint);
    const resolved = kept.filter((a) => isResolved(a, now)).map((a) => a.fingerprint);
    const notifyAlerts = kept.map((a) => notifyAlertOf(a, now));
    const results = await Promise.all(
      integrations.map(async (integration) => {
        const { key } = integration;
        const reason = deps.nflog.needsUpdate(
          key,
          groupKey,
          firing,
          resolved,
          route.opts.repeatIntervalMs,
          integration.sendResolved,
        );
        if (!shouldNotify(reason)) {
          return true;
        }
        // send_resolved and max_alerts are applied before the channel sees the message, as
        // Alertmanager's RetryStage does; null: nothing left to say, which counts as delivered.
        const payload = webhookPayload(
          {
            receiver: route.opts.receiver,
            groupKey,
            groupLabels,
            externalURL: deps.externalURL(),
            alerts: notifyAlerts,
          },
          { now, maxAlerts: integration.maxAlerts, sendResolved: integration.sendResolved },
        );
        if (payload !== null) {
          const notification: Notification = {
            key: notificationKey(key, groupKey, firing, resolved, deps.nflog.get(key, groupKey)?.sentAt),
            event: payload.status === "resolved" ? "resolve" : "trigger",
            payload,
          };
          const attempt = channelNotifier(integration.channel, notification);
          const result = await deliver(attempt, payload, {
            signal,
            clock: deps.clock,
            deadlineMs: route.opts.groupIntervalMs,
            logger: deps.logger,
            ...(deps.initialBackoffMs !== undefined ? { initialBackoffMs: deps.initialBackoffMs } : {}),
            ...(deps.maxBackoffMs !== undefined ? { maxBackoffMs: deps.maxBackoffMs } : {}),
          });
          if (!result.delivered) {
            deps.logger.error(
              { integration: key, groupKey, attempts: result.attempts, err: result.error },
              "notification failed",
            );
            return false;
          }
          deps.logger.debug(
            {
              integration: key,
              groupKey,
              reason,
              alerts: payload.alerts.length,
              receipt: attempt.receipt?.detail,
            },
            "notification sent",
          );
          if (attempt.receipt !== undefined) {
            deps.onReceipt?.(attempt.receipt);
          }
        }
        deps.nflog.log(key, groupKey, firing, resolved, 2 * route.opts.repeatIntervalMs);
        return true;
      }),
    );
    return results.every(Boolean);
  };
}

/**
 * The idempotency key of one message: the same for every attempt and every re-flush that would
 * carry the same news (same integration, group, firing and resolved alerts, since the same last
 * logged notification), so a receiver that got a message whose acknowledgement was lost can drop
 * the retry. The last logged send time is part of it so that a repeat after repeat_interval, which
 * Alertmanager means the receiver to see, is not mistaken for a duplicate.
 */
export function notificationKey(
  integration: string,
  groupKey: string,
  firing: readonly string[],
  resolved: readonly string[],
  lastSentAt: number | undefined,
): string {
  const h = createHash("sha256")
    .update(
      JSON.stringify([integration, groupKey, [...firing].sort(), [...resolved].sort(), lastSentAt ?? 0]),
    )
    .digest("hex");
  return `am-${h.slice(0, 32)}`;
}

/**
 * One Channel.send per deliver() attempt, the channel's answer mapped onto deliver()'s: a receipt is
 * success, a retriable error is retried until the deadline, a final one ends the delivery. The
 * message is built once, so every attempt carries the same idempotency key.
 */
function channelNotifier(channel: Channel, notification: Notification): Notifier & { receipt?: Receipt } {
  const notifier: Notifier & { receipt?: Receipt } = {
    async notify(_payload: WebhookPayload, signal?: AbortSignal) {
      let r: SendResult;
      try {
        r = await channel.send(notification, signal);
      } catch (err) {
        // The contract says send never throws; a channel that does must not take the pipeline down.
        return { retry: true, error: `${channel.name}: ${(err as Error).message}` };
      }
      if (r.ok) {
        notifier.receipt = r.receipt;
        return { retry: false };
      }
      return { retry: r.retriable, error: r.error, ...(r.status !== undefined ? { status: r.status } : {}) };
    },
  };
  return notifier;
}
