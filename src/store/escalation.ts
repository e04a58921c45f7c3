// Escalation policies (JSON specs by name) and the escalation state of each incident: where its
// chain stands and when its next step is due. The runner (src/alerting/escalation/) owns the logic;
// this file only reads and writes rows, synchronously, so it joins the caller's transaction.
import type { Db } from "./db.js";

export type StoredPolicy = {
  name: string;
  spec: unknown;
  revision: number;
  updatedAt: number;
  updatedBy: string;
};

export type EscalationState = "active" | "acknowledged" | "exhausted" | "resolved";

export type EscalationRow = {
  incidentId: number;
  policy: string;
  /** The policy's levels as they were when the chain started (an edit applies to the next trigger). */
  levels: unknown;
  repeatLimit: number;
  ackTimeoutMs?: number;
  state: EscalationState;
  /** Counts triggers of the incident (opened, snooze or acknowledgement timeout ended): part of every key. */
  cycle: number;
  /** The level to notify next (0-based). */
  level: number;
  /** Passes through the levels already completed in this cycle. */
  repeat: number;
  /** When the next level is due (ms); absent when nothing is due. */
  nextAt?: number;
  ackTimeoutAt?: number;
  ackTimeoutArmed: boolean;
  /** The incident's trigger notification (JSON), the template of every page. */
  notification: string;
  /** Channels paged in this cycle, so acknowledge and resolve reach them too. */
  notified: string[];
  updatedAt: number;
};

type PolicyRow = { name: string; spec: string; revision: number; updated_at: number; updated_by: string };
type StateRow = {
  incident_id: number;
  policy: string;
  levels: string;
  repeat_limit: number;
  ack_timeout_ms: number | null;
  state: EscalationState;
  cycle: number;
  level: number;
  repeat: number;
  next_at: number | null;
  ack_timeout_at: number | null;
  ack_timeout_armed: number;
  notification: string;
  notified: string;
  updated_at: number;
};

export class EscalationPolicyRepository {
  constructor(private readonly db: Db) {}

  list(): StoredPolicy[] {
    return (this.db.prepare("SELECT * FROM escalation_policies ORDER BY name").all() as PolicyRow[]).map(
      toPolicy,
    );
  }

  get(name: string): StoredPolicy | undefined {
    const r = this.db.prepare("SELECT * FROM escalation_policies WHERE name = ?").get(name) as
      PolicyRow | undefined;
    return r && toPolicy(r);
  }

  /** Creates or replaces; answers whether it was created. */
  put(name: string, spec: unknown, at: number, by: string): { created: boolean; revision: number } {
    return this.db.transaction(() => {
      const prev = this.get(name);
      const revision = (prev?.revision ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO escalation_policies (name, spec, revision, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, revision = excluded.revision,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(name, JSON.stringify(spec), revision, at, by);
      return { created: prev === undefined, revision };
    })();
  }

  remove(name: string): boolean {
    return this.db.prepare("DELETE FROM escalation_policies WHERE name = ?").run(name).changes > 0;
  }
}

export class EscalationStateRepository {
  constructor(private readonly db: Db) {}

  get(incidentId: number): EscalationRow | undefined {
    const r = this.db.prepare("SELECT * FROM escalations WHERE incident_id = ?").get(incidentId) as
      StateRow | undefined;
    return r && toState(r);
  }

  /** Rows with a step due at or before `at`, oldest due first. */
  due(at: number): EscalationRow[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM escalations WHERE state = 'active' AND next_at <= ? ORDER BY next_at LIMIT 1000",
        )
        .all(at) as StateRow[]
    ).map(toState);
  }

  nextDueAt(): number | undefined {
    const r = this.db.prepare("SELECT MIN(next_at) AS at FROM escalations WHERE state = 'active'").get() as {
      at: number | null;
    };
    return r.at ?? undefined;
  }

  /** Acknowledged chains whose acknowledgement timeout has not been handed to the incident yet. */
  unarmedAckTimeouts(): EscalationRow[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM escalations WHERE state = 'acknowledged' AND ack_timeout_at IS NOT NULL AND ack_timeout_armed = 0",
        )
        .all() as StateRow[]
    ).map(toState);
  }

  save(r: EscalationRow): void {
    this.db
      .prepare(
        `INSERT INTO escalations (incident_id, policy, levels, repeat_limit, ack_timeout_ms, state, cycle, level,
           repeat, next_at, ack_timeout_at, ack_timeout_armed, notification, notified, updated_at)
         VALUES (@incidentId, @policy, @levels, @repeatLimit, @ackTimeoutMs, @state, @cycle, @level, @repeat,
           @nextAt, @ackTimeoutAt, @ackTimeoutArmed, @notification, @notified, @updatedAt)
         ON CONFLICT (incident_id) DO UPDATE SET policy = excluded.policy, levels = excluded.levels,
           repeat_limit = excluded.repeat_limit, ack_timeout_ms = excluded.ack_timeout_ms, state = excluded.state,
           cycle = excluded.cycle, level = excluded.level, repeat = excluded.repeat, next_at = excluded.next_at,
           ack_timeout_at = excluded.ack_timeout_at, ack_timeout_armed = excluded.ack_timeout_armed,
           notification = excluded.notification, notified = excluded.notified, updated_at = excluded.updated_at`,
      )
      .run({
        incidentId: r.incidentId,
        policy: r.policy,
        levels: JSON.stringify(r.levels),
        repeatLimit: r.repeatLimit,
        ackTimeoutMs: r.ackTimeoutMs ?? null,
        state: r.state,
        cycle: r.cycle,
        level: r.level,
        repeat: r.repeat,
        nextAt: r.nextAt ?? null,
        ackTimeoutAt: r.ackTimeoutAt ?? null,
        ackTimeoutArmed: r.ackTimeoutArmed ? 1 : 0,
        notification: r.notification,
        notified: JSON.stringify(r.notified),
        updatedAt: r.updatedAt,
      });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

function toPolicy(r: PolicyRow): StoredPolicy {
  return {
    name: r.name,
    spec: JSON.parse(r.spec) as unknown,
    revision: r.revision,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

function toState(r: StateRow): EscalationRow {
  return {
    incidentId: r.incident_id,
    policy: r.policy,
    levels: JSON.parse(r.levels) as unknown,
    repeatLimit: r.repeat_limit,
    ...(r.ack_timeout_ms === null ? {} : { ackTimeoutMs: r.ack_timeout_ms }),
    state: r.state,
    cycle: r.cycle,
    level: r.level,
    repeat: r.repeat,
    ...(r.next_at === null ? {} : { nextAt: r.next_at }),
    ...(r.ack_timeout_at === null ? {} : { ackTimeoutAt: r.ack_timeout_at }),
    ackTimeoutArmed: r.ack_timeout_armed === 1,
    notification: r.notification,
    notified: JSON.parse(r.notified) as string[],
    updatedAt: r.updated_at,
  };
}
