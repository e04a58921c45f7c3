// API tokens: only a SHA-256 hash is stored. Tokens are 256-bit random values, so a fast hash is
// enough (no dictionary to guess from); the plaintext is shown once, at creation.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Statement } from "better-sqlite3";
import type { Db } from "./db.js";

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export type TokenRecord = {
  id: string;
  name: string;
  role: Role;
  /** The person the token acts for (absent: a service token, e.g. a CI pipeline's). */
  user?: { id: string; name: string };
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
};

type Row = {
  id: string;
  name: string;
  role: Role;
  user_id: string | null;
  user_name: string | null;
  user_role: Role | null;
  user_disabled: 0 | 1 | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
};

const toRecord = (r: Row): TokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  ...(r.user_id === null ? {} : { user: { id: r.user_id, name: r.user_name ?? "" } }),
  createdAt: r.created_at,
  ...(r.last_used_at === null ? {} : { lastUsedAt: r.last_used_at }),
  ...(r.revoked_at === null ? {} : { revokedAt: r.revoked_at }),
});

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** The token with its user's name, role and disabled flag (NULL for service tokens). */
const SELECT = `SELECT t.*, u.name AS user_name, u.role AS user_role, u.disabled AS user_disabled
  FROM tokens t LEFT JOIN users u ON u.id = t.user_id`;

/** A token's last use is written at most this often: every API call verifies its token. */
const LAST_USED_WRITE_MS = 1000;

export class TokenRepository {
  // Every authenticated request runs these two: compiled once, not per call.
  private readonly byHash: Statement;
  private readonly touch: Statement;
  private readonly lastWritten = new Map<string, number>();

  constructor(private readonly db: Db) {
    this.byHash = db.prepare(`${SELECT} WHERE t.hash = ? AND t.revoked_at IS NULL`);
    this.touch = db.prepare("UPDATE tokens SET last_used_at = ? WHERE id = ?");
  }

  /**
   * Creates a token and returns its plaintext: the only time it exists outside the caller. With a
   * user, the token acts for that person: it works while they are enabled, never beyond their role,
   * and goes when they are removed.
   */
  create(
    name: string,
    role: Role,
    user?: { id: string; name: string },
  ): { token: string; record: TokenRecord } {
    const token = `lo_${randomBytes(32).toString("base64url")}`;
    const id = randomUUID();
    const now = Date.now();
    this.db
      .prepare("INSERT INTO tokens (id, name, role, hash, created_at, user_id) VALUES (?, ?, ?, ?, ?, ?)")
      .run(id, name, role, hashToken(token), now, user?.id ?? null);
    return { token, record: { id, name, role, ...(user ? { user } : {}), createdAt: now } };
  }

  /** The live token with this plaintext, or undefined; records the use (to the second). */
  verify(token: string): TokenRecord | undefined {
    // Looked up on every call, never cached: a revoked token stops working at once.
    const row = this.byHash.get(hashToken(token)) as Row | undefined;
    if (!row || (row.user_id !== null && (row.user_disabled !== 0 || row.user_role === null))) {
      return undefined; // a disabled user's tokens stop with their sign-ins
    }
    if (row.user_role !== null && RANK[row.user_role] < RANK[row.role]) {
      row.role = row.user_role; // a user's token never does more than the user may
    }
    const now = Date.now();
    if (now - (this.lastWritten.get(row.id) ?? 0) >= LAST_USED_WRITE_MS) {
      this.touch.run(now, row.id);
      this.lastWritten.set(row.id, now);
      row.last_used_at = now;
    }
    return toRecord(row);
  }

  list(): TokenRecord[] {
    return (this.db.prepare(`${SELECT} ORDER BY t.created_at`).all() as Row[]).map(toRecord);
  }

  revoke(id: string): boolean {
    return (
      this.db
        .prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .run(Date.now(), id).changes > 0
    );
  }

  count(): number {
    return (
      this.db.prepare("SELECT count(*) AS n FROM tokens WHERE revoked_at IS NULL").get() as { n: number }
    ).n;
  }
}
