// The people who sign in: name, role, argon2id password hash (computed by the API layer, stored as
// its PHC string), disabled flag. A password change, disabling or removal ends the user's sessions
// in the same transaction, so no request after the change still rides an old session.
import { randomUUID } from "node:crypto";
import type { Db } from "./db.js";
import type { Role } from "./tokens.js";

export type UserRecord = {
  id: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  passwordChangedAt: number;
};

/** A user with the hash: only the sign-in path reads it; never sent, logged or audited. */
export type UserCredentials = UserRecord & { passwordHash: string };

type Row = {
  id: string;
  name: string;
  role: Role;
  password_hash: string;
  disabled: 0 | 1;
  created_at: number;
  updated_at: number;
  password_changed_at: number;
};

const toRecord = (r: Row): UserRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  passwordChangedAt: r.password_changed_at,
});

export class UserRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a user; undefined when the name is taken. */
  create(name: string, role: Role, passwordHash: string): UserRecord | undefined {
    const id = randomUUID();
    const at = this.now();
    const r = this.db
      .prepare(
        `INSERT INTO users (id, name, role, password_hash, disabled, created_at, updated_at, password_changed_at)
         VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      )
      .run(id, name, role, passwordHash, at, at, at);
    return r.changes === 0 ? undefined : this.get(name);
  }

  get(name: string): UserRecord | undefined {
    const row = this.db.prepare("SELECT * FROM users WHERE name = ?").get(name) as Row | undefined;
    return row && toRecord(row);
  }

  byId(id: string): UserRecord | undefined {
    const row = this.db.prepare("SELECT * FROM users WHERE id = ?").get(id) as Row | undefined;
    return row && toRecord(row);
  }

  /** The user with the hash to verify a password against. */
  credentials(name: string): UserCredentials | undefined {
    const row = this.db.prepare("SELECT * FROM users WHERE name = ?").get(name) as Row | undefined;
    return row && { ...toRecord(row), passwordHash: row.password_hash };
  }

  list(): UserRecord[] {
    return (this.db.prepare("SELECT * FROM users ORDER BY name").all() as Row[]).map(toRecord);
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM users").get() as { n: number }).n;
  }

  /** Sets a new hash and ends every session of the user; returns how many ended, or undefined if no such user. */
  setPassword(name: string, passwordHash: string): { sessionsEnded: number } | undefined {
    return this.db.transaction(() => {
      const at = this.now();
      const user = this.get(name);
      if (!user) {
        return undefined;
      }
      this.db
        .prepare("UPDATE users SET password_hash = ?, updated_at = ?, password_changed_at = ? WHERE id = ?")
        .run(passwordHash, at, at, user.id);
      return { sessionsEnded: this.endSessions(user.id) };
    })();
  }

  /** Changes role and/or disabled flag; disabling ends the user's sessions. */
  update(
    name: string,
    change: { role?: Role; disabled?: boolean },
  ): { user: UserRecord; sessionsEnded: number } | undefined {
    return this.db.transaction(() => {
      const user = this.get(name);
      if (!user) {
        return undefined;
      }
      const role = change.role ?? user.role;
      const disabled = change.disabled ?? user.disabled;
      this.db
        .prepare("UPDATE users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?")
        .run(role, disabled ? 1 : 0, this.now(), user.id);
      // A role change needs no session ended: sessions read the user's role on every request.
      const sessionsEnded = disabled ? this.endSessions(user.id) : 0;
      return { user: this.get(name) as UserRecord, sessionsEnded };
    })();
  }

  /** Removes the user (its sessions go with it, ON DELETE CASCADE); false if there was none. */
  remove(name: string): { sessionsEnded: number } | undefined {
    return this.db.transaction(() => {
      const user = this.get(name);
      if (!user) {
        return undefined;
      }
      const sessionsEnded = this.endSessions(user.id);
      this.db.prepare("DELETE FROM users WHERE id = ?").run(user.id);
      return { sessionsEnded };
    })();
  }

  private endSessions(userId: string): number {
    return this.db.prepare("DELETE FROM sessions WHERE user_id = ?").run(userId).changes;
  }
}
