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
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
};

type Row = {
  id: string;
  name: string;
  role: Role;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
};

const toRecord = (r: Row): TokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  createdAt: r.created_at,
  ...(r.last_used_at === null ? {} : { lastUsedAt: r.last_used_at }),
  ...(r.revoked_at === null ? {} : { revokedAt: r.revoked_at }),
});

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A token's last use is written at most this often: every API call verifies its token. */
const LAST_USED_WRITE_MS = 1000;

export class TokenRepository {
  // Every authenticated request runs these two: compiled once, not per call.
  private readonly byHash: Statement;
  private readonly touch: Statement;
  private readonly lastWritten = new Map<string, number>();

  constructor(private readonly db: Db) {
    this.byHash = db.prepare("SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL");
    this.touch = db.prepare("UPDATE tokens SET last_used_at = ? WHERE id = ?");
  }

  /** Creates a token and returns its plaintext: the only time it exists outside the caller. */
  create(name: string, role: Role): { token: string; record: TokenRecord } {
    const token = `lo_${randomBytes(32).toString("base64url")}`;
    const id = randomUUID();
    const now = Date.now();
    this.db
      .prepare("INSERT INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(id, name, role, hashToken(token), now);
    return { token, record: { id, name, role, createdAt: now } };
  }

  /** The live token with this plaintext, or undefined; records the use (to the second). */
  verify(token: string): TokenRecord | undefined {
    // Looked up on every call, never cached: a revoked token stops working at once.
    const row = this.byHash.get(hashToken(token)) as Row | undefined;
    if (!row) {
      return undefined;
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
    return (this.db.prepare("SELECT * FROM tokens ORDER BY created_at").all() as Row[]).map(toRecord);
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
