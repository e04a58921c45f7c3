// Opens the state database (SQLite, WAL always on) and brings its schema up to date.
import path from "node:path";
import Database from "better-sqlite3";
import { migrations as allMigrations, type Migration } from "./migrations/index.js";
import { privateDir, privateFile } from "./permissions.js";

export type Db = Database.Database;

export function openDb(dataDir: string, migrations: Migration[] = allMigrations): Db {
  privateDir(dataDir);
  const file = path.join(dataDir, "lineops.db");
  // SQLite creates its file 0644 and gives -wal and -shm the database's mode: an empty 0600 file
  // first (a valid empty database) keeps all three private.
  privateFile(file);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL"); // durable across process crashes in WAL mode
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db, migrations);
  return db;
}

export function migrate(db: Db, migrations: Migration[]): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)",
  );
  const applied = new Set(
    db
      .prepare("SELECT version FROM schema_migrations")
      .all()
      .map((r) => (r as { version: number }).version),
  );
  let count = 0;
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) {
      continue;
    }
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        Date.now(),
      );
    })();
    count++;
  }
  return count;
}
