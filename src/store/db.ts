// Opens the state database (SQLite, WAL always on) and brings its schema up to date. The schema is
// versioned by its applied migrations: an older database migrates forward at open; one written by
// a newer lineops (migrations this build does not know) is refused before anything is written.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { VERSION } from "../version.js";
import { StoreErrors } from "./errors.js";
import { migrations as allMigrations, type Migration } from "./migrations/index.js";
import { privateDir, privateFile } from "./permissions.js";

export type Db = Database.Database;

export const DB_FILE = "lineops.db";

/** What a database says about its own format: its applied migrations and who last opened it. */
export type StoreFormat = {
  /** The newest applied migration (0 for a database without any). */
  schema: number;
  applied: number[];
  /** The lineops version that last opened it (absent before lineops recorded it). */
  lastOpenedBy?: string;
};

/**
 * `version`: this build's lineops version, recorded as the last to open the store (tests pass
 * another to play an older or newer lineops).
 */
export function openDb(
  dataDir: string,
  migrations: Migration[] = allMigrations,
  version: string = VERSION,
): Db {
  const file = path.join(dataDir, DB_FILE);
  // Before anything touches the data dir: a newer lineops's database is left exactly as it was.
  refuseNewerStore(file, migrations, version);
  privateDir(dataDir);
  // SQLite creates its file 0644 and gives -wal and -shm the database's mode: an empty 0600 file
  // first (a valid empty database) keeps all three private.
  privateFile(file);
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL"); // durable across process crashes in WAL mode
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db, migrations, { file, version });
    recordOpenedBy(db, version);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** The newest migration a build with `migrations` knows. */
export function knownSchema(migrations: readonly Migration[] = allMigrations): number {
  return Math.max(0, ...migrations.map((m) => m.version));
}

/** Reads a database's format without writing to it; undefined when there is no database yet. */
export function readStoreFormat(file: string): StoreFormat | undefined {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return undefined;
  }
  if (size === 0) {
    return undefined; // the empty file openDb creates first: nothing was ever written
  }
  // A read-only connection never checkpoints the WAL into the database on close (a read-write one
  // would, rewriting lineops.db even when we then refuse it). It does create empty -wal and -shm
  // files if they are missing: those are removed again, so a refused store is left as it was.
  const sidecars = [`${file}-wal`, `${file}-shm`].filter((f) => !fs.existsSync(f));
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    return formatOf(db);
  } catch (err) {
    throw StoreErrors.unreadable(
      `${file} cannot be read as a lineops database (${(err as Error).message}): restore a backup, or move it away to start with an empty store`,
      { cause: err },
    );
  } finally {
    db?.close();
    for (const f of sidecars) {
      removeIfEmptyWal(f);
    }
  }
}

function removeIfEmptyWal(f: string): void {
  try {
    // The -shm is only an index of the -wal: with the -wal empty or gone, nothing is lost.
    if (f.endsWith("-wal") && fs.statSync(f).size > 0) {
      return;
    }
    fs.rmSync(f, { force: true });
  } catch {
    // already gone
  }
}

function formatOf(db: Db): StoreFormat {
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  const applied = tables.has("schema_migrations")
    ? (
        db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]
      ).map((r) => r.version)
    : [];
  const by = tables.has("lineops_meta")
    ? (db.prepare("SELECT value FROM lineops_meta WHERE key = 'last_opened_by'").get() as
        { value: string } | undefined)
    : undefined;
  return {
    schema: Math.max(0, ...applied),
    applied,
    ...(by ? { lastOpenedBy: by.value } : {}),
  };
}

/** Throws newerSchema if the database has a migration that `migrations` does not know. */
function refuseNewerStore(file: string, migrations: readonly Migration[], version: string): void {
  const format = readStoreFormat(file);
  if (format) {
    refuseNewer(file, format, migrations, version);
  }
}

function refuseNewer(
  file: string,
  format: StoreFormat,
  migrations: readonly Migration[],
  version: string,
): void {
  const known = new Set(migrations.map((m) => m.version));
  const unknown = format.applied.filter((v) => !known.has(v));
  if (unknown.length === 0) {
    return;
  }
  const writer = format.lastOpenedBy ? ` (${format.lastOpenedBy})` : "";
  throw StoreErrors.newerSchema(
    `${file} (schema ${format.schema}) was written by a newer lineops${writer} than this one ` +
      `(${version}, knows schema ${knownSchema(migrations)}): refusing to start so nothing is corrupted; ` +
      "run the newer version or restore a backup",
  );
}

/**
 * Applies the migrations the database lacks, each in its own transaction; returns how many. Refuses
 * (before writing) a database with migrations it does not know. `file`/`version` name the database
 * and this lineops in that error.
 */
export function migrate(
  db: Db,
  migrations: Migration[],
  who: { file?: string; version?: string } = {},
): number {
  const format = formatOf(db);
  refuseNewer(who.file ?? db.name, format, migrations, who.version ?? VERSION);
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)",
  );
  // The store's own bookkeeping (which lineops last opened it), kept outside the numbered migrations
  // so that every build that checks for a newer store also records itself.
  db.exec("CREATE TABLE IF NOT EXISTS lineops_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const applied = new Set(format.applied);
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

function recordOpenedBy(db: Db, version: string): void {
  const put = db.prepare(
    "INSERT INTO lineops_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  db.transaction(() => {
    put.run("last_opened_by", version);
    put.run("last_opened_at", String(Date.now()));
  })();
}

/** The format of an open database (for status output and tests). */
export function storeFormat(db: Db): StoreFormat {
  return formatOf(db);
}
