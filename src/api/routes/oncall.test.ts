// People and on-call over the API (in-process calls on a real lineops): contact methods (self or
// admin), user tokens naming their person in the audit trail, teams, schedules, overrides, the
// final schedule and who is on call; bad schedules refused with the field and nothing changed.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";

let lineops: Lineops;
let admin = "";
let viewer = "";
const api = injectApi(() => lineops);

beforeAll(async () => {
  lineops = await startLineops({
    dataDir: tempDir("lineops-oncall-api-"),
    port: 0,
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  viewer = lineops.tokens.create("wall-display", "viewer").token;
  for (const [name, role] of [
    ["alice", "operator"],
    ["bob", "operator"],
    ["carol", "viewer"],
  ]) {
    const r = await api("POST", "/api/v1/users", {
      token: admin,
      body: { name, role, password: "a-long-password-1" },
    });
    expect(r.status).toBe(201);
  }
});

afterAll(async () => {
  await lineops?.stop();
});

const tokenFor = async (user: string, role: string) => {
  const r = await api("POST", "/api/v1/tokens", {
    token: admin,
    body: { name: `${user}-laptop`, role, user },
  });
  expect(r.status).toBe(201);
  return r.body.token as string;
};

describe("contact methods and user tokens", () => {
  it("a user edits their own contact methods; another user may not; an admin may", async () => {
    const alice = await tokenFor("alice", "operator");
    const put = await api("PUT", "/api/v1/users/alice/contact", {
      token: alice,
      body: {
        email: "alice@plant.example",
        phone: "+4915112345678",
        andon: { line: "line-1", station: "press" },
      },
    });
    expect([put.status, put.body.contact]).toEqual([
      200,
      { email: "alice@plant.example", phone: "+4915112345678", andon: { line: "line-1", station: "press" } },
    ]);
    const bad = await api("PUT", "/api/v1/users/alice/contact", {
      token: alice,
      body: { phone: "0151-123" },
    });
    expect([bad.status, bad.body.code]).toEqual([400, "LINEOPS_ERR_INVALID_FIELD"]);
    expect(bad.body.error).toMatch(/body\.phone: must be E\.164/);
    const other = await api("PUT", "/api/v1/users/bob/contact", { token: alice, body: {} });
    expect(other.status).toBe(403);
    expect((await api("GET", "/api/v1/users/alice/contact", { token: viewer })).status).toBe(403);
    const read = await api("GET", "/api/v1/users/alice/contact", { token: admin });
    expect(read.body.contact.phone).toBe("+4915112345678");
  });

  it("the audit trail names the person behind a user token, by kind and id", async () => {
    const bob = await tokenFor("bob", "admin"); // bob is an operator: his token never does more
    const denied = await api("POST", "/api/v1/teams", { token: bob, body: { name: "x" } });
    expect(denied.status).toBe(403);
    await api("PUT", "/api/v1/users/bob/contact", { token: bob, body: { chat: "@bob" } });
    const audit = await api("GET", "/api/v1/audit?limit=5", { token: admin });
    const record = (audit.body.records as Record<string, unknown>[]).find(
      (r) => r.target === "/api/v1/users/bob/contact",
    );
    const bobId = lineops.users.get("bob")?.id;
    expect(record).toMatchObject({
      actor: 'bob via token "bob-laptop" (operator)',
      principal: { kind: "token" },
      user: { id: bobId, name: "bob" },
      outcome: "success",
    });
    // A token named like a user is still told apart: its principal is a token without a person.
    const imposter = lineops.tokens.create("bob", "operator").token;
    await api("PUT", "/api/v1/users/bob/contact", { token: imposter, body: {} });
    const last = (await api("GET", "/api/v1/audit?limit=1", { token: admin })).body.records[0];
    expect(last).toMatchObject({ actor: "bob (operator)", principal: { kind: "token" }, outcome: "denied" });
    expect(last.user).toBeUndefined();
    // A disabled user's tokens stop working.
    await api("PATCH", "/api/v1/users/bob", { token: admin, body: { disabled: true } });
    expect((await api("GET", "/api/v1/teams", { token: bob })).status).toBe(401);
    await api("PATCH", "/api/v1/users/bob", { token: admin, body: { disabled: false } });
  });
});

describe("teams, schedules, overrides", () => {
  const schedule = {
    timezone: "Europe/Berlin",
    team: "maintenance",
    layers: [
      {
        name: "days",
        rotation: { type: "weekly" },
        rotationStart: "2026-03-02",
        handoff: "06:00",
        participants: ["alice", "bob"],
      },
      {
        name: "nights",
        rotation: { type: "daily" },
        rotationStart: "2026-03-02",
        handoff: "22:00",
        participants: ["carol"],
        restrictions: ["22:00-06:00"],
      },
    ],
  };

  it("viewers read, admins write; bad input names the field and changes nothing", async () => {
    expect(
      (await api("POST", "/api/v1/teams", { token: viewer, body: { name: "maintenance" } })).status,
    ).toBe(403);
    const team = await api("POST", "/api/v1/teams", {
      token: admin,
      body: { name: "maintenance", members: ["alice", "bob"] },
    });
    expect([team.status, team.body.members]).toEqual([201, ["alice", "bob"]]);
    const created = await api("PUT", "/api/v1/schedules/line-1", { token: admin, body: schedule });
    expect([created.status, created.body.created, created.body.schedule.team]).toEqual([
      201,
      true,
      "maintenance",
    ]);

    const overlapping = {
      ...schedule,
      layers: [{ ...schedule.layers[1], restrictions: ["22:00-06:00", "Mon 05:00-07:00"] }],
    };
    const bad = await api("PUT", "/api/v1/schedules/line-1", { token: admin, body: overlapping });
    expect([bad.status, bad.body.code]).toEqual([400, "LINEOPS_ERR_ONCALL_SCHEDULE_INVALID"]);
    expect(bad.body.error).toMatch(/layers\[0\]\.restrictions\[1\]: overlaps layers\[0\]\.restrictions\[0\]/);
    const empty = await api("PUT", "/api/v1/schedules/line-1", {
      token: admin,
      body: { ...schedule, layers: [{ ...schedule.layers[0], participants: [] }] },
    });
    expect(empty.body.error).toMatch(/layers\[0\]\.participants: empty layer "days"/);
    const zero = await api("PUT", "/api/v1/schedules/line-1", {
      token: admin,
      body: {
        ...schedule,
        layers: [{ ...schedule.layers[0], rotation: { type: "custom", every: 0, unit: "days" } }],
      },
    });
    expect(zero.body.error).toMatch(/layers\[0\]\.rotation\.every/);
    const read = await api("GET", "/api/v1/schedules/line-1", { token: viewer });
    expect([read.status, read.body.revision, read.body.layers.length]).toEqual([200, 1, 2]);
  });

  it("the final schedule, an override on top, who is on call now", async () => {
    const from = "2026-03-03T04:00:00Z";
    const shifts = await api("GET", `/api/v1/schedules/line-1/shifts?from=${from}&to=2026-03-03T06:00:00Z`, {
      token: viewer,
    });
    expect(shifts.body.shifts.map((s: { user: string; source: { kind: string } }) => s.user)).toEqual([
      "carol",
      "alice",
    ]);
    const o = await api("POST", "/api/v1/schedules/line-1/overrides", {
      token: admin,
      body: { user: "bob", start: "2026-03-03T04:30:00Z", end: "2026-03-03T05:30:00Z" },
    });
    expect(o.status).toBe(201);
    const again = await api("POST", "/api/v1/schedules/line-1/overrides", {
      token: admin,
      body: { user: "alice", start: "2026-03-03T05:00:00Z", end: "2026-03-03T07:00:00Z" },
    });
    expect([again.status, again.body.code]).toEqual([400, "LINEOPS_ERR_ONCALL_OVERRIDE_INVALID"]);
    const now = await api("GET", "/api/v1/schedules/line-1/oncall?at=2026-03-03T05:00:00Z", {
      token: viewer,
    });
    expect(now.body).toMatchObject({
      shift: { user: "bob", source: { kind: "override" } },
      person: { name: "bob" },
    });
    const all = await api("GET", "/api/v1/oncall?at=2026-03-03T12:00:00Z", { token: viewer });
    expect(
      all.body.oncall.map((x: { schedule: string; person?: { name: string } }) => [
        x.schedule,
        x.person?.name,
      ]),
    ).toEqual([["line-1", "alice"]]);
    // A participant of a rotation is not removed while a schedule names them.
    const remove = await api("DELETE", "/api/v1/users/carol", { token: admin });
    expect([remove.status, remove.body.code]).toEqual([409, "LINEOPS_ERR_ONCALL_USER_IN_USE"]);
    expect(
      (await api("DELETE", `/api/v1/schedules/line-1/overrides/${o.body.id}`, { token: admin })).status,
    ).toBe(200);
    const bad = await api(
      "GET",
      "/api/v1/schedules/line-1/shifts?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z",
      {
        token: viewer,
      },
    );
    expect([bad.status, bad.body.code]).toEqual([400, "LINEOPS_ERR_ONCALL_RANGE_INVALID"]);
  });
});
