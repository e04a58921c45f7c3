// The audit trail: one record per mutating API call (who, what, when, outcome). Append-only.
import type { Db } from "./db.js";

export type AuditRecord = {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: "success" | "denied" | "failed";
  status: number;
  detail?: string;
};

type Row = Omit<AuditRecord, "detail"> & { detail: string | null };

export class AuditRepository {
  constructor(private readonly db: Db) {}

  append(r: Omit<AuditRecord, "id">): number {
    const res = this.db
      .prepare(
        "INSERT INTO audit (at, actor, action, target, outcome, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(r.at, r.actor, r.action, r.target, r.outcome, r.status, r.detail ?? null);
    return Number(res.lastInsertRowid);
  }

  /** Newest first. */
  list(opts: { limit?: number; before?: number; actor?: string } = {}): AuditRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM audit WHERE (@before IS NULL OR id < @before) AND (@actor IS NULL OR actor = @actor)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({ before: opts.before ?? null, actor: opts.actor ?? null, limit: opts.limit ?? 100 }) as Row[];
    return rows.map(({ detail, ...r }) => (detail === null ? r : { ...r, detail }));
  }
}
