// Sign-in sessions, server side: a row per session holding only the SHA-256 of its id (the id is a
// 256-bit random value, so a fast hash suffices and a copy of the database signs no one in). A
// session ends at the first of: idle timeout since its last request, absolute lifetime since sign-in,
// sign-out, the user's password change, disabling or removal. Rows live in SQLite: a restart keeps them.
import { createHash, randomBytes } from "node:crypto";
import type { Statement } from "better-sqlite3";
import type { Db } from "./db.js";
import type { UserRecord } from "./users.js";

export type SessionPolicy = {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
};

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 12 * 3600_000, absoluteMs: 7 * 24 * 3600_000 };

export type ActiveSession = {
  user: UserRecord;
  createdAt: number;
  lastSeenAt: number;
  /** When the session ends unless used again: the earlier of idle and absolute expiry. */
  expiresAt: number;
  /** The absolute end, whatever the use: the cookie's Max-Age counts down to it. */
  absoluteExpiresAt: number;
};

/**
 * A session's last use is written at most this often: every request through the session reads it.
 * The idle timeout is therefore exact to within this much.
 */
export const SESSION_TOUCH_MS = 60_000;
/** Sign-ins beyond this many live sessions of one user end that user's oldest sessions. */
export const MAX_SESSIONS_PER_USER = 20;

type Row = {
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  name: string;
  role: UserRecord["role"];
  disabled: 0 | 1;
  u_created_at: number;
  updated_at: number;
  password_changed_at: number;
};

export function hashSessionId(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

export class SessionRepository {
  private readonly byHash: Statement;
  private readonly touch: Statement;

  constructor(
    private readonly db: Db,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    private readonly now: () => number = Date.now,
  ) {
    this.byHash = db.prepare(
      `SELECT s.*, u.name, u.role, u.disabled, u.created_at AS u_created_at, u.updated_at, u.password_changed_at
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
    );
    this.touch = db.prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?");
  }

  get lifetime(): SessionPolicy {
    return this.policy;
  }

  /** Starts a session for the user; the returned id is the only copy of it (it goes into the cookie). */
  create(user: UserRecord): { id: string; session: ActiveSession } {
    const id = randomBytes(32).toString("base64url");
    const at = this.now();
    const expires = at + this.policy.absoluteMs;
    this.db.transaction(() => {
      this.purgeExpired();
      this.db
        .prepare(
          "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .run(hashSessionId(id), user.id, at, at, expires);
      // Bounded per user: repeated sign-ins (a script, a kiosk reloading) never grow the table.
      this.db
        .prepare(
          `DELETE FROM sessions WHERE user_id = ? AND id_hash NOT IN
           (SELECT id_hash FROM sessions WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
        )
        .run(user.id, user.id, MAX_SESSIONS_PER_USER);
    })();
    return {
      id,
      session: {
        user,
        createdAt: at,
        lastSeenAt: at,
        expiresAt: Math.min(expires, at + this.policy.idleMs),
        absoluteExpiresAt: expires,
      },
    };
  }

  /**
   * The live session with this id and its user, read fresh (role, disabled) on every call; records
   * the use. An expired session's row is deleted when it is found.
   */
  lookup(id: string): ActiveSession | undefined {
    const row = this.byHash.get(hashSessionId(id)) as Row | undefined;
    if (!row) {
      return undefined;
    }
    const at = this.now();
    if (at >= row.expires_at || at >= row.last_seen_at + this.policy.idleMs || row.disabled === 1) {
      this.db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(row.id_hash);
      return undefined;
    }
    let lastSeen = row.last_seen_at;
    if (at - lastSeen >= SESSION_TOUCH_MS) {
      this.touch.run(at, row.id_hash);
      lastSeen = at;
    }
    return {
      user: {
        id: row.user_id,
        name: row.name,
        role: row.role,
        disabled: false,
        createdAt: row.u_created_at,
        updatedAt: row.updated_at,
        passwordChangedAt: row.password_changed_at,
      },
      createdAt: row.created_at,
      lastSeenAt: lastSeen,
      expiresAt: Math.min(row.expires_at, lastSeen + this.policy.idleMs),
      absoluteExpiresAt: row.expires_at,
    };
  }

  /** Ends one session (sign-out); false if it was not live. */
  end(id: string): boolean {
    return this.db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(hashSessionId(id)).changes > 0;
  }

  /** Live sessions of a user (or of all users), for the admin's overview and tests. */
  count(userId?: string): number {
    const at = this.now();
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM sessions WHERE (@user IS NULL OR user_id = @user)
         AND expires_at > @at AND last_seen_at + @idle > @at`,
      )
      .get({ user: userId ?? null, at, idle: this.policy.idleMs }) as { n: number };
    return row.n;
  }

  /** Deletes every session past its idle or absolute end. */
  purgeExpired(): number {
    const at = this.now();
    return this.db
      .prepare("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?")
      .run(at, at - this.policy.idleMs).changes;
  }
}
