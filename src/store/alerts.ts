// The alerts the alerting engine holds (Alertmanager's alert store), one row per fingerprint,
// written before an alert is acknowledged so that a restart, even after SIGKILL, resumes every
// active alert and still sends the resolves that came due. It stores what it is given and checks
// nothing but its shape: merging and validation are the alerting engine's.
import type { Db } from "./db.js";

export type AlertRecord = {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  generatorURL: string;
  /** endsAt was filled in from resolve_timeout, not sent by the client. */
  timeout: boolean;
};

type Row = {
  fingerprint: string;
  labels: string;
  annotations: string;
  starts_at: number;
  ends_at: number;
  updated_at: number;
  generator_url: string;
  timeout: number;
};

/** A row that cannot be read back (damaged or hand-edited), named so the caller can report it. */
export type UnreadableAlert = { fingerprint: string; reason: string };

export class AlertRepository {
  constructor(private readonly db: Db) {}

  /** Inserts or replaces every record in one transaction: one POST is taken whole or not at all. */
  save(records: readonly AlertRecord[]): void {
    const put = this.db.prepare(
      `INSERT INTO alerts (fingerprint, labels, annotations, starts_at, ends_at, updated_at, generator_url, timeout)
       VALUES (@fingerprint, @labels, @annotations, @startsAt, @endsAt, @updatedAt, @generatorURL, @timeout)
       ON CONFLICT (fingerprint) DO UPDATE SET labels = excluded.labels, annotations = excluded.annotations,
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, updated_at = excluded.updated_at,
         generator_url = excluded.generator_url, timeout = excluded.timeout`,
    );
    this.db.transaction(() => {
      for (const r of records) {
        put.run({
          ...r,
          labels: JSON.stringify(r.labels),
          annotations: JSON.stringify(r.annotations),
          timeout: r.timeout ? 1 : 0,
        });
      }
    })();
  }

  all(): { records: AlertRecord[]; unreadable: UnreadableAlert[] } {
    const rows = this.db.prepare("SELECT * FROM alerts").all() as Row[];
    const records: AlertRecord[] = [];
    const unreadable: UnreadableAlert[] = [];
    for (const row of rows) {
      const labels = stringMap(row.labels);
      const annotations = stringMap(row.annotations);
      if (labels === undefined || annotations === undefined) {
        unreadable.push({
          fingerprint: row.fingerprint,
          reason:
            labels === undefined
              ? "labels are not a JSON object of strings"
              : "annotations are not a JSON object of strings",
        });
        continue;
      }
      records.push({
        fingerprint: row.fingerprint,
        labels,
        annotations,
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        updatedAt: row.updated_at,
        generatorURL: row.generator_url,
        timeout: row.timeout === 1,
      });
    }
    return { records, unreadable };
  }

  /** Deletes these alerts in one transaction; returns how many rows went. */
  delete(fingerprints: readonly string[]): number {
    const del = this.db.prepare("DELETE FROM alerts WHERE fingerprint = ?");
    let n = 0;
    this.db.transaction(() => {
      for (const fp of fingerprints) {
        n += del.run(fp).changes;
      }
    })();
    return n;
  }
}

function stringMap(json: string): Record<string, string> | undefined {
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      return undefined;
    }
    return Object.values(v).every((x) => typeof x === "string") ? (v as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
