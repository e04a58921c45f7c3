import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { fileTree } from "../test-support/file-tree.js";
import { VERSION } from "../version.js";
import { DB_FILE, knownSchema, openDb, storeFormat } from "./db.js";
import { StoreErrors } from "./errors.js";
import { FrontDoorRepository } from "./front-doors.js";
import { migrations, type Migration } from "./migrations/index.js";
import { RevisionRepository } from "./revisions.js";
import { hashToken, TokenRepository } from "./tokens.js";

const require = createRequire(import.meta.url);
const tmp = () => mkdtempSync(path.join(tmpdir(), "lineops-db-"));

/** A build one migration ahead of this one, as a newer lineops would be. */
const newer: Migration[] = [
  ...migrations,
  { version: knownSchema() + 1, name: "from_the_future", sql: "CREATE TABLE future_things (x TEXT)" },
];

function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error("expected a throw");
}

describe("store format versions", () => {
  it("migrates a database of the oldest schema forward and keeps its data", () => {
    const dir = tmp();
    // Exactly what the first lineops wrote: migration 1 only, no lineops_meta table.
    const old = new Database(path.join(dir, DB_FILE));
    old.pragma("journal_mode = WAL");
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)");
    old.exec(migrations[0]!.sql);
    old.prepare("INSERT INTO schema_migrations VALUES (1, 'init', 1)").run();
    // The token row as the first lineops wrote it (today's TokenRepository reads users, not there yet).
    const token = "lo_first-lineops-token";
    old
      .prepare("INSERT INTO tokens (id, name, role, hash, created_at) VALUES ('t1', 'ci', 'operator', ?, 1)")
      .run(hashToken(token));
    new RevisionRepository(old).apply("plc-gateway", "1.0.0", { version: "1.0.0", args: ["a"] });
    old.close();

    const db = openDb(dir);
    expect(storeFormat(db)).toEqual({
      schema: knownSchema(),
      applied: migrations.map((m) => m.version),
      lastOpenedBy: VERSION,
    });
    expect(new TokenRepository(db).verify(token)?.role).toBe("operator");
    expect(new RevisionRepository(db).current("plc-gateway")?.version).toBe("1.0.0");
    // The tables of the newer migrations are there and usable.
    expect(new FrontDoorRepository(db).assign("plc-gateway", 24001).port).toBe(24001);
    db.close();
  });

  it("refuses a database written by a newer lineops and leaves every file as it was", () => {
    const dir = tmp();
    const byNewer = openDb(dir, newer, "9.9.9");
    new FrontDoorRepository(byNewer).assign("line-controller", 24100);
    byNewer.prepare("INSERT INTO future_things VALUES ('x')").run();
    byNewer.close();
    const before = fileTree(dir);

    const err = thrown(() => openDb(dir));
    expect(err.code).toBe(StoreErrors.newerSchema.code);
    expect(err.message).toBe(
      `${path.join(dir, DB_FILE)} (schema ${knownSchema() + 1}) was written by a newer lineops (9.9.9) than ` +
        `this one (${VERSION}, knows schema ${knownSchema()}): refusing to start so nothing is corrupted; ` +
        "run the newer version or restore a backup",
    );
    expect(fileTree(dir)).toEqual(before);
    // The newer lineops still opens it, with its data.
    const again = openDb(dir, newer, "9.9.9");
    expect(new FrontDoorRepository(again).get("line-controller")?.port).toBe(24100);
    again.close();
  });

  it("refuses a newer database whose WAL holds writes not yet in lineops.db (the newer lineops was killed)", () => {
    const dir = tmp();
    openDb(dir, newer, "9.9.9").close();
    // A newer lineops writes, then dies by SIGKILL: its writes live only in lineops.db-wal.
    const killed = spawnSync(process.execPath, [
      "-e",
      `const db = new (require(${JSON.stringify(require.resolve("better-sqlite3"))}))(${JSON.stringify(path.join(dir, DB_FILE))});
       db.pragma("wal_autocheckpoint = 0");
       db.prepare("INSERT INTO front_doors VALUES ('line-controller', 24100, 1)").run();
       process.kill(process.pid, "SIGKILL");`,
    ]);
    expect(killed.signal).toBe("SIGKILL");
    // The -shm is SQLite's shared-memory index of the WAL, rebuilt by any reader: not state.
    const state = () =>
      Object.fromEntries(Object.entries(fileTree(dir)).filter(([f]) => !f.endsWith("-shm")));
    const before = state();
    expect(before[`${DB_FILE}-wal`]).toBeDefined();
    expect(thrown(() => openDb(dir)).code).toBe(StoreErrors.newerSchema.code);
    expect(state()).toEqual(before);
    const again = openDb(dir, newer, "9.9.9");
    expect(new FrontDoorRepository(again).get("line-controller")?.port).toBe(24100);
    again.close();
  });

  it("refuses a file that is not a database without changing it", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, DB_FILE), "not a database, just text that is long enough to have a header");
    const before = fileTree(dir);
    const err = thrown(() => openDb(dir));
    expect(err.code).toBe(StoreErrors.unreadable.code);
    expect(err.message).toContain(path.join(dir, DB_FILE));
    expect(fileTree(dir)).toEqual(before);
  });

  it("records which lineops last opened the store", () => {
    const dir = tmp();
    openDb(dir, migrations, "0.1.0").close();
    const db = openDb(dir, migrations, "0.2.0");
    expect(storeFormat(db).lastOpenedBy).toBe("0.2.0");
    db.close();
  });

  it("opens the empty file a first start left behind as a new store", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, DB_FILE), "");
    const db = openDb(dir);
    expect(storeFormat(db).schema).toBe(knownSchema());
    db.close();
  });
});
