// Silences, one row each, written before the change is acknowledged so a crash (even SIGKILL)
// loses none. The alerting engine holds them in memory for matching; this is only their durable
// copy: it stores what it is given and checks nothing but its shape.
import type { Db } from "./db.js";

/** A matcher as Alertmanager's API v2 spells it. */
export type StoredSilenceMatcher = { name: string; value: string; isRegex: boolean; isEqual: boolean };

export type SilenceRecord = {
  id: string;
  matchers: StoredSilenceMatcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
};

type Row = {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  updated_at: number;
  created_by: string;
  comment: string;
};

/** A row that could not be read back (hand-edited or damaged): named so the caller can report it. */
export type UnreadableSilence = { id: string; reason: string };

export class SilenceRepository {
  constructor(private readonly db: Db) {}

  /** Inserts or replaces each record, all in one transaction (an update that replaces a silence writes two). */
  save(...records: SilenceRecord[]): void {
    const put = this.db.prepare(
      `INSERT INTO silences (id, matchers, starts_at, ends_at, updated_at, created_by, comment)
       VALUES (@id, @matchers, @startsAt, @endsAt, @updatedAt, @createdBy, @comment)
       ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at,
         ends_at = excluded.ends_at, updated_at = excluded.updated_at,
         created_by = excluded.created_by, comment = excluded.comment`,
    );
    this.db.transaction(() => {
      for (const r of records) {
        put.run({ ...r, matchers: JSON.stringify(r.matchers) });
      }
    })();
  }

  /** Every stored silence, and the rows that cannot be read as one. */
  all(): { records: SilenceRecord[]; unreadable: UnreadableSilence[] } {
    const rows = this.db.prepare("SELECT * FROM silences ORDER BY updated_at, id").all() as Row[];
    const records: SilenceRecord[] = [];
    const unreadable: UnreadableSilence[] = [];
    for (const row of rows) {
      const matchers = parseMatchers(row.matchers);
      if (typeof matchers === "string") {
        unreadable.push({ id: row.id, reason: matchers });
        continue;
      }
      records.push({
        id: row.id,
        matchers,
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        updatedAt: row.updated_at,
        createdBy: row.created_by,
        comment: row.comment,
      });
    }
    return { records, unreadable };
  }

  /** Deletes the silences that ended at or before `endedBy`; returns their ids. */
  deleteEndedBy(endedBy: number): string[] {
    return this.db.transaction(() => {
      const ids = (
        this.db.prepare("SELECT id FROM silences WHERE ends_at <= ?").all(endedBy) as { id: string }[]
      ).map((r) => r.id);
      this.db.prepare("DELETE FROM silences WHERE ends_at <= ?").run(endedBy);
      return ids;
    })();
  }

  /** Deletes one silence (a row the engine found unreadable); true if it existed. */
  delete(id: string): boolean {
    return this.db.prepare("DELETE FROM silences WHERE id = ?").run(id).changes > 0;
  }
}

function parseMatchers(json: string): StoredSilenceMatcher[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return `matchers are not JSON (${(err as Error).message})`;
  }
  if (!Array.isArray(parsed)) {
    return "matchers are not a list";
  }
  for (const [i, m] of parsed.entries()) {
    const ok =
      typeof m === "object" &&
      m !== null &&
      typeof m.name === "string" &&
      typeof m.value === "string" &&
      typeof m.isRegex === "boolean" &&
      typeof m.isEqual === "boolean";
    if (!ok) {
      return `matcher ${i} is not {name, value, isRegex, isEqual}`;
    }
  }
  return (parsed as StoredSilenceMatcher[]).map((m) => ({
    name: m.name,
    value: m.value,
    isRegex: m.isRegex,
    isEqual: m.isEqual,
  }));
}
