// User dashboards, one row each: the body is the dashboard's JSON as the dashboard engine validated
// it; this repository stores it and enforces only the version check of optimistic concurrency.
import type { Db } from "./db.js";

export type DashboardRecord = {
  uid: string;
  title: string;
  /** The dashboard as JSON text. */
  body: string;
  version: number;
  updatedAt: number;
  updatedBy: string;
};

type Row = {
  uid: string;
  title: string;
  body: string;
  version: number;
  updated_at: number;
  updated_by: string;
};

const toRecord = (r: Row): DashboardRecord => ({
  uid: r.uid,
  title: r.title,
  body: r.body,
  version: r.version,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** What save() did: the new version, or the version found when it was not the one expected. */
export type SaveOutcome = { saved: true; version: number } | { saved: false; currentVersion: number };

export class DashboardRepository {
  constructor(private readonly db: Db) {}

  list(): Omit<DashboardRecord, "body">[] {
    const rows = this.db
      .prepare("SELECT uid, title, version, updated_at, updated_by FROM dashboards ORDER BY title, uid")
      .all() as Omit<Row, "body">[];
    return rows.map((r) => ({
      uid: r.uid,
      title: r.title,
      version: r.version,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  get(uid: string): DashboardRecord | undefined {
    const row = this.db.prepare("SELECT * FROM dashboards WHERE uid = ?").get(uid) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /**
   * Writes the dashboard if its stored version is `expectedVersion` (0: it must not exist yet;
   * undefined: whatever is stored is overwritten, as Grafana's overwrite flag).
   */
  save(
    d: { uid: string; title: string; body: string },
    by: string,
    at: number,
    expectedVersion: number | undefined,
  ): SaveOutcome {
    return this.db.transaction((): SaveOutcome => {
      const current =
        (
          this.db.prepare("SELECT version FROM dashboards WHERE uid = ?").get(d.uid) as
            { version: number } | undefined
        )?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== current) {
        return { saved: false, currentVersion: current };
      }
      const version = current + 1;
      this.db
        .prepare(
          `INSERT INTO dashboards (uid, title, body, version, updated_at, updated_by)
           VALUES (@uid, @title, @body, @version, @at, @by)
           ON CONFLICT (uid) DO UPDATE SET title = excluded.title, body = excluded.body,
             version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run({ ...d, version, at, by });
      return { saved: true, version };
    })();
  }

  delete(uid: string): boolean {
    return this.db.prepare("DELETE FROM dashboards WHERE uid = ?").run(uid).changes > 0;
  }
}
