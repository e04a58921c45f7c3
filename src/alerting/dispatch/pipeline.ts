// Alertmanager's notification pipeline (notify/notify.go) for one flush of one group: inhibited
// alerts dropped, nothing at all while the route is muted by its time intervals, silenced alerts
// dropped; then for each integration of the route's receiver, independently and concurrently: the
// notification log decides whether anything new is to be said (DedupStage), the message is
// delivered with retries until group_interval (RetryStage), and a success is logged with an expiry
// of twice the repeat interval (SetNotifiesStage).
import type { Clock } from "../../clock.js";
import type { Labels } from "../../model/labels.js";
import { fingerprint } from "../fingerprint.js";
import type { NotificationLog } from "../nflog/nflog.js";
import { shouldNotify } from "../nflog/nflog.js";
import { deliver } from "../notify/deliver.js";
import type { NotifyAlert } from "../notify/payload.js";
import type { WebhookNotifier } from "../notify/webhook.js";
import type { Inhibitor } from "../routing/inhibit.js";
import { mutedAt, type NamedTimeIntervals } from "../routing/time-intervals.js";
import type { Silences } from "../silences/silences.js";
import { isResolved, type HeldAlert } from "./alert-store.js";
import type { GroupFlush } from "./dispatcher.js";

/** One webhook_config of a receiver. `key` names it in the notification log, as Alertmanager's `name/webhook/0`. */
export type Integration = { key: string; notifier: WebhookNotifier };

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
      integrations.map(async ({ key, notifier }) => {
        const reason = deps.nflog.needsUpdate(
          key,
          groupKey,
          firing,
          resolved,
          route.opts.repeatIntervalMs,
          notifier.sendResolved,
        );
        if (!shouldNotify(reason)) {
          return true;
        }
        const payload = notifier.payload(
          {
            receiver: route.opts.receiver,
            groupKey,
            groupLabels,
            externalURL: deps.externalURL(),
            alerts: notifyAlerts,
          },
          now,
        );
        if (payload !== null) {
          const result = await deliver(notifier, payload, {
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
            { integration: key, groupKey, reason, alerts: payload.alerts.length },
            "notification sent",
          );
        }
        deps.nflog.log(key, groupKey, firing, resolved, 2 * route.opts.repeatIntervalMs);
        return true;
      }),
    );
    return results.every(Boolean);
  };
}
