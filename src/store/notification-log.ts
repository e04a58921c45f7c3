// The notification log: per (receiver, group key), the last notification sent and which alerts it
// carried, so a restart neither re-sends a group inside its repeat interval nor forgets to send a
// resolve. One row per pair, replaced on every send; rows past their expiry are garbage.
import type { Db } from "./db.js";

export type NotificationLogRecord = {
  receiver: string;
  groupKey: string;
  /** When the notification was sent (ms since the epoch). */
  sentAt: number;
  /** Fingerprints of the alerts that were firing in it. */
  firing: string[];
  /** Fingerprints of the alerts that were resolved in it. */
  resolved: string[];
  /** After this time the entry is garbage (ms since the epoch). */
  expiresAt: number;
};

type Row = {
  receiver: string;
  group_key: string;
  sent_at: number;
  firing: string;
  resolved: string;
  expires_at: number;
};

export class NotificationLogRepository {
  constructor(private readonly db: Db) {}

  save(record: NotificationLogRecord): void {
    this.db
      .prepare(
        `INSERT INTO notification_log (receiver, group_key, sent_at, firing, resolved, expires_at)
         VALUES (@receiver, @groupKey, @sentAt, @firing, @resolved, @expiresAt)
         ON CONFLICT (receiver, group_key) DO UPDATE SET sent_at = excluded.sent_at,
           firing = excluded.firing, resolved = excluded.resolved, expires_at = excluded.expires_at`,
      )
      .run({ ...record, firing: JSON.stringify(record.firing), resolved: JSON.stringify(record.resolved) });
  }

  get(receiver: string, groupKey: string): NotificationLogRecord | undefined {
    const row = this.db
      .prepare("SELECT * FROM notification_log WHERE receiver = ? AND group_key = ?")
      .get(receiver, groupKey) as Row | undefined;
    return row && toRecord(row);
  }

  /** Every entry; a row whose fingerprint lists cannot be read is left out (and named in `unreadable`). */
  all(): { records: NotificationLogRecord[]; unreadable: { receiver: string; groupKey: string }[] } {
    const rows = this.db.prepare("SELECT * FROM notification_log").all() as Row[];
    const records: NotificationLogRecord[] = [];
    const unreadable: { receiver: string; groupKey: string }[] = [];
    for (const row of rows) {
      const record = toRecord(row);
      if (record) {
        records.push(record);
      } else {
        unreadable.push({ receiver: row.receiver, groupKey: row.group_key });
      }
    }
    return { records, unreadable };
  }

  /** Deletes the entries that expired at or before `now`; returns how many. */
  deleteExpired(now: number): number {
    return this.db.prepare("DELETE FROM notification_log WHERE expires_at <= ?").run(now).changes;
  }

  delete(receiver: string, groupKey: string): boolean {
    return (
      this.db
        .prepare("DELETE FROM notification_log WHERE receiver = ? AND group_key = ?")
        .run(receiver, groupKey).changes > 0
    );
  }
}

function toRecord(row: Row): NotificationLogRecord | undefined {
  const firing = stringList(row.firing);
  const resolved = stringList(row.resolved);
  if (!firing || !resolved) {
    return undefined;
  }
  return {
    receiver: row.receiver,
    groupKey: row.group_key,
    sentAt: row.sent_at,
    firing,
    resolved,
    expiresAt: row.expires_at,
  };
}

function stringList(json: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;
  } catch {
    return undefined;
  }
}
