// On-call schedules: the layers as JSON (participants as user ids), their overrides as rows. The
// caller validates (alerting/oncall/schedule.ts) before it writes; every change bumps the revision.
import { randomUUID } from "node:crypto";
import type { Db } from "./db.js";

/** A layer as stored: alerting/oncall/schedule.ts LayerSpec with user ids for participants. */
export type StoredLayer = {
  name: string;
  rotation:
    | { type: "daily" }
    | { type: "weekly" }
    | { type: "custom"; every: number; unit: "hours" | "days" | "weeks" };
  rotationStart: string;
  handoff: string;
  participants: string[];
  restrictions?: string[];
  start?: number;
  end?: number;
};

export type StoredOverride = {
  id: string;
  userId: string;
  start: number;
  end: number;
  createdAt: number;
  createdBy: string;
};

export type ScheduleRow = {
  id: string;
  name: string;
  teamId: string | undefined;
  timezone: string;
  layers: StoredLayer[];
  overrides: StoredOverride[];
  revision: number;
  updatedAt: number;
  updatedBy: string;
};

type Row = {
  id: string;
  name: string;
  team_id: string | null;
  timezone: string;
  layers: string;
  revision: number;
  updated_at: number;
  updated_by: string;
};

type OverrideRow = {
  id: string;
  user_id: string;
  start_at: number;
  end_at: number;
  created_at: number;
  created_by: string;
};

export class ScheduleRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  private toSchedule = (r: Row): ScheduleRow => ({
    id: r.id,
    name: r.name,
    teamId: r.team_id ?? undefined,
    timezone: r.timezone,
    layers: JSON.parse(r.layers) as StoredLayer[],
    overrides: (
      this.db
        .prepare("SELECT * FROM schedule_overrides WHERE schedule_id = ? ORDER BY start_at, id")
        .all(r.id) as OverrideRow[]
    ).map((o) => ({
      id: o.id,
      userId: o.user_id,
      start: o.start_at,
      end: o.end_at,
      createdAt: o.created_at,
      createdBy: o.created_by,
    })),
    revision: r.revision,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  });

  list(): ScheduleRow[] {
    return (this.db.prepare("SELECT * FROM schedules ORDER BY name").all() as Row[]).map(this.toSchedule);
  }

  get(name: string): ScheduleRow | undefined {
    const r = this.db.prepare("SELECT * FROM schedules WHERE name = ?").get(name) as Row | undefined;
    return r && this.toSchedule(r);
  }

  /** Creates the schedule or replaces its layers, zone and team (its overrides stay). */
  put(
    name: string,
    s: { teamId: string | undefined; timezone: string; layers: readonly StoredLayer[] },
    by: string,
  ): { schedule: ScheduleRow; created: boolean } {
    return this.db.transaction(() => {
      const at = this.now();
      const existing = this.get(name);
      const layers = JSON.stringify(s.layers);
      if (existing) {
        this.db
          .prepare(
            "UPDATE schedules SET team_id = ?, timezone = ?, layers = ?, revision = revision + 1, updated_at = ?, updated_by = ? WHERE id = ?",
          )
          .run(s.teamId ?? null, s.timezone, layers, at, by, existing.id);
      } else {
        this.db
          .prepare(
            "INSERT INTO schedules (id, name, team_id, timezone, layers, revision, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
          )
          .run(randomUUID(), name, s.teamId ?? null, s.timezone, layers, at, by);
      }
      return { schedule: this.get(name) as ScheduleRow, created: existing === undefined };
    })();
  }

  remove(name: string): boolean {
    return this.db.prepare("DELETE FROM schedules WHERE name = ?").run(name).changes > 0;
  }

  addOverride(
    scheduleId: string,
    o: { userId: string; start: number; end: number },
    by: string,
  ): StoredOverride {
    return this.db.transaction(() => {
      const id = randomUUID();
      const at = this.now();
      this.db
        .prepare(
          "INSERT INTO schedule_overrides (id, schedule_id, user_id, start_at, end_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(id, scheduleId, o.userId, o.start, o.end, at, by);
      this.bump(scheduleId, at, by);
      return { id, userId: o.userId, start: o.start, end: o.end, createdAt: at, createdBy: by };
    })();
  }

  removeOverride(scheduleId: string, overrideId: string, by: string): boolean {
    return this.db.transaction(() => {
      const gone =
        this.db
          .prepare("DELETE FROM schedule_overrides WHERE id = ? AND schedule_id = ?")
          .run(overrideId, scheduleId).changes > 0;
      if (gone) {
        this.bump(scheduleId, this.now(), by);
      }
      return gone;
    })();
  }

  /** Names of the schedules whose layers name the user (a user on a rotation is not removed). */
  namingUser(userId: string): string[] {
    return this.list()
      .filter((s) => s.layers.some((l) => l.participants.includes(userId)))
      .map((s) => s.name);
  }

  private bump(scheduleId: string, at: number, by: string): void {
    this.db
      .prepare("UPDATE schedules SET revision = revision + 1, updated_at = ?, updated_by = ? WHERE id = ?")
      .run(at, by, scheduleId);
  }
}
