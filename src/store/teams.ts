// Teams: a name and an ordered list of members (user ids). A member who is removed as a user leaves
// the team with it (ON DELETE CASCADE).
import { randomUUID } from "node:crypto";
import type { Db } from "./db.js";

export type TeamRow = { id: string; name: string; memberIds: string[]; createdAt: number; updatedAt: number };

type Row = { id: string; name: string; created_at: number; updated_at: number };

export class TeamRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  private members(teamId: string): string[] {
    return (
      this.db.prepare("SELECT user_id FROM team_members WHERE team_id = ? ORDER BY position").all(teamId) as {
        user_id: string;
      }[]
    ).map((r) => r.user_id);
  }

  private toTeam = (r: Row): TeamRow => ({
    id: r.id,
    name: r.name,
    memberIds: this.members(r.id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  list(): TeamRow[] {
    return (this.db.prepare("SELECT * FROM teams ORDER BY name").all() as Row[]).map(this.toTeam);
  }

  get(name: string): TeamRow | undefined {
    const r = this.db.prepare("SELECT * FROM teams WHERE name = ?").get(name) as Row | undefined;
    return r && this.toTeam(r);
  }

  byId(id: string): TeamRow | undefined {
    const r = this.db.prepare("SELECT * FROM teams WHERE id = ?").get(id) as Row | undefined;
    return r && this.toTeam(r);
  }

  /** Creates a team; undefined when the name is taken. */
  create(name: string, memberIds: readonly string[]): TeamRow | undefined {
    return this.db.transaction(() => {
      const id = randomUUID();
      const at = this.now();
      const r = this.db
        .prepare(
          "INSERT INTO teams (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .run(id, name, at, at);
      if (r.changes === 0) {
        return undefined;
      }
      this.writeMembers(id, memberIds);
      return this.get(name);
    })();
  }

  /** Replaces the members; undefined when there is no such team. */
  setMembers(name: string, memberIds: readonly string[]): TeamRow | undefined {
    return this.db.transaction(() => {
      const team = this.get(name);
      if (!team) {
        return undefined;
      }
      this.db.prepare("DELETE FROM team_members WHERE team_id = ?").run(team.id);
      this.writeMembers(team.id, memberIds);
      this.db.prepare("UPDATE teams SET updated_at = ? WHERE id = ?").run(this.now(), team.id);
      return this.get(name);
    })();
  }

  remove(name: string): boolean {
    return this.db.prepare("DELETE FROM teams WHERE name = ?").run(name).changes > 0;
  }

  private writeMembers(teamId: string, memberIds: readonly string[]): void {
    const insert = this.db.prepare("INSERT INTO team_members (team_id, user_id, position) VALUES (?, ?, ?)");
    memberIds.forEach((u, i) => insert.run(teamId, u, i));
  }
}
