// Users and sessions on a real SQLite store with a manual clock: expiry, revocation, what is stored.
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/line.js";
import { ManualClock } from "../test-support/manual-clock.js";
import { openDb, type Db } from "./db.js";
import { hashSessionId, MAX_SESSIONS_PER_USER, SESSION_TOUCH_MS, SessionRepository } from "./sessions.js";
import { UserRepository } from "./users.js";

const HOUR = 3600_000;
const policy = { idleMs: 12 * HOUR, absoluteMs: 7 * 24 * HOUR };
const dbs: Db[] = [];

function setup(dir = tempDir("lineops-sessions-")) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 8));
  const db = openDb(dir);
  dbs.push(db);
  const now = () => clock.now();
  const users = new UserRepository(db, now);
  const sessions = new SessionRepository(db, policy, now);
  const alice = users.create("alice", "operator", "$argon2id$fake-hash") ?? expect.fail("no user");
  return { dir, db, clock, users, sessions, alice };
}

afterEach(() => {
  for (const db of dbs.splice(0)) {
    if (db.open) {
      db.close();
    }
  }
});

describe("UserRepository", () => {
  it("creates, refuses a taken name, lists without hashes, updates and removes", async () => {
    const { users, clock } = setup();
    expect(users.create("alice", "viewer", "h")).toBeUndefined();
    expect(users.list().map((u) => [u.name, u.role, u.disabled])).toEqual([["alice", "operator", false]]);
    expect(JSON.stringify(users.list())).not.toContain("fake-hash");
    expect(users.credentials("alice")?.passwordHash).toBe("$argon2id$fake-hash");
    await clock.advance(1000);
    const changed = users.update("alice", { role: "admin" });
    expect(changed?.user).toMatchObject({ role: "admin", disabled: false, updatedAt: clock.now() });
    expect(users.update("nobody", { role: "admin" })).toBeUndefined();
    expect(users.remove("alice")).toEqual({ sessionsEnded: 0 });
    expect(users.remove("alice")).toBeUndefined();
    expect(users.count()).toBe(0);
  });
});

describe("SessionRepository", () => {
  it("stores only a hash of the session id", () => {
    const { db, sessions, alice } = setup();
    const { id } = sessions.create(alice);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = db.prepare("SELECT * FROM sessions").all();
    expect(rows).toEqual([expect.objectContaining({ id_hash: hashSessionId(id), user_id: alice.id })]);
    expect(JSON.stringify(rows)).not.toContain(id);
  });

  it("finds a live session with its user's current role, and nothing for an unknown id", () => {
    const { sessions, users, alice } = setup();
    const { id } = sessions.create(alice);
    expect(sessions.lookup(id)?.user).toMatchObject({ name: "alice", role: "operator" });
    users.update("alice", { role: "viewer" });
    expect(sessions.lookup(id)?.user.role).toBe("viewer"); // no re-sign-in needed for a role change
    expect(sessions.lookup("x".repeat(43))).toBeUndefined();
  });

  it("ends after the idle timeout, and each use (written once a minute) pushes that back", async () => {
    const { sessions, clock, alice } = setup();
    const { id } = sessions.create(alice);
    await clock.advance(policy.idleMs - 1);
    expect(sessions.lookup(id)?.lastSeenAt).toBe(clock.now()); // used: idle counts from now
    await clock.advance(SESSION_TOUCH_MS - 1);
    const s = sessions.lookup(id);
    expect(s?.lastSeenAt).toBe(clock.now() - (SESSION_TOUCH_MS - 1)); // not written again yet
    await clock.advance(policy.idleMs - SESSION_TOUCH_MS + 1);
    expect(sessions.lookup(id)).toBeUndefined();
    expect(sessions.count()).toBe(0);
  });

  it("ends at its absolute lifetime however busy it is", async () => {
    const { sessions, clock, alice } = setup();
    const { id, session } = sessions.create(alice);
    expect(session.absoluteExpiresAt - session.createdAt).toBe(policy.absoluteMs);
    for (let t = 0; t + HOUR < policy.absoluteMs; t += HOUR) {
      await clock.advance(HOUR);
      expect(sessions.lookup(id), `after ${t / HOUR + 1} h`).toBeDefined();
    }
    await clock.advance(policy.absoluteMs - (clock.now() - session.createdAt));
    expect(sessions.lookup(id)).toBeUndefined();
  });

  it("ends every session of a user on a password change, disabling and removal", () => {
    const { sessions, users, alice } = setup();
    const bob = users.create("bob", "viewer", "h") ?? expect.fail("no user");
    const a1 = sessions.create(alice).id;
    const a2 = sessions.create(alice).id;
    const b1 = sessions.create(bob).id;
    expect(users.setPassword("alice", "new-hash")).toEqual({ sessionsEnded: 2 });
    expect([sessions.lookup(a1), sessions.lookup(a2)]).toEqual([undefined, undefined]);
    expect(sessions.lookup(b1)).toBeDefined();
    const a3 = sessions.create(alice).id;
    expect(users.update("alice", { disabled: true })?.sessionsEnded).toBe(1);
    expect(sessions.lookup(a3)).toBeUndefined();
    expect(users.remove("bob")).toEqual({ sessionsEnded: 1 });
    expect(sessions.lookup(b1)).toBeUndefined();
  });

  it("ends one session on sign-out and keeps the others", () => {
    const { sessions, alice } = setup();
    const a1 = sessions.create(alice).id;
    const a2 = sessions.create(alice).id;
    expect(sessions.end(a1)).toBe(true);
    expect(sessions.end(a1)).toBe(false);
    expect(sessions.lookup(a2)).toBeDefined();
  });

  it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions per user, ending the oldest`, async () => {
    const { sessions, clock, alice } = setup();
    const ids: string[] = [];
    for (let i = 0; i < MAX_SESSIONS_PER_USER + 3; i++) {
      await clock.advance(1);
      ids.push(sessions.create(alice).id);
    }
    expect(sessions.count(alice.id)).toBe(MAX_SESSIONS_PER_USER);
    expect(ids.slice(0, 3).map((id) => sessions.lookup(id))).toEqual([undefined, undefined, undefined]);
    expect(sessions.lookup(ids.at(-1) as string)).toBeDefined();
  });

  it("survives closing and reopening the store (a restart)", () => {
    const first = setup();
    const { id } = first.sessions.create(first.alice);
    first.db.close();
    const db = openDb(first.dir);
    dbs.push(db);
    const again = new SessionRepository(db, policy, () => first.clock.now());
    expect(again.lookup(id)?.user.name).toBe("alice");
  });
});
