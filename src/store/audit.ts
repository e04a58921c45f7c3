// The audit trail: one record per mutating API call (who, what, when, outcome). Append-only.
import type { Db } from "./db.js";

/** Who acted, unambiguously: a token and a user may share a name, never a kind and id. */
export type AuditPrincipal = { kind: "token" | "user"; id: string };

export type AuditRecord = {
  id: number;
  at: number;
  /** Display name and role, e.g. "alice (operator)"; "anonymous" without a credential. */
  actor: string;
  /** The credential: a session's user or an API token (absent for anonymous calls). */
  principal?: AuditPrincipal;
  /** The person behind it: a session's user, or the user a token belongs to (absent for service tokens). */
  user?: { id: string; name: string };
  action: string;
  target: string;
  outcome: "success" | "denied" | "failed";
  status: number;
  detail?: string;
};

type Row = Omit<AuditRecord, "detail" | "principal" | "user"> & {
  detail: string | null;
  principal_kind: AuditPrincipal["kind"] | null;
  principal_id: string | null;
  user_id: string | null;
  user_name: string | null;
};

export class AuditRepository {
  constructor(private readonly db: Db) {}

  append(r: Omit<AuditRecord, "id">): number {
    const res = this.db
      .prepare(
        `INSERT INTO audit (at, actor, action, target, outcome, status, detail, principal_kind, principal_id, user_id, user_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.at,
        r.actor,
        r.action,
        r.target,
        r.outcome,
        r.status,
        r.detail ?? null,
        r.principal?.kind ?? null,
        r.principal?.id ?? null,
        r.user?.id ?? null,
        r.user?.name ?? null,
      );
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
    return rows.map(({ detail, principal_kind, principal_id, user_id, user_name, ...r }) => ({
      ...r,
      ...(detail === null ? {} : { detail }),
      ...(principal_kind === null || principal_id === null
        ? {}
        : { principal: { kind: principal_kind, id: principal_id } }),
      ...(user_id === null ? {} : { user: { id: user_id, name: user_name ?? "" } }),
    }));
  }
}
