import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AuditRepository } from "./audit.js";
import { openDb } from "./db.js";
import { migrations } from "./migrations/index.js";
import { RevisionRepository } from "./revisions.js";
import { hashToken, TokenRepository } from "./tokens.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "lineops-store-"));

describe("state store", () => {
  it("runs in WAL mode and applies migrations once", () => {
    const dir = tmp();
    const db = openDb(dir);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    const again = openDb(dir);
    expect((again.prepare("SELECT count(*) AS n FROM schema_migrations").get() as { n: number }).n).toBe(
      migrations.length,
    );
    again.close();
  });

  it("stores only token hashes and verifies plaintext", () => {
    const db = openDb(tmp());
    const tokens = new TokenRepository(db);
    const { token, record } = tokens.create("ci", "operator");
    const raw = JSON.stringify(db.prepare("SELECT * FROM tokens").all());
    expect(raw).not.toContain(token);
    expect(raw).toContain(hashToken(token));
    const used = tokens.verify(token);
    expect(used?.role).toBe("operator");
    // The use is recorded (at most once a second, since every API call verifies).
    expect(used?.lastUsedAt).toBeGreaterThanOrEqual(record.createdAt);
    expect(tokens.list()[0]?.lastUsedAt).toBe(used?.lastUsedAt);
    expect(tokens.verify(token + "x")).toBeUndefined();
    // Revocation is seen at once, even right after a verified use.
    expect(tokens.revoke(record.id)).toBe(true);
    expect(tokens.verify(token)).toBeUndefined();
  });

  it("makes each distinct spec an immutable numbered revision", () => {
    const db = openDb(tmp());
    const revs = new RevisionRepository(db);
    const a = revs.apply("plc-gateway", "1.0.0", { version: "1.0.0", args: ["a"] });
    const same = revs.apply("plc-gateway", "1.0.0", { args: ["a"], version: "1.0.0" });
    expect(same.created).toBe(false);
    expect(same.revision.hash).toBe(a.revision.hash);
    const b = revs.apply("plc-gateway", "1.1.0", { version: "1.1.0", args: ["a"] });
    expect(b.revision.number).toBe(2);
    expect(revs.current("plc-gateway")?.version).toBe("1.1.0");
    expect(revs.history("plc-gateway").map((r) => r.number)).toEqual([2, 1]);
    expect(revs.get("plc-gateway", "1")?.hash).toBe(a.revision.hash);
  });

  it("appends audit records newest first", () => {
    const audit = new AuditRepository(openDb(tmp()));
    audit.append({ at: 1, actor: "admin", action: "POST /x", target: "x", outcome: "success", status: 200 });
    audit.append({ at: 2, actor: "bob", action: "DELETE /y", target: "y", outcome: "denied", status: 403 });
    expect(audit.list().map((r) => r.actor)).toEqual(["bob", "admin"]);
    expect(audit.list({ actor: "admin" })).toHaveLength(1);
  });
});
