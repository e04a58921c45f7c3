// The escalation runner with the real incident manager, outbox table and on-call directory on a
// SQLite file, and a manual clock: level timeouts, acknowledgement stops the chain, an
// acknowledgement timeout re-triggers it, repeats, resolve, and a restart in the middle that fires
// the next level at its stored time, once.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { fingerprint } from "../fingerprint.js";
import { IncidentManager, type ObservedAlert } from "../incidents/manager.js";
import { Outbox } from "../notify/outbox/outbox.js";
import { OnCallDirectory } from "../oncall/directory.js";
import { ContactRepository } from "../../store/contacts.js";
import { openDb, type Db } from "../../store/db.js";
import { EscalationPolicyRepository } from "../../store/escalation.js";
import { ScheduleRepository } from "../../store/schedules.js";
import { TeamRepository } from "../../store/teams.js";
import { UserRepository } from "../../store/users.js";
import { tempDir } from "../../test-support/line.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { EscalationPolicies } from "./policies.js";
import { EscalationRunner } from "./runner.js";

const T0 = Date.parse("2026-12-03T08:00:00Z");
const MIN = 60_000;
const silent = { info: () => {}, warn: () => {}, error: () => {} };
const secret = randomBytes(32);

const plcDown: ObservedAlert = {
  fingerprint: fingerprint({ alertname: "PLCDisconnected", job: "plc-gateway" }),
  labels: { alertname: "PLCDisconnected", job: "plc-gateway", severity: "critical", line: "line-1" },
  annotations: {},
  startsAt: T0,
  endsAt: 0,
  status: "firing",
};

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) {
    db.close();
  }
});

type Harness = ReturnType<typeof harness>;

function harness(opts: { dir?: string; clock?: ManualClock; seed?: boolean } = {}) {
  const dir = opts.dir ?? tempDir("lineops-escalation-");
  const db = openDb(dir);
  dbs.push(db);
  const clock = opts.clock ?? new ManualClock(T0);
  const users = new UserRepository(db);
  const directory = new OnCallDirectory({
    users,
    contacts: new ContactRepository(db),
    teams: new TeamRepository(db),
    schedules: new ScheduleRepository(db),
  });
  const policies = new EscalationPolicies(
    new EscalationPolicyRepository(db),
    { checkPerson: (t) => directory.checkTarget(t), receivers: () => ["oncall", "andon"] },
    () => clock.now(),
  );
  if (opts.seed !== false) {
    for (const name of ["alice", "bob", "nomail"]) {
      users.create(name, "operator", "$argon2id$not-a-real-hash");
    }
    directory.setContact("alice", { email: "alice@plant.example" });
    directory.setContact("bob", { email: "bob@plant.example", phone: "+4915112345678" });
    directory.createTeam("maintenance", ["bob"]);
  }
  // Not started: the test reads what was stored, with its key and channel.
  const outbox = new Outbox({ db, channels: [], clock });
  const runner = new EscalationRunner({
    db,
    outbox,
    people: directory,
    policies: () => policies.list(),
    receiverChannels: (r) => [`${r}/webhook/0`],
    personChannels: (p) =>
      [
        p.contact.email ? `person/${p.name}/email` : undefined,
        p.contact.phone ? `person/${p.name}/sms` : undefined,
      ].filter((x): x is string => x !== undefined),
    clock,
    logger: silent,
  });
  const incidents = new IncidentManager({
    db,
    clock,
    logger: silent,
    sink: runner,
    linkSecret: secret,
    externalURL: () => "http://lineops.test",
  });
  runner.attach(incidents);
  incidents.start();
  runner.start();
  return { db, dir, clock, policies, runner, incidents, directory };
}

/** Stored outbox rows, oldest first. */
const rows = (h: Harness) =>
  h.db.prepare("SELECT key, channel FROM notification_outbox ORDER BY rowid").all() as {
    key: string;
    channel: string;
  }[];
const pages = (h: Harness) => rows(h).filter((r) => r.key.startsWith("escalation/"));
const escalationLines = (h: Harness, id = 1) =>
  h.incidents
    .get(id)
    .timeline.filter((e) => e.kind === "escalation")
    .map((e) => e.message);

/** Lets the runner's post-transaction work (setImmediate) run. */
const settle = () => new Promise((r) => setImmediate(r));

const twoLevels = {
  default: true,
  levels: [
    { timeout: "5m", targets: [{ kind: "user", name: "alice" }] },
    {
      timeout: "10m",
      targets: [
        { kind: "team", name: "maintenance" },
        { kind: "receiver", name: "oncall" },
      ],
    },
  ],
};

describe("escalation along a policy", () => {
  it("pages level 1 with the incident, level 2 after level 1's timeout, then stops when the chain is done", async () => {
    const h = harness();
    h.policies.put("line", twoLevels, "admin");
    h.incidents.observe([plcDown]);
    await settle();
    expect(pages(h)).toEqual([
      { key: "escalation/1/1/0/1/person/alice/email", channel: "person/alice/email" },
    ]);
    await h.clock.advance(5 * MIN - 1);
    expect(pages(h)).toHaveLength(1);
    await h.clock.advance(1);
    expect(pages(h).map((r) => r.channel)).toEqual([
      "person/alice/email",
      "person/bob/email",
      "person/bob/sms",
      "oncall/webhook/0",
    ]);
    expect(pages(h)[1]?.key).toBe("escalation/1/1/0/2/person/bob/email");
    await h.clock.advance(60 * MIN);
    expect(pages(h)).toHaveLength(4);
    expect(h.runner.state(1)).toMatchObject({ state: "exhausted", level: 2, repeat: 0 });
    expect(escalationLines(h)).toEqual([
      "escalation policy line started",
      "level 1 of 2: paged person/alice/email",
      "level 2 of 2: paged person/bob/email, person/bob/sms, oncall/webhook/0",
    ]);
  });

  it("stops on acknowledgement and tells the channels already paged", async () => {
    const h = harness();
    h.policies.put("line", twoLevels, "admin");
    h.incidents.observe([plcDown]);
    await h.clock.advance(2 * MIN);
    h.incidents.acknowledge(1, "alice");
    await h.clock.advance(60 * MIN);
    expect(pages(h)).toHaveLength(1);
    const acks = rows(h).filter(
      (r) => !r.key.startsWith("escalation/") && r.channel === "person/alice/email",
    );
    expect(acks).toHaveLength(1);
    expect(acks[0]?.key).toMatch(/^incident\/1\/\d+\/person\/alice\/email$/);
    expect(h.runner.state(1)).toMatchObject({ state: "acknowledged" });
    expect(escalationLines(h).at(-1)).toBe("escalation stopped: acknowledged; told person/alice/email");
  });

  it("stops on resolve", async () => {
    const h = harness();
    h.policies.put("line", twoLevels, "admin");
    h.incidents.observe([plcDown]);
    h.incidents.resolve(1, "bob");
    await h.clock.advance(60 * MIN);
    expect(pages(h)).toHaveLength(1);
    expect(h.runner.state(1)?.state).toBe("resolved");
  });

  it("re-triggers when the acknowledgement times out, and pages level 1 again under new keys", async () => {
    const h = harness();
    h.policies.put("line", { ...twoLevels, ack_timeout: "30m" }, "admin");
    h.incidents.observe([plcDown]);
    await h.clock.advance(MIN);
    h.incidents.acknowledge(1, "alice");
    await settle();
    expect(h.incidents.get(1)).toMatchObject({ status: "acknowledged", snoozedUntil: T0 + 31 * MIN });
    await h.clock.advance(30 * MIN - 1);
    expect(pages(h)).toHaveLength(1);
    await h.clock.advance(1);
    await settle();
    expect(h.incidents.get(1).status).toBe("triggered");
    expect(pages(h).map((r) => r.key)).toEqual([
      "escalation/1/1/0/1/person/alice/email",
      "escalation/1/2/0/1/person/alice/email",
    ]);
    await h.clock.advance(5 * MIN);
    expect(pages(h)).toHaveLength(5);
  });

  it("repeats the chain `repeat` times, then stops", async () => {
    const h = harness();
    h.policies.put(
      "line",
      {
        default: true,
        repeat: 2,
        levels: [
          { timeout: "5m", targets: [{ kind: "user", name: "alice" }] },
          { timeout: "5m", targets: [{ kind: "receiver", name: "oncall" }] },
        ],
      },
      "admin",
    );
    h.incidents.observe([plcDown]);
    await h.clock.advance(120 * MIN);
    expect(pages(h).map((r) => r.key)).toEqual([
      "escalation/1/1/0/1/person/alice/email",
      "escalation/1/1/0/2/oncall/webhook/0",
      "escalation/1/1/1/1/person/alice/email",
      "escalation/1/1/1/2/oncall/webhook/0",
      "escalation/1/1/2/1/person/alice/email",
      "escalation/1/1/2/2/oncall/webhook/0",
    ]);
    expect(h.runner.state(1)?.state).toBe("exhausted");
  });

  it("moves on at once past a level whose people cannot be reached", async () => {
    const h = harness();
    h.policies.put(
      "line",
      {
        default: true,
        levels: [
          { timeout: "5m", targets: [{ kind: "user", name: "nomail" }] },
          { timeout: "5m", targets: [{ kind: "user", name: "alice" }] },
        ],
      },
      "admin",
    );
    h.incidents.observe([plcDown]);
    await settle();
    expect(pages(h).map((r) => r.channel)).toEqual(["person/alice/email"]);
    expect(escalationLines(h)[1]).toBe(
      "level 1 of 2: nobody to page (no contact method for nomail), moving on",
    );
  });

  it("picks the matching policy before the default, and notes when none applies", async () => {
    const h = harness();
    h.policies.put(
      "plc",
      {
        match: { labels: { job: "plc-gateway" }, priorities: ["critical"] },
        levels: [{ timeout: "5m", targets: [{ kind: "receiver", name: "andon" }] }],
      },
      "admin",
    );
    h.incidents.observe([plcDown]);
    await settle();
    expect(pages(h).map((r) => r.channel)).toEqual(["andon/webhook/0"]);
    h.policies.remove("plc");
    h.incidents.observe([{ ...plcDown, fingerprint: "x", labels: { alertname: "Other", severity: "info" } }]);
    await settle();
    expect(escalationLines(h, 2)).toEqual(["no escalation policy matches this incident: nobody is paged"]);
  });
});

describe("a restart in the middle of a chain", () => {
  it("fires the next level at its stored time, once, and never repeats a level", async () => {
    const clock = new ManualClock(T0);
    const first = harness({ clock });
    first.policies.put("line", twoLevels, "admin");
    first.incidents.observe([plcDown]);
    await clock.advance(2 * MIN);
    // The process dies: nothing more runs; the file is all that is left.
    first.runner.stop();
    first.incidents.stop();
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);

    const clock2 = new ManualClock(T0 + 4 * MIN);
    const second = harness({ dir: first.dir, clock: clock2, seed: false });
    await settle();
    expect(pages(second)).toHaveLength(1);
    expect(clock2.pending()).toContain(T0 + 5 * MIN);
    await clock2.advance(MIN);
    expect(pages(second).map((r) => r.key)).toEqual([
      "escalation/1/1/0/1/person/alice/email",
      "escalation/1/1/0/2/person/bob/email",
      "escalation/1/1/0/2/person/bob/sms",
      "escalation/1/1/0/2/oncall/webhook/0",
    ]);
    const levelLines = escalationLines(second).filter((l) => l.startsWith("level"));
    expect(levelLines).toHaveLength(2);
  });

  it("catches up with a step that came due while it was down, without skipping it", async () => {
    const clock = new ManualClock(T0);
    const first = harness({ clock });
    first.policies.put("line", twoLevels, "admin");
    first.incidents.observe([plcDown]);
    await settle();
    first.runner.stop();
    first.incidents.stop();
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);
    const second = harness({ dir: first.dir, clock: new ManualClock(T0 + 7 * MIN), seed: false });
    await settle();
    expect(pages(second)).toHaveLength(4);
    expect(second.runner.state(1)).toMatchObject({ state: "exhausted" });
  });
});

describe("policies", () => {
  const errorOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return `${(e as { httpStatus?: number }).httpStatus ?? "?"} ${(e as Error).message}`;
    }
    return "no error";
  };

  it("refuses unknown users, schedules, teams and receivers by name, storing nothing", () => {
    const h = harness();
    const level = (kind: string, name: string) => ({
      levels: [
        {
          timeout: "5m",
          targets: [
            { kind: "user", name: "alice" },
            { kind, name },
          ],
        },
      ],
    });
    expect(errorOf(() => h.policies.put("p", level("user", "mallory"), "admin"))).toBe(
      '400 levels[0].targets[1]: unknown user "mallory"',
    );
    expect(errorOf(() => h.policies.put("p", level("schedule", "nights"), "admin"))).toBe(
      '400 levels[0].targets[1]: unknown schedule "nights"',
    );
    expect(errorOf(() => h.policies.put("p", level("team", "ghosts"), "admin"))).toBe(
      '400 levels[0].targets[1]: unknown team "ghosts"',
    );
    expect(errorOf(() => h.policies.put("p", level("receiver", "pager"), "admin"))).toBe(
      '400 levels[0].targets[1]: unknown receiver "pager"',
    );
    expect(errorOf(() => h.policies.put("p", { levels: [] }, "admin"))).toBe(
      "400 levels: a policy needs at least one level",
    );
    expect(errorOf(() => h.policies.put("p", { levels: [{ timeout: "1s", targets: [] }] }, "admin"))).toMatch(
      /^400 levels\.0\.timeout: timeout: a duration from 10s/,
    );
    expect(h.policies.list()).toEqual([]);
  });

  it("allows one default policy only", () => {
    const h = harness();
    h.policies.put("a", twoLevels, "admin");
    expect(errorOf(() => h.policies.put("b", twoLevels, "admin"))).toBe(
      '400 default: policy "a" is the default already (at most one)',
    );
    expect(h.policies.put("a", twoLevels, "admin").created).toBe(false);
    expect(h.policies.get("a").revision).toBe(2);
  });
});
