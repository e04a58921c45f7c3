// Services and their immutable revisions: each applied spec is stored once under its content
// hash with a per-service number, and the service points at its current revision.
import { createHash } from "node:crypto";
import type { Db } from "./db.js";

export type Revision = {
  service: string;
  hash: string;
  number: number;
  version: string;
  spec: unknown;
  createdAt: number;
};

export type ServiceRecord = { name: string; currentRevision: string; updatedAt: number };

type RevisionRow = {
  service: string;
  hash: string;
  number: number;
  version: string;
  spec: string;
  created_at: number;
};

const toRevision = (r: RevisionRow): Revision => ({
  service: r.service,
  hash: r.hash,
  number: r.number,
  version: r.version,
  spec: JSON.parse(r.spec) as unknown,
  createdAt: r.created_at,
});

/** Canonical JSON (sorted keys) so the same spec always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(spec: unknown): string {
  return createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, 12);
}

/**
 * The spec without its instance count and autoscaler: what identifies a revision (see record), as
 * Kubernetes hashes a Deployment's pod template, never its replicas or its HPA.
 */
export function withoutReplicas(spec: unknown): unknown {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    return spec;
  }
  const { replicas: _count, autoscaling: _autoscaler, ...rest } = spec as Record<string, unknown>;
  return rest;
}

/** Whether two specs are the same revision (equal but for their instance count). */
export function sameTemplate(a: unknown, b: unknown): boolean {
  return canonicalJson(withoutReplicas(a)) === canonicalJson(withoutReplicas(b));
}

/** A service's instance count: set by a scale (null: follow line.yaml) and as line.yaml last declared it. */
export type ServiceReplicas = { desired: number | null; declared: number | null };

export class RevisionRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records `spec` as the service's current revision: an existing revision with the same content
   * is reused (re-applying an unchanged spec creates nothing new).
   */
  apply(service: string, version: string, spec: unknown): { revision: Revision; created: boolean } {
    return this.db.transaction(() => {
      const r = this.record(service, version, spec);
      this.setCurrent(service, r.revision.hash);
      return r;
    })();
  }

  /** Stores `spec` as a revision without making it current (a deployment does that when it succeeds). */
  record(service: string, version: string, spec: unknown): { revision: Revision; created: boolean } {
    const hash = contentHash(spec);
    return this.db.transaction(() => {
      const row = this.db
        .prepare("SELECT * FROM revisions WHERE service = ? AND hash = ?")
        .get(service, hash) as RevisionRow | undefined;
      if (row) {
        return { revision: toRevision(row), created: false };
      }
      // A spec that differs from a stored one only in its instance count is that revision: the
      // count is not part of a revision's identity. Stored hashes keep including the count the
      // revision was first recorded with, so no existing hash changes.
      const template = canonicalJson(withoutReplicas(spec));
      const same = (
        this.db
          .prepare("SELECT * FROM revisions WHERE service = ? ORDER BY number DESC")
          .all(service) as RevisionRow[]
      ).find((r) => canonicalJson(withoutReplicas(JSON.parse(r.spec) as unknown)) === template);
      if (same) {
        return { revision: toRevision(same), created: false };
      }
      const now = Date.now();
      const { n } = this.db
        .prepare("SELECT coalesce(max(number), 0) + 1 AS n FROM revisions WHERE service = ?")
        .get(service) as { n: number };
      const text = canonicalJson(spec);
      this.db
        .prepare(
          "INSERT INTO revisions (service, hash, number, version, spec, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(service, hash, n, version, text, now);
      return {
        revision: toRevision({ service, hash, number: n, version, spec: text, created_at: now }),
        created: true,
      };
    })();
  }

  setCurrent(service: string, hash: string): void {
    this.db
      .prepare(
        `INSERT INTO services (name, current_revision, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET current_revision = excluded.current_revision, updated_at = excluded.updated_at`,
      )
      .run(service, hash, Date.now());
  }

  services(): ServiceRecord[] {
    return (
      this.db.prepare("SELECT * FROM services ORDER BY name").all() as {
        name: string;
        current_revision: string;
        updated_at: number;
      }[]
    ).map((r) => ({ name: r.name, currentRevision: r.current_revision, updatedAt: r.updated_at }));
  }

  current(service: string): Revision | undefined {
    const row = this.db
      .prepare(
        "SELECT r.* FROM revisions r JOIN services s ON s.name = r.service AND s.current_revision = r.hash WHERE s.name = ?",
      )
      .get(service) as RevisionRow | undefined;
    return row && toRevision(row);
  }

  /** Newest first. */
  history(service: string): Revision[] {
    return (
      this.db
        .prepare("SELECT * FROM revisions WHERE service = ? ORDER BY number DESC")
        .all(service) as RevisionRow[]
    ).map(toRevision);
  }

  get(service: string, hashOrNumber: string): Revision | undefined {
    const row = this.db
      .prepare("SELECT * FROM revisions WHERE service = ? AND (hash = ? OR number = ?)")
      .get(service, hashOrNumber, Number.isInteger(Number(hashOrNumber)) ? Number(hashOrNumber) : -1) as
      RevisionRow | undefined;
    return row && toRevision(row);
  }

  replicas(service: string): ServiceReplicas {
    const row = this.db
      .prepare("SELECT replicas, declared_replicas FROM services WHERE name = ?")
      .get(service) as { replicas: number | null; declared_replicas: number | null } | undefined;
    return { desired: row?.replicas ?? null, declared: row?.declared_replicas ?? null };
  }

  /** Sets the scaled count (null: follow line.yaml) and/or the declared one; the service must be current. */
  setReplicas(service: string, r: Partial<ServiceReplicas>): void {
    const now = this.replicas(service);
    this.db
      .prepare("UPDATE services SET replicas = ?, declared_replicas = ? WHERE name = ?")
      .run(
        r.desired === undefined ? now.desired : r.desired,
        r.declared === undefined ? now.declared : r.declared,
        service,
      );
  }

  /** Removes a service from the current line; its revisions stay as history. */
  remove(service: string): void {
    this.db.prepare("DELETE FROM services WHERE name = ?").run(service);
  }
}
