// The notification outbox (migration 9): one row per message to one channel, keyed by its
// idempotency key, plus the attempts made and the receipt the receiver gave. Every write that
// moves a row on is one transaction, so a crash leaves each row either before or after a step,
// never half-way. The record shapes are plain data: the store imports no engine.
import type { Db } from "./db.js";

export type OutboxState = "pending" | "delivered" | "failed" | "fell_back";

export type OutboxRecord = {
  key: string;
  channel: string;
  incidentId?: string;
  /** The notification as enqueued (JSON text; the outbox parses it). */
  notification: string;
  state: OutboxState;
  /** Attempts started (counted when a send starts, so a crash mid-send still counts). */
  attempts: number;
  /** When the row may be sent next (ms since the epoch); stored so a restart resumes the backoff. */
  nextAttemptAt: number;
  lastAttemptAt?: number;
  /** Why the last attempt failed; never holds a secret. */
  lastError?: string;
  /** The key of the row this one carries on for, on a fallback channel. */
  fallbackOf?: string;
  /** The key of the row that carries this one on, on a fallback channel (state fell_back). */
  fallbackKey?: string;
  createdAt: number;
  /** When the row reached delivered, failed or fell_back. */
  finishedAt?: number;
};

export type NewOutboxRecord = {
  key: string;
  channel: string;
  incidentId?: string;
  notification: string;
  nextAttemptAt: number;
  createdAt: number;
  fallbackOf?: string;
};

export type AttemptOutcome = "delivered" | "retry" | "failed";

export type AttemptRecord = {
  key: string;
  attempt: number;
  channel: string;
  incidentId?: string;
  startedAt: number;
  finishedAt: number;
  outcome: AttemptOutcome;
  status?: number;
  error?: string;
};

export type ReceiptRecord = {
  key: string;
  channel: string;
  type: string;
  incidentId?: string;
  detail: string;
  at: number;
};

type OutboxRow = {
  key: string;
  channel: string;
  incident_id: string | null;
  notification: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_error: string | null;
  fallback_of: string | null;
  fallback_key: string | null;
  created_at: number;
  finished_at: number | null;
};

type AttemptRow = {
  key: string;
  attempt: number;
  channel: string;
  incident_id: string | null;
  started_at: number;
  finished_at: number;
  outcome: AttemptOutcome;
  status: number | null;
  error: string | null;
};

type ReceiptRow = {
  key: string;
  channel: string;
  type: string;
  incident_id: string | null;
  detail: string;
  at: number;
};

/** Sets `k` on `out` only when `v` is not null: optional fields stay absent, as the types say. */
function opt<T extends object, K extends keyof T>(out: T, k: K, v: T[K] | null): void {
  if (v !== null) {
    out[k] = v;
  }
}

function toRecord(r: OutboxRow): OutboxRecord {
  const out: OutboxRecord = {
    key: r.key,
    channel: r.channel,
    notification: r.notification,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
  };
  opt(out, "incidentId", r.incident_id);
  opt(out, "lastAttemptAt", r.last_attempt_at);
  opt(out, "lastError", r.last_error);
  opt(out, "fallbackOf", r.fallback_of);
  opt(out, "fallbackKey", r.fallback_key);
  opt(out, "finishedAt", r.finished_at);
  return out;
}

function toAttempt(r: AttemptRow): AttemptRecord {
  const out: AttemptRecord = {
    key: r.key,
    attempt: r.attempt,
    channel: r.channel,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
  };
  opt(out, "incidentId", r.incident_id);
  opt(out, "status", r.status);
  opt(out, "error", r.error);
  return out;
}

function toReceipt(r: ReceiptRow): ReceiptRecord {
  const out: ReceiptRecord = { key: r.key, channel: r.channel, type: r.type, detail: r.detail, at: r.at };
  opt(out, "incidentId", r.incident_id);
  return out;
}

/** JSON text of a string list, for `IN (SELECT value FROM json_each(?))`: one statement for any list. */
const list = (xs: Iterable<string>): string => JSON.stringify([...xs]);

export class NotificationOutboxRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly dueStmt;
  private readonly nextDueStmt;
  private readonly claimStmt;
  private readonly finishStmt;
  private readonly retryStmt;
  private readonly attemptStmt;
  private readonly receiptStmt;
  private readonly fellBackStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO notification_outbox (key, channel, incident_id, notification, state, attempts,
         next_attempt_at, fallback_of, created_at)
       VALUES (@key, @channel, @incidentId, @notification, 'pending', 0, @nextAttemptAt, @fallbackOf, @createdAt)
       ON CONFLICT (key) DO NOTHING`,
    );
    this.getStmt = db.prepare("SELECT * FROM notification_outbox WHERE key = ?");
    this.dueStmt = db.prepare(
      `SELECT * FROM notification_outbox
       WHERE state = 'pending' AND next_attempt_at <= @now
         AND key NOT IN (SELECT value FROM json_each(@busyKeys))
         AND channel NOT IN (SELECT value FROM json_each(@blockedChannels))
       ORDER BY next_attempt_at, created_at, key LIMIT @limit`,
    );
    this.nextDueStmt = db.prepare(
      `SELECT MIN(next_attempt_at) AS at FROM notification_outbox
       WHERE state = 'pending'
         AND key NOT IN (SELECT value FROM json_each(@busyKeys))
         AND channel NOT IN (SELECT value FROM json_each(@blockedChannels))`,
    );
    this.claimStmt = db.prepare(
      `UPDATE notification_outbox SET attempts = attempts + 1, last_attempt_at = @now,
         next_attempt_at = @nextAttemptAt
       WHERE key = @key AND state = 'pending'`,
    );
    this.finishStmt = db.prepare(
      `UPDATE notification_outbox SET state = @state, last_error = @error, finished_at = @now
       WHERE key = @key AND state = 'pending'`,
    );
    this.retryStmt = db.prepare(
      `UPDATE notification_outbox SET next_attempt_at = @nextAttemptAt, last_error = @error
       WHERE key = @key AND state = 'pending'`,
    );
    this.attemptStmt = db.prepare(
      `INSERT INTO notification_attempts (key, attempt, channel, incident_id, started_at, finished_at,
         outcome, status, error)
       VALUES (@key, @attempt, @channel, @incidentId, @startedAt, @finishedAt, @outcome, @status, @error)
       ON CONFLICT (key, attempt) DO NOTHING`,
    );
    this.receiptStmt = db.prepare(
      `INSERT INTO notification_receipts (key, channel, type, incident_id, detail, at)
       VALUES (@key, @channel, @type, @incidentId, @detail, @at)
       ON CONFLICT (key) DO NOTHING`,
    );
    this.fellBackStmt = db.prepare(
      `UPDATE notification_outbox SET state = 'fell_back', fallback_key = @fallbackKey,
         last_error = @error, finished_at = @now
       WHERE key = @key AND state = 'pending'`,
    );
  }

  /**
   * Inserts the rows whose key is new; a key already present (in any state) is left as it is.
   * Runs on the caller's transaction when called inside one. Returns how many rows were new.
   */
  insert(records: readonly NewOutboxRecord[]): number {
    let added = 0;
    const run = () => {
      for (const r of records) {
        added += this.insertStmt.run({
          key: r.key,
          channel: r.channel,
          incidentId: r.incidentId ?? null,
          notification: r.notification,
          nextAttemptAt: r.nextAttemptAt,
          fallbackOf: r.fallbackOf ?? null,
          createdAt: r.createdAt,
        }).changes;
      }
    };
    // Nested inside a caller's transaction this becomes a savepoint: still all-or-nothing.
    this.db.transaction(run)();
    return added;
  }

  get(key: string): OutboxRecord | undefined {
    const row = this.getStmt.get(key) as OutboxRow | undefined;
    return row && toRecord(row);
  }

  /** Pending rows due at `now`, soonest first, leaving out keys in flight and channels that must wait. */
  due(
    now: number,
    limit: number,
    busyKeys: Iterable<string>,
    blockedChannels: Iterable<string>,
  ): OutboxRecord[] {
    return (
      this.dueStmt.all({
        now,
        limit,
        busyKeys: list(busyKeys),
        blockedChannels: list(blockedChannels),
      }) as OutboxRow[]
    ).map(toRecord);
  }

  /** The soonest next_attempt_at of the pending rows the same filters leave; undefined when none. */
  nextDueAt(busyKeys: Iterable<string>, blockedChannels: Iterable<string>): number | undefined {
    const row = this.nextDueStmt.get({
      busyKeys: list(busyKeys),
      blockedChannels: list(blockedChannels),
    }) as { at: number | null };
    return row.at ?? undefined;
  }

  /**
   * Counts an attempt as started and stores when to try again should it not finish (a crash);
   * false when the row is no longer pending.
   */
  claim(key: string, now: number, nextAttemptAt: number): boolean {
    return this.claimStmt.run({ key, now, nextAttemptAt }).changes > 0;
  }

  /** The receiver confirmed: receipt, attempt and state in one transaction. */
  delivered(attempt: AttemptRecord, receipt: ReceiptRecord): void {
    this.db.transaction(() => {
      this.finishStmt.run({ key: attempt.key, state: "delivered", error: null, now: attempt.finishedAt });
      this.recordAttempt(attempt);
      this.receiptStmt.run({
        key: receipt.key,
        channel: receipt.channel,
        type: receipt.type,
        incidentId: receipt.incidentId ?? null,
        detail: receipt.detail,
        at: receipt.at,
      });
    })();
  }

  /** A failed attempt that will be retried at `nextAttemptAt`. */
  retryLater(attempt: AttemptRecord, nextAttemptAt: number): void {
    this.db.transaction(() => {
      this.retryStmt.run({ key: attempt.key, nextAttemptAt, error: attempt.error ?? null });
      this.recordAttempt(attempt);
    })();
  }

  /** Gives the row up for good; `attempt` is the attempt that decided it, when one did. */
  failed(key: string, error: string, now: number, attempt?: AttemptRecord): void {
    this.db.transaction(() => {
      this.finishStmt.run({ key, state: "failed", error, now });
      if (attempt) {
        this.recordAttempt(attempt);
      }
    })();
  }

  /**
   * Hands the row on to another channel: marks it fell_back with a link to `next`, and inserts
   * `next` (pending), in one transaction. False when the row was no longer pending.
   */
  fallBack(key: string, next: NewOutboxRecord, error: string, now: number, attempt?: AttemptRecord): boolean {
    return this.db.transaction(() => {
      const moved = this.fellBackStmt.run({ key, fallbackKey: next.key, error, now }).changes > 0;
      if (!moved) {
        return false;
      }
      if (attempt) {
        this.recordAttempt(attempt);
      }
      this.insert([next]);
      return true;
    })();
  }

  /** The rows, attempts and receipts of one incident, oldest first. */
  byIncident(incidentId: string): {
    records: OutboxRecord[];
    attempts: AttemptRecord[];
    receipts: ReceiptRecord[];
  } {
    const records = (
      this.db
        .prepare("SELECT * FROM notification_outbox WHERE incident_id = ? ORDER BY created_at, key")
        .all(incidentId) as OutboxRow[]
    ).map(toRecord);
    const attempts = (
      this.db
        .prepare(
          "SELECT * FROM notification_attempts WHERE incident_id = ? ORDER BY started_at, key, attempt",
        )
        .all(incidentId) as AttemptRow[]
    ).map(toAttempt);
    const receipts = (
      this.db
        .prepare("SELECT * FROM notification_receipts WHERE incident_id = ? ORDER BY at, key")
        .all(incidentId) as ReceiptRow[]
    ).map(toReceipt);
    return { records, attempts, receipts };
  }

  attempts(key: string): AttemptRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM notification_attempts WHERE key = ? ORDER BY attempt")
        .all(key) as AttemptRow[]
    ).map(toAttempt);
  }

  receipt(key: string): ReceiptRecord | undefined {
    const row = this.db.prepare("SELECT * FROM notification_receipts WHERE key = ?").get(key) as
      ReceiptRow | undefined;
    return row && toReceipt(row);
  }

  /** Pending rows per channel and the creation time of the oldest pending row, for the metrics. */
  pendingStats(): { byChannel: Map<string, number>; oldestCreatedAt?: number } {
    const rows = this.db
      .prepare(
        "SELECT channel, COUNT(*) AS n, MIN(created_at) AS oldest FROM notification_outbox WHERE state = 'pending' GROUP BY channel",
      )
      .all() as { channel: string; n: number; oldest: number }[];
    const byChannel = new Map(rows.map((r) => [r.channel, r.n]));
    const oldest = rows.length > 0 ? Math.min(...rows.map((r) => r.oldest)) : undefined;
    return oldest === undefined ? { byChannel } : { byChannel, oldestCreatedAt: oldest };
  }

  /**
   * Deletes finished rows (and their attempts and receipts) that finished before `before`, so the
   * outbox does not grow without bound; pending rows are never deleted. Returns how many rows.
   */
  deleteFinishedBefore(before: number): number {
    return this.db.transaction(() => {
      const keys = `SELECT key FROM notification_outbox WHERE state != 'pending' AND finished_at < @before`;
      this.db.prepare(`DELETE FROM notification_attempts WHERE key IN (${keys})`).run({ before });
      this.db.prepare(`DELETE FROM notification_receipts WHERE key IN (${keys})`).run({ before });
      return this.db
        .prepare("DELETE FROM notification_outbox WHERE state != 'pending' AND finished_at < @before")
        .run({ before }).changes;
    })();
  }

  private recordAttempt(a: AttemptRecord): void {
    this.attemptStmt.run({
      key: a.key,
      attempt: a.attempt,
      channel: a.channel,
      incidentId: a.incidentId ?? null,
      startedAt: a.startedAt,
      finishedAt: a.finishedAt,
      outcome: a.outcome,
      status: a.status ?? null,
      error: a.error ?? null,
    });
  }
}
