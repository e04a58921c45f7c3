// The notification log, with Alertmanager's semantics (nflog/nflog.go and the DedupStage of
// notify/): for each (receiver, group key), the last notification sent and the alerts it carried,
// from which needsUpdate() decides whether a flush of the group is sent. Alertmanager snapshots
// this log every 15 minutes, so a crash re-sends or loses resolves; here each entry is written to
// SQLite before log() returns, and read back at start.
import type { Clock, TimerHandle } from "../../clock.js";
import type { NotificationLogRecord, NotificationLogRepository } from "../../store/notification-log.js";

/** One (receiver, group key)'s last notification. Fingerprints as fingerprint() prints them. */
export type NotificationLogEntry = {
  receiver: string;
  groupKey: string;
  sentAt: number;
  firing: readonly string[];
  resolved: readonly string[];
  expiresAt: number;
};

/** Why a flush is sent or not (Alertmanager's NotifyReason, for logs and metrics). */
export type NotifyReason =
  | "first-notification"
  | "new-alerts-in-group"
  | "all-alerts-resolved"
  | "new-resolved-alerts"
  | "repeat-interval-elapsed"
  | "do-not-notify";

export function shouldNotify(reason: NotifyReason): boolean {
  return reason !== "do-not-notify";
}

/**
 * Alertmanager's DedupStage.needsUpdate, given the group's last entry (undefined if never sent):
 * - never notified: send if anything fires;
 * - an alert fires that was not firing in the last notification: send;
 * - nothing fires any more: send once if the last notification had firing alerts (whatever
 *   send_resolved says: the receiver's view must be cleared), else nothing;
 * - with send_resolved, an alert is resolved that the last notification did not list as resolved: send;
 * - otherwise only once the repeat interval has passed (strictly: sentAt < now - repeat).
 * A firing set that only shrank does not count as a change without send_resolved, as in Alertmanager.
 */
export function decideNotification(
  last: Pick<NotificationLogEntry, "sentAt" | "firing" | "resolved"> | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  repeatIntervalMs: number,
  sendResolved: boolean,
  now: number,
): NotifyReason {
  if (last === undefined) {
    return firing.size > 0 ? "first-notification" : "do-not-notify";
  }
  if (!isSubset(firing, last.firing)) {
    // After a notification that resolved everything, the group starts over.
    return last.firing.length === 0 ? "first-notification" : "new-alerts-in-group";
  }
  if (firing.size === 0) {
    return last.firing.length > 0 ? "all-alerts-resolved" : "do-not-notify";
  }
  if (sendResolved && !isSubset(resolved, last.resolved)) {
    return "new-resolved-alerts";
  }
  return last.sentAt < now - repeatIntervalMs ? "repeat-interval-elapsed" : "do-not-notify";
}

function isSubset(subset: ReadonlySet<string>, of: readonly string[]): boolean {
  if (subset.size === 0) {
    return true;
  }
  const set = new Set(of);
  for (const x of subset) {
    if (!set.has(x)) {
      return false;
    }
  }
  return true;
}

export type NotificationLogLogger = { warn(obj: object, msg?: string): void };

export type NotificationLogOptions = {
  clock: Clock;
  /** Longest an entry is kept after its notification. Default 120 h (Alertmanager's --data.retention). */
  retentionMs?: number;
  /** Told about unreadable stored rows and failed background GCs. */
  logger?: NotificationLogLogger;
};

export const DEFAULT_NFLOG_RETENTION_MS = 120 * 60 * 60 * 1000;
/** Alertmanager's maintenance interval (GC and snapshot): every 15 minutes. */
export const DEFAULT_NFLOG_GC_INTERVAL_MS = 15 * 60 * 1000;

export class NotificationLog {
  /** Keyed by JSON [receiver, groupKey]: group keys contain any character, so no separator is safe. */
  private readonly entries = new Map<string, NotificationLogEntry>();
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly logger: NotificationLogLogger | undefined;
  private maintenance: TimerHandle | undefined;

  /** Loads every stored entry (expired ones too, until the next gc(), as Alertmanager's snapshot load). */
  constructor(
    private readonly repo: NotificationLogRepository,
    options: NotificationLogOptions,
  ) {
    this.clock = options.clock;
    this.retentionMs = options.retentionMs ?? DEFAULT_NFLOG_RETENTION_MS;
    this.logger = options.logger;
    const { records, unreadable } = repo.all();
    for (const u of unreadable) {
      // Ignoring it costs at most one repeated notification for that group: better than none.
      this.logger?.warn(u, `notification log entry of receiver ${u.receiver} is unreadable and ignored`);
    }
    for (const r of records) {
      this.entries.set(key(r.receiver, r.groupKey), freeze(r));
    }
  }

  /** Whether a flush of the group with these firing and resolved alerts is sent now, and why. */
  needsUpdate(
    receiver: string,
    groupKey: string,
    firing: Iterable<string>,
    resolved: Iterable<string>,
    repeatIntervalMs: number,
    sendResolved: boolean,
  ): NotifyReason {
    return decideNotification(
      this.entries.get(key(receiver, groupKey)),
      new Set(firing),
      new Set(resolved),
      repeatIntervalMs,
      sendResolved,
      this.clock.now(),
    );
  }

  /**
   * Records a notification delivered now (call it only after the receiver accepted it). The entry
   * expires after `expiryMs` if shorter than the retention: the dispatcher passes twice the repeat
   * interval, as Alertmanager's SetNotifiesStage does. Written to SQLite before it returns.
   */
  log(
    receiver: string,
    groupKey: string,
    firing: Iterable<string>,
    resolved: Iterable<string>,
    expiryMs = 0,
  ): NotificationLogEntry {
    const now = this.clock.now();
    const k = key(receiver, groupKey);
    const prev = this.entries.get(k);
    if (prev !== undefined && prev.sentAt > now) {
      // A later notification is already logged (the clock stepped back): keep the newer one.
      return prev;
    }
    const lifetime = expiryMs > 0 && this.retentionMs > expiryMs ? expiryMs : this.retentionMs;
    const record: NotificationLogRecord = {
      receiver,
      groupKey,
      sentAt: now,
      firing: [...new Set(firing)],
      resolved: [...new Set(resolved)],
      expiresAt: now + lifetime,
    };
    this.repo.save(record);
    const entry = freeze(record);
    this.entries.set(k, entry);
    return entry;
  }

  /** The group's last notification for the receiver, if logged and not yet collected. */
  get(receiver: string, groupKey: string): NotificationLogEntry | undefined {
    return this.entries.get(key(receiver, groupKey));
  }

  /** How many entries are held. */
  get size(): number {
    return this.entries.size;
  }

  /** Removes the entries whose expiry has come (from SQLite first); returns how many. */
  gc(): number {
    const now = this.clock.now();
    this.repo.deleteExpired(now);
    let n = 0;
    for (const [k, e] of this.entries) {
      if (e.expiresAt <= now) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }

  /** Runs gc() every `intervalMs` on the clock until stopMaintenance(); a failed GC is logged and retried. */
  startMaintenance(intervalMs: number = DEFAULT_NFLOG_GC_INTERVAL_MS): void {
    this.stopMaintenance();
    const tick = () => {
      try {
        this.gc();
      } catch (err) {
        this.logger?.warn({ err }, `notification log garbage collection failed: ${(err as Error).message}`);
      }
      this.maintenance = this.clock.setTimer(tick, intervalMs);
    };
    this.maintenance = this.clock.setTimer(tick, intervalMs);
  }

  stopMaintenance(): void {
    if (this.maintenance !== undefined) {
      this.clock.clearTimer(this.maintenance);
      this.maintenance = undefined;
    }
  }
}

function key(receiver: string, groupKey: string): string {
  return JSON.stringify([receiver, groupKey]);
}

function freeze(r: NotificationLogRecord): NotificationLogEntry {
  return Object.freeze({
    ...r,
    firing: Object.freeze([...r.firing]),
    resolved: Object.freeze([...r.resolved]),
  });
}
