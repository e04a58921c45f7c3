// People and on-call over the store: contact methods, teams, schedules and their overrides, by
// name, validated before anything is written (a bad schedule changes nothing), and the one place
// that answers "who is to be notified": resolve({kind: "schedule", name}, at) gives the people on
// call with their contact methods. Escalation and channels call this; they never read the tables.
import type { ContactMethods, ContactRepository } from "../../store/contacts.js";
import type { ScheduleRepository, ScheduleRow, StoredLayer } from "../../store/schedules.js";
import type { TeamRepository, TeamRow } from "../../store/teams.js";
import type { Role } from "../../store/tokens.js";
import type { UserRecord, UserRepository } from "../../store/users.js";
import { contactMethodsSchema, type ContactMethodsInput } from "./contact.js";
import { OnCallErrors } from "./errors.js";
import {
  compileOverrides,
  compileSchedule,
  renderSchedule,
  whoIsOnCall,
  type CompiledSchedule,
  type LayerSpec,
  type RotationSpec,
  type ShiftSource,
} from "./schedule.js";

/** A user as a notification target: who, and how to reach them. */
export type Person = {
  id: string;
  name: string;
  role: Role;
  /** A disabled user is never notified (resolve leaves them out). */
  disabled: boolean;
  contact: ContactMethods;
};

export type Team = { name: string; members: string[]; createdAt: number; updatedAt: number };

/** A layer as the API and CLI write it: participants by user name, times as epoch ms. */
export type LayerInput = {
  name: string;
  rotation: RotationSpec;
  rotationStart: string;
  handoff: string;
  participants: string[];
  restrictions?: string[] | undefined;
  start?: number | undefined;
  end?: number | undefined;
};

export type ScheduleInput = { timezone: string; team?: string | undefined; layers: LayerInput[] };

export type Override = {
  id: string;
  user: string;
  start: number;
  end: number;
  createdAt: number;
  createdBy: string;
};

export type Schedule = {
  name: string;
  team?: string;
  timezone: string;
  layers: LayerInput[];
  overrides: Override[];
  revision: number;
  updatedAt: number;
  updatedBy: string;
};

/** One stretch of the final schedule, the person by name. */
export type ScheduleShift = { start: number; end: number; user: string; source: ShiftSource };

export type OnCallNow = {
  schedule: string;
  at: number;
  /** Absent when nobody is on call at `at` (every layer restricted off, no override). */
  shift?: ScheduleShift;
  person?: Person;
};

/** What an escalation level or a route may name. */
export type NotifyTarget =
  { kind: "user"; name: string } | { kind: "schedule"; name: string } | { kind: "team"; name: string };

export type OnCallStores = {
  users: UserRepository;
  contacts: ContactRepository;
  teams: TeamRepository;
  schedules: ScheduleRepository;
};

const unknownUser = (field: string, name: string) =>
  OnCallErrors.invalidSchedule(`${field}: unknown user ${JSON.stringify(name)}`);

export class OnCallDirectory {
  /** Compiled schedules by id, valid while the schedule's revision and overrides are unchanged. */
  private readonly compiled = new Map<string, { key: string; schedule: CompiledSchedule }>();

  constructor(private readonly stores: OnCallStores) {}

  // People

  person(name: string): Person | undefined {
    const u = this.stores.users.get(name);
    return u && this.toPerson(u);
  }

  personById(id: string): Person | undefined {
    const u = this.stores.users.byId(id);
    return u && this.toPerson(u);
  }

  private toPerson(u: UserRecord): Person {
    return {
      id: u.id,
      name: u.name,
      role: u.role,
      disabled: u.disabled,
      contact: this.stores.contacts.get(u.id),
    };
  }

  /** Replaces a user's contact methods (checked by contactMethodsSchema); undefined if no such user. */
  setContact(name: string, input: ContactMethodsInput): Person | undefined {
    const parsed = contactMethodsSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw OnCallErrors.invalidContact(
        `${issue?.path.join(".") || "contact"}: ${issue?.message ?? "invalid"}`,
      );
    }
    const u = this.stores.users.get(name);
    if (!u) {
      return undefined;
    }
    const c = parsed.data;
    this.stores.contacts.set(u.id, {
      ...(c.email === undefined ? {} : { email: c.email }),
      ...(c.phone === undefined ? {} : { phone: c.phone }),
      ...(c.chat === undefined ? {} : { chat: c.chat }),
      ...(c.andon === undefined ? {} : { andon: c.andon }),
      ...(c.timezone === undefined ? {} : { timezone: c.timezone }),
    });
    return this.toPerson(u);
  }

  /** Schedules whose layers name the user: such a user is not removed (their turns would be gaps). */
  schedulesNaming(name: string): string[] {
    const u = this.stores.users.get(name);
    return u ? this.stores.schedules.namingUser(u.id) : [];
  }

  // Teams

  private toTeam = (t: TeamRow): Team => ({
    name: t.name,
    members: t.memberIds.map((id) => this.stores.users.byId(id)?.name ?? id),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  });

  private memberIds(members: readonly string[]): string[] {
    const seen = new Set<string>();
    return members.map((name, i) => {
      const u = this.stores.users.get(name);
      if (!u) {
        throw OnCallErrors.invalidTeam(`members[${i}]: unknown user ${JSON.stringify(name)}`);
      }
      if (seen.has(u.id)) {
        throw OnCallErrors.invalidTeam(`members[${i}]: ${JSON.stringify(name)} is listed twice`);
      }
      seen.add(u.id);
      return u.id;
    });
  }

  teams(): Team[] {
    return this.stores.teams.list().map(this.toTeam);
  }

  team(name: string): Team | undefined {
    const t = this.stores.teams.get(name);
    return t && this.toTeam(t);
  }

  createTeam(name: string, members: readonly string[]): Team {
    const ids = this.memberIds(members);
    const t = this.stores.teams.create(name, ids);
    if (!t) {
      throw OnCallErrors.teamExists(`a team named ${JSON.stringify(name)} exists`);
    }
    return this.toTeam(t);
  }

  setTeamMembers(name: string, members: readonly string[]): Team {
    const ids = this.memberIds(members);
    const t = this.stores.teams.setMembers(name, ids);
    if (!t) {
      throw OnCallErrors.teamNotFound(`no team named ${JSON.stringify(name)}`);
    }
    return this.toTeam(t);
  }

  removeTeam(name: string): void {
    if (!this.stores.teams.remove(name)) {
      throw OnCallErrors.teamNotFound(`no team named ${JSON.stringify(name)}`);
    }
  }

  // Schedules

  private nameOf = (id: string) => this.stores.users.byId(id)?.name ?? id;

  private toSchedule(s: ScheduleRow): Schedule {
    const team = s.teamId === undefined ? undefined : this.stores.teams.byId(s.teamId)?.name;
    return {
      name: s.name,
      ...(team === undefined ? {} : { team }),
      timezone: s.timezone,
      layers: s.layers.map((l) => ({ ...l, participants: l.participants.map(this.nameOf) })),
      overrides: s.overrides.map((o) => ({
        id: o.id,
        user: this.nameOf(o.userId),
        start: o.start,
        end: o.end,
        createdAt: o.createdAt,
        createdBy: o.createdBy,
      })),
      revision: s.revision,
      updatedAt: s.updatedAt,
      updatedBy: s.updatedBy,
    };
  }

  private row(name: string): ScheduleRow {
    const s = this.stores.schedules.get(name);
    if (!s) {
      throw OnCallErrors.scheduleNotFound(`no schedule named ${JSON.stringify(name)}`);
    }
    return s;
  }

  private compile(s: ScheduleRow): CompiledSchedule {
    const key = `${s.revision}:${s.overrides.map((o) => o.id).join(",")}`;
    const hit = this.compiled.get(s.id);
    if (hit && hit.key === key) {
      return hit.schedule;
    }
    const schedule = compileSchedule(
      {
        timezone: s.timezone,
        layers: s.layers,
        overrides: s.overrides.map((o) => ({ ...o, user: o.userId })),
      },
      () => true, // ids were checked when written; a removed user's overrides went with them
    );
    this.compiled.set(s.id, { key, schedule });
    return schedule;
  }

  schedules(): Schedule[] {
    return this.stores.schedules.list().map((s) => this.toSchedule(s));
  }

  schedule(name: string): Schedule | undefined {
    const s = this.stores.schedules.get(name);
    return s && this.toSchedule(s);
  }

  /**
   * Creates or replaces a schedule's layers, zone and team (its overrides stay). Everything is
   * checked first (compileSchedule's errors name the field); on an error nothing is written.
   */
  putSchedule(name: string, input: ScheduleInput, by: string): { schedule: Schedule; created: boolean } {
    const layers: StoredLayer[] = input.layers.map((l, i) => ({
      name: l.name,
      rotation: l.rotation,
      rotationStart: l.rotationStart,
      handoff: l.handoff,
      participants: l.participants.map((p, j) => {
        const u = this.stores.users.get(p);
        if (!u) {
          throw unknownUser(`layers[${i}].participants[${j}]`, p);
        }
        return u.id;
      }),
      ...(l.restrictions === undefined ? {} : { restrictions: l.restrictions }),
      ...(l.start === undefined ? {} : { start: l.start }),
      ...(l.end === undefined ? {} : { end: l.end }),
    }));
    let teamId: string | undefined;
    if (input.team !== undefined) {
      teamId = this.stores.teams.get(input.team)?.id;
      if (teamId === undefined) {
        throw OnCallErrors.invalidSchedule(`team: no team named ${JSON.stringify(input.team)}`);
      }
    }
    const existing = this.stores.schedules.get(name);
    compileSchedule(
      {
        timezone: input.timezone,
        layers: layers as LayerSpec[],
        overrides: (existing?.overrides ?? []).map((o) => ({ ...o, user: o.userId })),
      },
      () => true,
    );
    const { schedule, created } = this.stores.schedules.put(
      name,
      { teamId, timezone: input.timezone, layers },
      by,
    );
    return { schedule: this.toSchedule(schedule), created };
  }

  removeSchedule(name: string): void {
    const s = this.row(name);
    this.stores.schedules.remove(name);
    this.compiled.delete(s.id);
  }

  /** Adds an override (a person for a time range); refused when it overlaps another. */
  addOverride(scheduleName: string, o: { user: string; start: number; end: number }, by: string): Override {
    const s = this.row(scheduleName);
    const u = this.stores.users.get(o.user);
    if (!u) {
      throw OnCallErrors.invalidOverride(`user: unknown user ${JSON.stringify(o.user)}`);
    }
    compileOverrides(
      [
        ...s.overrides.map((x) => ({ ...x, user: x.userId })),
        { id: "(new)", user: u.id, start: o.start, end: o.end },
      ],
      () => true,
    );
    const stored = this.stores.schedules.addOverride(s.id, { userId: u.id, start: o.start, end: o.end }, by);
    return {
      id: stored.id,
      user: u.name,
      start: stored.start,
      end: stored.end,
      createdAt: stored.createdAt,
      createdBy: by,
    };
  }

  removeOverride(scheduleName: string, id: string, by: string): void {
    const s = this.row(scheduleName);
    if (!this.stores.schedules.removeOverride(s.id, id, by)) {
      throw OnCallErrors.overrideNotFound(
        `schedule ${JSON.stringify(scheduleName)} has no override ${JSON.stringify(id)}`,
      );
    }
  }

  /** The final schedule over [from, to) (at most 400 days): shifts with start, end and user name. */
  shifts(scheduleName: string, from: number, to: number): ScheduleShift[] {
    return renderSchedule(this.compile(this.row(scheduleName)), from, to).map((x) => ({
      ...x,
      user: this.nameOf(x.user),
    }));
  }

  /** Who is on call on the schedule at `at`, with their contact methods. */
  onCall(scheduleName: string, at: number): OnCallNow {
    const shift = whoIsOnCall(this.compile(this.row(scheduleName)), at);
    const person = shift && this.personById(shift.user);
    return {
      schedule: scheduleName,
      at,
      ...(shift && person ? { shift: { ...shift, user: person.name }, person } : {}),
    };
  }

  /** Who is on call on every schedule at `at`. */
  onCallEverywhere(at: number): OnCallNow[] {
    return this.stores.schedules.list().map((s) => this.onCall(s.name, at));
  }

  // Targets, for escalation policies and routes

  /**
   * Throws a 404 error naming the target when it does not exist: an escalation policy checks its
   * targets with this before it is saved.
   */
  checkTarget(t: NotifyTarget): void {
    const exists =
      t.kind === "user"
        ? this.stores.users.get(t.name) !== undefined
        : t.kind === "team"
          ? this.stores.teams.get(t.name) !== undefined
          : this.stores.schedules.get(t.name) !== undefined;
    if (!exists) {
      const what = { user: "user", team: "team", schedule: "schedule" }[t.kind];
      const error =
        t.kind === "user"
          ? OnCallErrors.userNotFound
          : t.kind === "team"
            ? OnCallErrors.teamNotFound
            : OnCallErrors.scheduleNotFound;
      throw error(`unknown ${what} ${JSON.stringify(t.name)}`);
    }
  }

  /**
   * The people to notify for the targets at `at`, each once, in the order the targets name them: a
   * user; a schedule's person on call; a team's members. Disabled users and targets that no longer
   * exist are left out (an escalation level that resolves to nobody moves on).
   */
  resolve(targets: readonly NotifyTarget[], at: number): Person[] {
    const out = new Map<string, Person>();
    const add = (p: Person | undefined) => {
      if (p && !p.disabled && !out.has(p.id)) {
        out.set(p.id, p);
      }
    };
    for (const t of targets) {
      if (t.kind === "user") {
        add(this.person(t.name));
      } else if (t.kind === "team") {
        for (const id of this.stores.teams.get(t.name)?.memberIds ?? []) {
          add(this.personById(id));
        }
      } else if (this.stores.schedules.get(t.name)) {
        add(this.onCall(t.name, at).person);
      }
    }
    return [...out.values()];
  }
}
