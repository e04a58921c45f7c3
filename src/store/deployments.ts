// Deployments and their event log. The rollout state machine writes its phase and state here at
// every transition, before acting on it, so a restarted control plane knows exactly where it was.
import { randomUUID } from "node:crypto";
import type { Db } from "./db.js";

export const TERMINAL_PHASES = ["Succeeded", "RolledBack", "Failed", "Aborted"] as const;
export type DeploymentPhase =
  "Pending" | "WaitingForGate" | "Progressing" | "Paused" | "RollingBack" | (typeof TERMINAL_PHASES)[number];

export type DeploymentRecord<S = unknown> = {
  id: string;
  planId?: string;
  service: string;
  fromRevision?: string;
  toRevision: string;
  strategy: unknown;
  phase: DeploymentPhase;
  step: number;
  state: S;
  reason?: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
};

export type DeploymentEvent = {
  id: number;
  deploymentId: string;
  at: number;
  kind: string;
  message: string;
  data?: unknown;
};

type Row = {
  id: string;
  plan_id: string | null;
  service: string;
  from_revision: string | null;
  to_revision: string;
  strategy: string;
  phase: DeploymentPhase;
  step: number;
  state: string;
  reason: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
};

const toRecord = (r: Row): DeploymentRecord => ({
  id: r.id,
  ...(r.plan_id === null ? {} : { planId: r.plan_id }),
  service: r.service,
  ...(r.from_revision === null ? {} : { fromRevision: r.from_revision }),
  toRevision: r.to_revision,
  strategy: JSON.parse(r.strategy) as unknown,
  phase: r.phase,
  step: r.step,
  state: JSON.parse(r.state) as unknown,
  ...(r.reason === null ? {} : { reason: r.reason }),
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.finished_at === null ? {} : { finishedAt: r.finished_at }),
});

export function isTerminal(phase: DeploymentPhase): boolean {
  return (TERMINAL_PHASES as readonly string[]).includes(phase);
}

export class DeploymentRepository {
  constructor(private readonly db: Db) {}

  create(d: {
    service: string;
    planId?: string;
    fromRevision?: string;
    toRevision: string;
    strategy: unknown;
    state: unknown;
    createdBy: string;
  }): DeploymentRecord {
    const id = `dep-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO deployments (id, plan_id, service, from_revision, to_revision, strategy, phase, step, state, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'Pending', 0, ?, ?, ?, ?)`,
      )
      .run(
        id,
        d.planId ?? null,
        d.service,
        d.fromRevision ?? null,
        d.toRevision,
        JSON.stringify(d.strategy),
        JSON.stringify(d.state),
        d.createdBy,
        now,
        now,
      );
    this.event(
      id,
      "created",
      `deployment of ${d.service} to revision ${d.toRevision} created by ${d.createdBy}`,
    );
    return this.get(id) as DeploymentRecord;
  }

  /** Persists a transition; a terminal phase also records the finish time. */
  update(
    id: string,
    patch: { phase?: DeploymentPhase; step?: number; state?: unknown; reason?: string },
  ): DeploymentRecord {
    const current = this.get(id);
    if (!current) {
      throw new Error(`deployment ${id} not found`);
    }
    const phase = patch.phase ?? current.phase;
    const now = Date.now();
    this.db
      .prepare(
        `UPDATE deployments SET phase = ?, step = ?, state = ?, reason = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
      )
      .run(
        phase,
        patch.step ?? current.step,
        JSON.stringify(patch.state ?? current.state),
        patch.reason ?? current.reason ?? null,
        now,
        isTerminal(phase) ? (current.finishedAt ?? now) : null,
        id,
      );
    return this.get(id) as DeploymentRecord;
  }

  event(id: string, kind: string, message: string, data?: unknown): DeploymentEvent {
    const at = Date.now();
    const res = this.db
      .prepare(
        "INSERT INTO deployment_events (deployment_id, at, kind, message, data) VALUES (?, ?, ?, ?, ?)",
      )
      .run(id, at, kind, message, data === undefined ? null : JSON.stringify(data));
    return {
      id: Number(res.lastInsertRowid),
      deploymentId: id,
      at,
      kind,
      message,
      ...(data === undefined ? {} : { data }),
    };
  }

  events(id: string, afterId = 0): DeploymentEvent[] {
    return (
      this.db
        .prepare("SELECT * FROM deployment_events WHERE deployment_id = ? AND id > ? ORDER BY id")
        .all(id, afterId) as {
        id: number;
        deployment_id: string;
        at: number;
        kind: string;
        message: string;
        data: string | null;
      }[]
    ).map((r) => ({
      id: r.id,
      deploymentId: r.deployment_id,
      at: r.at,
      kind: r.kind,
      message: r.message,
      ...(r.data === null ? {} : { data: JSON.parse(r.data) as unknown }),
    }));
  }

  get(id: string): DeploymentRecord | undefined {
    const row = this.db.prepare("SELECT * FROM deployments WHERE id = ?").get(id) as Row | undefined;
    return row && toRecord(row);
  }

  /** Newest first. */
  list(opts: { service?: string; limit?: number } = {}): DeploymentRecord[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM deployments WHERE (@service IS NULL OR service = @service) ORDER BY created_at DESC, id DESC LIMIT @limit",
        )
        .all({ service: opts.service ?? null, limit: opts.limit ?? 100 }) as Row[]
    ).map(toRecord);
  }

  active(): DeploymentRecord[] {
    const placeholders = TERMINAL_PHASES.map(() => "?").join(",");
    return (
      this.db
        .prepare(`SELECT * FROM deployments WHERE phase NOT IN (${placeholders}) ORDER BY created_at`)
        .all(...TERMINAL_PHASES) as Row[]
    ).map(toRecord);
  }
}
