// Report schedules and the report files generated from them. A schedule's spec is the JSON the
// reports module validated; this repository stores it and the due time last generated.
import type { Db } from "./db.js";

export type ReportScheduleRecord = {
  id: string;
  name: string;
  /** The schedule as JSON text (src/dashboard/reports/schedule.ts). */
  spec: string;
  createdAt: number;
  createdBy: string;
  /** The due time of the last run generated; undefined before the first. */
  lastDueAt?: number;
};

export type ReportFileRecord = {
  id: string;
  scheduleId?: string;
  title: string;
  format: string;
  fromMs: number;
  toMs: number;
  /** The file's name inside <dataDir>/reports. */
  file: string;
  bytes: number;
  createdAt: number;
};

type ScheduleRow = {
  id: string;
  name: string;
  spec: string;
  created_at: number;
  created_by: string;
  last_due_at: number | null;
};
type FileRow = {
  id: string;
  schedule_id: string | null;
  title: string;
  format: string;
  from_ms: number;
  to_ms: number;
  file: string;
  bytes: number;
  created_at: number;
};

const toSchedule = (r: ScheduleRow): ReportScheduleRecord => ({
  id: r.id,
  name: r.name,
  spec: r.spec,
  createdAt: r.created_at,
  createdBy: r.created_by,
  ...(r.last_due_at === null ? {} : { lastDueAt: r.last_due_at }),
});
const toFile = (r: FileRow): ReportFileRecord => ({
  id: r.id,
  ...(r.schedule_id === null ? {} : { scheduleId: r.schedule_id }),
  title: r.title,
  format: r.format,
  fromMs: r.from_ms,
  toMs: r.to_ms,
  file: r.file,
  bytes: r.bytes,
  createdAt: r.created_at,
});

export class ReportRepository {
  constructor(private readonly db: Db) {}

  schedules(): ReportScheduleRecord[] {
    const rows = this.db.prepare("SELECT * FROM report_schedules ORDER BY name, id").all() as ScheduleRow[];
    return rows.map(toSchedule);
  }

  schedule(id: string): ReportScheduleRecord | undefined {
    const row = this.db.prepare("SELECT * FROM report_schedules WHERE id = ?").get(id) as
      ScheduleRow | undefined;
    return row ? toSchedule(row) : undefined;
  }

  scheduleCount(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM report_schedules").get() as { n: number }).n;
  }

  addSchedule(s: Omit<ReportScheduleRecord, "lastDueAt">): void {
    this.db
      .prepare(
        `INSERT INTO report_schedules (id, name, spec, created_at, created_by, last_due_at)
         VALUES (@id, @name, @spec, @createdAt, @createdBy, NULL)`,
      )
      .run(s);
  }

  /** True when it existed. Its generated files stay until retention removes them. */
  deleteSchedule(id: string): boolean {
    return this.db.prepare("DELETE FROM report_schedules WHERE id = ?").run(id).changes > 0;
  }

  setLastDue(id: string, dueAt: number): void {
    this.db.prepare("UPDATE report_schedules SET last_due_at = ? WHERE id = ?").run(dueAt, id);
  }

  /** Newest first. */
  files(limit = 1000): ReportFileRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM report_files ORDER BY created_at DESC, id DESC LIMIT ?")
      .all(limit) as FileRow[];
    return rows.map(toFile);
  }

  file(id: string): ReportFileRecord | undefined {
    const row = this.db.prepare("SELECT * FROM report_files WHERE id = ?").get(id) as FileRow | undefined;
    return row ? toFile(row) : undefined;
  }

  addFile(f: ReportFileRecord): void {
    this.db
      .prepare(
        `INSERT INTO report_files (id, schedule_id, title, format, from_ms, to_ms, file, bytes, created_at)
         VALUES (@id, @scheduleId, @title, @format, @fromMs, @toMs, @file, @bytes, @createdAt)`,
      )
      .run({ ...f, scheduleId: f.scheduleId ?? null });
  }

  /**
   * Removes the rows of files created before `before`, and beyond the newest `keep`; returns them so
   * the caller deletes their files.
   */
  expire(before: number, keep: number): ReportFileRecord[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT * FROM report_files WHERE created_at < ?
           OR id NOT IN (SELECT id FROM report_files ORDER BY created_at DESC, id DESC LIMIT ?)`,
        )
        .all(before, keep) as FileRow[];
      const del = this.db.prepare("DELETE FROM report_files WHERE id = ?");
      for (const r of rows) {
        del.run(r.id);
      }
      return rows.map(toFile);
    })();
  }
}
