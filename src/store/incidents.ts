// Incidents, the alerts they hold and their timelines: the durable copy the incident manager reads
// back at start. It stores what it is given; every state change and the timeline entries that tell
// of it are written in one transaction (the manager wraps them with transaction()).
import type { Db } from "./db.js";

export type IncidentStatus = "triggered" | "acknowledged" | "resolved";

/** The probable root cause correlation found, and why. */
export type RootCause = { service: string; fingerprint: string; alertname: string; reason: string };

export type IncidentRecord = {
  id: number;
  title: string;
  status: IncidentStatus;
  severity: string;
  priority: "low" | "medium" | "high" | "critical";
  groupKey: string;
  assignee?: string;
  snoozedUntil?: number;
  rootCause?: RootCause;
  createdAt: number;
  updatedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
};

export type IncidentAlertRecord = {
  incidentId: number;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** Set once the alert resolved (cleared if it fires again). */
  endsAt?: number;
  joinedAt: number;
};

export type TimelineEntry = {
  id: number;
  incidentId: number;
  at: number;
  kind: string;
  actor?: string;
  message: string;
  data?: unknown;
};

type IncidentRow = {
  id: number;
  title: string;
  status: IncidentStatus;
  severity: string;
  priority: IncidentRecord["priority"];
  group_key: string;
  assignee: string | null;
  snoozed_until: number | null;
  root_cause: string | null;
  created_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
};

type AlertRow = {
  incident_id: number;
  fingerprint: string;
  labels: string;
  annotations: string;
  starts_at: number;
  ends_at: number | null;
  joined_at: number;
};

type TimelineRow = {
  id: number;
  incident_id: number;
  at: number;
  kind: string;
  actor: string | null;
  message: string;
  data: string | null;
};

/** A JSON column read back; a damaged one reads as `fallback` rather than failing the whole list. */
function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) {
    return fallback;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function incidentOf(r: IncidentRow): IncidentRecord {
  const rootCause = parseJson<RootCause | undefined>(r.root_cause, undefined);
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    severity: r.severity,
    priority: r.priority,
    groupKey: r.group_key,
    ...(r.assignee === null ? {} : { assignee: r.assignee }),
    ...(r.snoozed_until === null ? {} : { snoozedUntil: r.snoozed_until }),
    ...(rootCause === undefined ? {} : { rootCause }),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.acknowledged_at === null ? {} : { acknowledgedAt: r.acknowledged_at }),
    ...(r.acknowledged_by === null ? {} : { acknowledgedBy: r.acknowledged_by }),
    ...(r.resolved_at === null ? {} : { resolvedAt: r.resolved_at }),
    ...(r.resolved_by === null ? {} : { resolvedBy: r.resolved_by }),
  };
}

function alertOf(r: AlertRow): IncidentAlertRecord {
  return {
    incidentId: r.incident_id,
    fingerprint: r.fingerprint,
    labels: parseJson(r.labels, {}),
    annotations: parseJson(r.annotations, {}),
    startsAt: r.starts_at,
    ...(r.ends_at === null ? {} : { endsAt: r.ends_at }),
    joinedAt: r.joined_at,
  };
}

function entryOf(r: TimelineRow): TimelineEntry {
  return {
    id: r.id,
    incidentId: r.incident_id,
    at: r.at,
    kind: r.kind,
    ...(r.actor === null ? {} : { actor: r.actor }),
    message: r.message,
    ...(r.data === null ? {} : { data: parseJson<unknown>(r.data, null) }),
  };
}

function rowParams(r: Omit<IncidentRecord, "id">) {
  return {
    title: r.title,
    status: r.status,
    severity: r.severity,
    priority: r.priority,
    group_key: r.groupKey,
    assignee: r.assignee ?? null,
    snoozed_until: r.snoozedUntil ?? null,
    root_cause: r.rootCause === undefined ? null : JSON.stringify(r.rootCause),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    acknowledged_at: r.acknowledgedAt ?? null,
    acknowledged_by: r.acknowledgedBy ?? null,
    resolved_at: r.resolvedAt ?? null,
    resolved_by: r.resolvedBy ?? null,
  };
}

export class IncidentRepository {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one transaction (nested calls join the outer one, as better-sqlite3 does). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insert(r: Omit<IncidentRecord, "id">): number {
    const info = this.db
      .prepare(
        `INSERT INTO incidents (title, status, severity, priority, group_key, assignee, snoozed_until,
           root_cause, created_at, updated_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by)
         VALUES (@title, @status, @severity, @priority, @group_key, @assignee, @snoozed_until,
           @root_cause, @created_at, @updated_at, @acknowledged_at, @acknowledged_by, @resolved_at, @resolved_by)`,
      )
      .run(rowParams(r));
    return Number(info.lastInsertRowid);
  }

  update(r: IncidentRecord): void {
    this.db
      .prepare(
        `UPDATE incidents SET title = @title, status = @status, severity = @severity, priority = @priority,
           group_key = @group_key, assignee = @assignee, snoozed_until = @snoozed_until,
           root_cause = @root_cause, updated_at = @updated_at, acknowledged_at = @acknowledged_at,
           acknowledged_by = @acknowledged_by, resolved_at = @resolved_at, resolved_by = @resolved_by
         WHERE id = @id`,
      )
      .run({ ...rowParams(r), id: r.id });
  }

  get(id: number): IncidentRecord | undefined {
    const row = this.db.prepare("SELECT * FROM incidents WHERE id = ?").get(id) as IncidentRow | undefined;
    return row === undefined ? undefined : incidentOf(row);
  }

  /** Incidents not resolved, oldest first: what the manager correlates new alerts against. */
  open(): IncidentRecord[] {
    return (
      this.db.prepare("SELECT * FROM incidents WHERE status != 'resolved' ORDER BY id").all() as IncidentRow[]
    ).map(incidentOf);
  }

  /** Newest first; `status` filters, `limit` bounds the answer. */
  list(opts: { statuses?: readonly IncidentStatus[]; limit: number }): IncidentRecord[] {
    const statuses = opts.statuses ?? [];
    const where = statuses.length > 0 ? `WHERE status IN (${statuses.map(() => "?").join(", ")})` : "";
    return (
      this.db
        .prepare(`SELECT * FROM incidents ${where} ORDER BY id DESC LIMIT ?`)
        .all(...statuses, opts.limit) as IncidentRow[]
    ).map(incidentOf);
  }

  putAlert(a: IncidentAlertRecord): void {
    this.db
      .prepare(
        `INSERT INTO incident_alerts (incident_id, fingerprint, labels, annotations, starts_at, ends_at, joined_at)
         VALUES (@incident_id, @fingerprint, @labels, @annotations, @starts_at, @ends_at, @joined_at)
         ON CONFLICT (incident_id, fingerprint) DO UPDATE SET labels = excluded.labels,
           annotations = excluded.annotations, starts_at = excluded.starts_at, ends_at = excluded.ends_at`,
      )
      .run({
        incident_id: a.incidentId,
        fingerprint: a.fingerprint,
        labels: JSON.stringify(a.labels),
        annotations: JSON.stringify(a.annotations),
        starts_at: a.startsAt,
        ends_at: a.endsAt ?? null,
        joined_at: a.joinedAt,
      });
  }

  /** Moves every alert of `from` into `to` (a merge); alerts `to` already holds stay as they are. */
  moveAlerts(from: number, to: number): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO incident_alerts (incident_id, fingerprint, labels, annotations, starts_at, ends_at, joined_at)
         SELECT ?, fingerprint, labels, annotations, starts_at, ends_at, joined_at FROM incident_alerts WHERE incident_id = ?`,
      )
      .run(to, from);
    this.db.prepare("DELETE FROM incident_alerts WHERE incident_id = ?").run(from);
  }

  alerts(incidentId: number): IncidentAlertRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM incident_alerts WHERE incident_id = ? ORDER BY starts_at, fingerprint")
        .all(incidentId) as AlertRow[]
    ).map(alertOf);
  }

  /**
   * When someone first acknowledged the alarm that activated at `activatedAt`: the earliest
   * acknowledgement of an incident the alert belonged to, counted from the later of that
   * acknowledgement and the alert joining (an alert joining an incident already acknowledged is
   * acknowledged on joining), never before the activation. Alarm KPIs read MTTA from it.
   */
  acknowledgedAt(fingerprint: string, activatedAt: number): number | undefined {
    const row = this.db
      .prepare(
        `SELECT MIN(MAX(i.acknowledged_at, a.joined_at)) AS at FROM incident_alerts a
           JOIN incidents i ON i.id = a.incident_id
           WHERE a.fingerprint = ? AND i.acknowledged_at IS NOT NULL
             AND MAX(i.acknowledged_at, a.joined_at) >= ?`,
      )
      .get(fingerprint, activatedAt) as { at: number | null } | undefined;
    return row?.at ?? undefined;
  }

  /** Alerts still firing on incidents resolved since `since` (resolved by hand while they fired). */
  firingOnResolved(since: number): { fingerprint: string; incidentId: number }[] {
    return this.db
      .prepare(
        `SELECT a.fingerprint AS fingerprint, a.incident_id AS incidentId FROM incident_alerts a
           JOIN incidents i ON i.id = a.incident_id
           WHERE i.status = 'resolved' AND i.resolved_at >= ? AND a.ends_at IS NULL
           ORDER BY a.incident_id`,
      )
      .all(since) as { fingerprint: string; incidentId: number }[];
  }

  append(e: Omit<TimelineEntry, "id">): number {
    const info = this.db
      .prepare(
        "INSERT INTO incident_timeline (incident_id, at, kind, actor, message, data) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(
        e.incidentId,
        e.at,
        e.kind,
        e.actor ?? null,
        e.message,
        e.data === undefined ? null : JSON.stringify(e.data),
      );
    return Number(info.lastInsertRowid);
  }

  /** The incident's timeline, oldest first, at most `limit` entries (the newest ones). */
  timeline(incidentId: number, limit = 1000): TimelineEntry[] {
    return (
      this.db
        .prepare("SELECT * FROM incident_timeline WHERE incident_id = ? ORDER BY id DESC LIMIT ?")
        .all(incidentId, limit) as TimelineRow[]
    )
      .reverse()
      .map(entryOf);
  }

  /** Records one use of a link; false when its nonce was used before (the link is spent). */
  useLink(nonce: string, incidentId: number, at: number, expiresAt: number): boolean {
    const info = this.db
      .prepare(
        "INSERT OR IGNORE INTO incident_link_uses (nonce, incident_id, used_at, expires_at) VALUES (?, ?, ?, ?)",
      )
      .run(nonce, incidentId, at, expiresAt);
    return info.changes === 1;
  }

  linkUsed(nonce: string): boolean {
    return this.db.prepare("SELECT 1 FROM incident_link_uses WHERE nonce = ?").get(nonce) !== undefined;
  }

  /** Forgets uses of links that expired: an expired link is refused by its expiry alone. */
  pruneLinkUses(now: number): number {
    return this.db.prepare("DELETE FROM incident_link_uses WHERE expires_at < ?").run(now).changes;
  }
}
