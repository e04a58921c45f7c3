// The durable side of ISA-18.2 alarm management: activations (with their return to normal), the
// shelves in force and the floods of each operator position. The alarm manager keeps what it
// needs in memory and writes here before acting; this only stores and reads, checking shapes.
import type { Db } from "./db.js";

export type AlarmPriorityName = "low" | "medium" | "high" | "critical";

export type ActivationRecord = {
  id: number;
  fingerprint: string;
  alertname: string;
  position: string;
  priority: AlarmPriorityName;
  labels: Record<string, string>;
  activatedAt: number;
  /** The alert's endsAt as last seen: it returns to normal then unless it is re-sent. */
  endsAt: number;
  returnedAt?: number;
  /** False when it activated shelved or suppressed by design: not shown to the operator. */
  annunciated: boolean;
  /** It was the third (or later) activation of its alarm inside the chattering window. */
  chattering: boolean;
};

export type ShelfRecord = {
  fingerprint: string;
  labels: Record<string, string>;
  shelvedBy: string;
  reason: string;
  shelvedAt: number;
  expiresAt: number;
};

export type FloodRecord = {
  id: number;
  position: string;
  startedAt: number;
  endedAt?: number;
  /** Alarms in the position's window when the flood began, then the most seen during it. */
  alarms: number;
};

type ActivationRow = {
  id: number;
  fingerprint: string;
  alertname: string;
  position: string;
  priority: string;
  labels: string;
  activated_at: number;
  ends_at: number;
  returned_at: number | null;
  annunciated: number;
  chattering: number;
};
type ShelfRow = {
  fingerprint: string;
  labels: string;
  shelved_by: string;
  reason: string;
  shelved_at: number;
  expires_at: number;
};
type FloodRow = { id: number; position: string; started_at: number; ended_at: number | null; alarms: number };

const PRIORITIES = new Set(["low", "medium", "high", "critical"]);

/** Labels stored as JSON; a damaged row reads as no labels rather than stopping the report. */
function labelsOf(text: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === "string",
        ),
      );
    }
  } catch {
    // fall through
  }
  return {};
}

function activationOf(r: ActivationRow): ActivationRecord {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    alertname: r.alertname,
    position: r.position,
    priority: (PRIORITIES.has(r.priority) ? r.priority : "low") as AlarmPriorityName,
    labels: labelsOf(r.labels),
    activatedAt: r.activated_at,
    endsAt: r.ends_at,
    ...(r.returned_at === null ? {} : { returnedAt: r.returned_at }),
    annunciated: r.annunciated === 1,
    chattering: r.chattering === 1,
  };
}

export class AlarmRepository {
  constructor(private readonly db: Db) {}

  /** Opens an activation; returns its id. */
  activate(a: Omit<ActivationRecord, "id" | "returnedAt">): number {
    const res = this.db
      .prepare(
        `INSERT INTO alarm_activations
           (fingerprint, alertname, position, priority, labels, activated_at, ends_at, returned_at, annunciated, chattering)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      )
      .run(
        a.fingerprint,
        a.alertname,
        a.position,
        a.priority,
        JSON.stringify(a.labels),
        a.activatedAt,
        a.endsAt,
        a.annunciated ? 1 : 0,
        a.chattering ? 1 : 0,
      );
    return Number(res.lastInsertRowid);
  }

  /** The open activation's latest endsAt (a re-sent firing alert moves it on). */
  extend(id: number, endsAt: number): void {
    this.db
      .prepare("UPDATE alarm_activations SET ends_at = ? WHERE id = ? AND returned_at IS NULL")
      .run(endsAt, id);
  }

  returnToNormal(id: number, at: number): void {
    this.db
      .prepare(
        "UPDATE alarm_activations SET returned_at = ?, ends_at = ? WHERE id = ? AND returned_at IS NULL",
      )
      .run(at, at, id);
  }

  /** Activations not yet returned to normal. */
  open(): ActivationRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM alarm_activations WHERE returned_at IS NULL ORDER BY activated_at, id")
        .all() as ActivationRow[]
    ).map(activationOf);
  }

  /** The latest activation of one alarm, if any is kept. */
  latest(fingerprint: string): ActivationRecord | undefined {
    const row = this.db
      .prepare("SELECT * FROM alarm_activations WHERE fingerprint = ? ORDER BY id DESC LIMIT 1")
      .get(fingerprint) as ActivationRow | undefined;
    return row === undefined ? undefined : activationOf(row);
  }

  /** Activations since `from` (inclusive), oldest first, at most `limit`. */
  since(from: number, limit: number): ActivationRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM alarm_activations WHERE activated_at >= ? ORDER BY activated_at, id LIMIT ?")
        .all(from, limit) as ActivationRow[]
    ).map(activationOf);
  }

  /**
   * Every activation that was active at some time in [from, to): activated before `to` and not
   * returned before `from`. Iterated, so a long period never sits in memory whole.
   */
  *overlapping(from: number, to: number): Generator<ActivationRecord> {
    const rows = this.db
      .prepare(
        `SELECT * FROM alarm_activations
         WHERE activated_at < ? AND (returned_at IS NULL OR returned_at >= ?)
         ORDER BY activated_at, id`,
      )
      .iterate(to, from) as IterableIterator<ActivationRow>;
    for (const r of rows) {
      yield activationOf(r);
    }
  }

  /** Deletes activations (and ended floods) that returned to normal before `before`; returns how many. */
  prune(before: number): number {
    const n = this.db
      .prepare("DELETE FROM alarm_activations WHERE returned_at IS NOT NULL AND returned_at < ?")
      .run(before).changes;
    this.db.prepare("DELETE FROM alarm_floods WHERE ended_at IS NOT NULL AND ended_at < ?").run(before);
    return n;
  }

  saveShelf(s: ShelfRecord): void {
    this.db
      .prepare(
        `INSERT INTO alarm_shelves (fingerprint, labels, shelved_by, reason, shelved_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (fingerprint) DO UPDATE SET labels = excluded.labels, shelved_by = excluded.shelved_by,
           reason = excluded.reason, shelved_at = excluded.shelved_at, expires_at = excluded.expires_at`,
      )
      .run(s.fingerprint, JSON.stringify(s.labels), s.shelvedBy, s.reason, s.shelvedAt, s.expiresAt);
  }

  deleteShelf(fingerprint: string): boolean {
    return this.db.prepare("DELETE FROM alarm_shelves WHERE fingerprint = ?").run(fingerprint).changes > 0;
  }

  shelves(): ShelfRecord[] {
    return (this.db.prepare("SELECT * FROM alarm_shelves ORDER BY expires_at").all() as ShelfRow[]).map(
      (r) => ({
        fingerprint: r.fingerprint,
        labels: labelsOf(r.labels),
        shelvedBy: r.shelved_by,
        reason: r.reason,
        shelvedAt: r.shelved_at,
        expiresAt: r.expires_at,
      }),
    );
  }

  startFlood(position: string, at: number, alarms: number): number {
    return Number(
      this.db
        .prepare("INSERT INTO alarm_floods (position, started_at, ended_at, alarms) VALUES (?, ?, NULL, ?)")
        .run(position, at, alarms).lastInsertRowid,
    );
  }

  updateFlood(id: number, alarms: number): void {
    this.db.prepare("UPDATE alarm_floods SET alarms = MAX(alarms, ?) WHERE id = ?").run(alarms, id);
  }

  endFlood(id: number, at: number): void {
    this.db.prepare("UPDATE alarm_floods SET ended_at = ? WHERE id = ? AND ended_at IS NULL").run(at, id);
  }

  /** Floods that overlap [from, to), oldest first. */
  floods(from: number, to: number): FloodRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM alarm_floods WHERE started_at < ? AND (ended_at IS NULL OR ended_at >= ?)
           ORDER BY started_at, id LIMIT 100000`,
        )
        .all(to, from) as FloodRow[]
    ).map((r) => ({
      id: r.id,
      position: r.position,
      startedAt: r.started_at,
      ...(r.ended_at === null ? {} : { endedAt: r.ended_at }),
      alarms: r.alarms,
    }));
  }

  openFloods(): FloodRecord[] {
    return this.floods(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).filter(
      (f) => f.endedAt === undefined,
    );
  }
}
