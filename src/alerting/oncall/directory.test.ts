// The on-call directory over a real store: contact methods, teams, schedules and overrides by name,
// nothing written when the input is bad, and resolve() as escalation calls it.
import { afterEach, describe, expect, it } from "vitest";
import { ContactRepository } from "../../store/contacts.js";
import { openDb, type Db } from "../../store/db.js";
import { ScheduleRepository } from "../../store/schedules.js";
import { TeamRepository } from "../../store/teams.js";
import { UserRepository } from "../../store/users.js";
import { tempDir } from "../../test-support/line.js";
import { OnCallDirectory, type ScheduleInput } from "./directory.js";

let db: Db | undefined;
afterEach(() => db?.close());

function setup() {
  db = openDb(tempDir("lineops-oncall-"));
  const users = new UserRepository(db);
  for (const [name, role] of [
    ["alice", "operator"],
    ["bob", "operator"],
    ["carol", "viewer"],
  ] as const) {
    users.create(name, role, "$argon2id$not-a-real-hash");
  }
  const dir = new OnCallDirectory({
    users,
    contacts: new ContactRepository(db),
    teams: new TeamRepository(db),
    schedules: new ScheduleRepository(db),
  });
  return { users, dir };
}

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return `${(e as { code: string }).code} ${(e as Error).message}`;
  }
  return "no error";
};

const primary: ScheduleInput = {
  timezone: "Europe/Berlin",
  layers: [
    {
      name: "primary",
      rotation: { type: "daily" },
      rotationStart: "2026-03-02",
      handoff: "06:00",
      participants: ["alice", "bob"],
    },
  ],
};

describe("OnCallDirectory", () => {
  it("stores contact methods, validated field by field", () => {
    const { dir } = setup();
    const p = dir.setContact("alice", {
      email: "alice@plant.example",
      phone: "+4915112345678",
      chat: "@alice",
      andon: { line: "line-1", station: "press" },
      timezone: "Europe/Berlin",
    });
    expect(p?.contact).toEqual({
      email: "alice@plant.example",
      phone: "+4915112345678",
      chat: "@alice",
      andon: { line: "line-1", station: "press" },
      timezone: "Europe/Berlin",
    });
    expect(errorOf(() => dir.setContact("alice", { phone: "0151 123" }))).toMatch(
      /CONTACT_INVALID phone: must be E\.164/,
    );
    expect(errorOf(() => dir.setContact("alice", { timezone: "Europe/Berlinn" }))).toMatch(
      /timezone: unknown IANA time zone "Europe\/Berlinn"/,
    );
    expect(errorOf(() => dir.setContact("alice", { andon: { line: "a/b", station: "x" } }))).toMatch(
      /andon\.line/,
    );
    expect(dir.person("alice")?.contact.phone).toBe("+4915112345678"); // unchanged by the refusals
    expect(dir.setContact("alice", { email: "a@b.example" })?.contact).toEqual({ email: "a@b.example" });
    expect(dir.setContact("nobody", {})).toBeUndefined();
  });

  it("teams: members by name, unknown or doubled names refused", () => {
    const { dir } = setup();
    expect(dir.createTeam("maintenance", ["bob", "alice"]).members).toEqual(["bob", "alice"]);
    expect(errorOf(() => dir.createTeam("maintenance", []))).toMatch(/TEAM_EXISTS/);
    expect(errorOf(() => dir.setTeamMembers("maintenance", ["alice", "zed"]))).toMatch(
      /members\[1\]: unknown user "zed"/,
    );
    expect(errorOf(() => dir.setTeamMembers("maintenance", ["alice", "alice"]))).toMatch(/listed twice/);
    expect(dir.team("maintenance")?.members).toEqual(["bob", "alice"]);
    expect(dir.setTeamMembers("maintenance", ["carol"]).members).toEqual(["carol"]);
  });

  it("schedules: a bad schedule changes nothing; overrides on top; resolve gives people with contacts", () => {
    const { dir, users } = setup();
    dir.setContact("bob", { phone: "+491700000001" });
    expect(dir.putSchedule("line-1", primary, "admin").created).toBe(true);
    const before = dir.schedule("line-1");
    const bad = { ...primary, layers: [{ ...primary.layers[0]!, participants: ["alice", "mallory"] }] };
    expect(errorOf(() => dir.putSchedule("line-1", bad, "admin"))).toMatch(
      /SCHEDULE_INVALID layers\[0\]\.participants\[1\]: unknown user "mallory"/,
    );
    expect(errorOf(() => dir.putSchedule("line-1", { ...primary, layers: [] }, "admin"))).toMatch(
      /layers: a schedule needs/,
    );
    expect(dir.schedule("line-1")).toEqual(before);

    const t = Date.parse("2026-03-03T10:00:00Z"); // the second turn: bob
    expect(dir.onCall("line-1", t)).toMatchObject({
      shift: { user: "bob" },
      person: { name: "bob", contact: { phone: "+491700000001" } },
    });
    const o = dir.addOverride("line-1", { user: "carol", start: t - 3_600_000, end: t + 3_600_000 }, "admin");
    expect(dir.onCall("line-1", t).person?.name).toBe("carol");
    expect(
      errorOf(() => dir.addOverride("line-1", { user: "alice", start: t, end: t + 60_000 }, "admin")),
    ).toMatch(/OVERRIDE_INVALID override \(new\) .* overlaps override/);
    expect(dir.schedule("line-1")?.overrides.map((x) => x.user)).toEqual(["carol"]);
    expect(dir.shifts("line-1", t - 3_600_000, t + 3_600_000)).toEqual([
      {
        start: t - 3_600_000,
        end: t + 3_600_000,
        user: "carol",
        source: { kind: "override", override: o.id },
      },
    ]);
    dir.removeOverride("line-1", o.id, "admin");
    expect(dir.onCall("line-1", t).person?.name).toBe("bob");

    dir.createTeam("shift-leads", ["carol", "bob"]);
    const people = dir.resolve(
      [
        { kind: "schedule", name: "line-1" },
        { kind: "team", name: "shift-leads" },
        { kind: "user", name: "alice" },
      ],
      t,
    );
    expect(people.map((p) => p.name)).toEqual(["bob", "carol", "alice"]);
    users.update("carol", { disabled: true });
    expect(dir.resolve([{ kind: "team", name: "shift-leads" }], t).map((p) => p.name)).toEqual(["bob"]);
    expect(errorOf(() => dir.checkTarget({ kind: "schedule", name: "nope" }))).toMatch(
      /SCHEDULE_NOT_FOUND unknown schedule "nope"/,
    );
    expect(errorOf(() => dir.checkTarget({ kind: "user", name: "nope" }))).toMatch(
      /USER_NOT_FOUND unknown user "nope"/,
    );
    expect(dir.schedulesNaming("alice")).toEqual(["line-1"]);
  });
});
