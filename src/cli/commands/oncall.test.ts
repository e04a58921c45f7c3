// `lineops oncall` and `lineops user contact`: the compiled CLI (npm run build) against lineops's API
// server (buildServer with the on-call directory) on a real port.
import { writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnCallDirectory } from "../../alerting/index.js";
import type { ApiContext } from "../../api/context.js";
import { createMetrics } from "../../api/metrics.js";
import { buildServer } from "../../api/server.js";
import { AuditRepository } from "../../store/audit.js";
import { ContactRepository } from "../../store/contacts.js";
import { openDb, type Db } from "../../store/db.js";
import { ScheduleRepository } from "../../store/schedules.js";
import { SessionRepository } from "../../store/sessions.js";
import { TeamRepository } from "../../store/teams.js";
import { TokenRepository } from "../../store/tokens.js";
import { UserRepository } from "../../store/users.js";
import { runCli } from "../../test-support/cli.js";
import { tempDir } from "../../test-support/line.js";

let app: FastifyInstance;
let db: Db;
let url = "";
let admin = "";
let alice = "";
const dir = tempDir("lineops-oncall-cli-");

const cli = (args: string[], token = admin) =>
  runCli(args, { LINEOPS_URL: url, LINEOPS_TOKEN: token }, 20_000);

/** An engine these routes never call: any use throws, naming it. */
function standIn(name: string): object {
  return new Proxy(function standIn() {}, {
    get: (_t, prop) => (prop === "then" ? undefined : standIn(`${name}.${String(prop)}`)),
    apply: () => {
      throw new Error(`${name}() called by an on-call CLI test`);
    },
  });
}

beforeAll(async () => {
  db = openDb(dir);
  const users = new UserRepository(db);
  const tokens = new TokenRepository(db);
  for (const name of ["alice", "bob"]) {
    users.create(name, "operator", "$argon2id$not-a-real-hash");
  }
  const ctx = {
    version: "9.9.9-test",
    deployment: standIn("deployment"),
    monitoring: standIn("monitoring"),
    runtime: standIn("runtime"),
    revisions: standIn("revisions"),
    metrics: standIn("metrics"),
    logger: pino({ level: "silent" }),
    tokens,
    users,
    sessions: new SessionRepository(db),
    audit: new AuditRepository(db),
    oncall: new OnCallDirectory({
      users,
      contacts: new ContactRepository(db),
      teams: new TeamRepository(db),
      schedules: new ScheduleRepository(db),
    }),
    isReady: () => true,
    reload: () => Promise.resolve(undefined),
  } as unknown as ApiContext;
  app = await buildServer(ctx, { bodyLimitBytes: 1024 * 1024, metrics: createMetrics(() => undefined) });
  await app.listen({ host: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  admin = tokens.create("admin", "admin").token;
  const a = users.get("alice");
  alice = tokens.create("alice-laptop", "operator", a && { id: a.id, name: a.name }).token;
});

afterAll(async () => {
  await app?.close();
  db?.close();
});

describe("lineops oncall", () => {
  it("user contact: a user sets their own; bad values are refused naming the field", async () => {
    const set = await cli(
      ["user", "contact", "alice", "--phone", "+4915112345678", "--andon", "line-1/press"],
      alice,
    );
    expect([set.code, set.stderr]).toEqual([0, ""]);
    expect(set.stdout).toContain("phone     +4915112345678");
    expect(set.stdout).toContain("andon     line-1/press");
    const bad = await cli(["user", "contact", "alice", "--phone", "12345"], alice);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/body\.phone: must be E\.164/);
    const other = await cli(["user", "contact", "bob", "--chat", "@bob"], alice);
    expect(other.stderr).toMatch(/403/);
  });

  it("schedule apply, now, show, override", async () => {
    const file = path.join(dir, "line-1.yaml");
    writeFileSync(
      file,
      `timezone: Europe/Berlin
layers:
  - name: days
    rotation: { type: daily }
    rotationStart: "2026-03-02"
    handoff: "06:00"
    participants: [alice, bob]
`,
    );
    const apply = await cli(["oncall", "schedule", "apply", "line-1", "-f", file]);
    expect([apply.code, apply.stdout]).toEqual([0, "schedule line-1 created (revision 1)\n"]);
    const now = await cli(["oncall", "now", "line-1", "--at", "2026-03-03T12:00:00Z"]);
    expect(now.stdout).toMatch(/line-1\s+bob\s+2026-03-04T05:00:00Z\s+layer days/);
    const show = await cli([
      "oncall",
      "show",
      "line-1",
      "--from",
      "2026-03-02T05:00:00Z",
      "--to",
      "2026-03-04T05:00:00Z",
    ]);
    expect(show.stdout).toMatch(/START \(Europe\/Berlin\)/);
    expect(show.stdout).toMatch(/2026-03-02 06:00\s+2026-03-03 06:00\s+alice\s+layer days/);
    expect(show.stdout).toMatch(/2026-03-03 06:00\s+2026-03-04 06:00\s+bob\s+layer days/);
    const o = await cli([
      "oncall",
      "override",
      "add",
      "line-1",
      "--user",
      "alice",
      "--from",
      "2026-03-03T11:00:00Z",
      "--to",
      "2026-03-03T13:00:00Z",
    ]);
    expect(o.code).toBe(0);
    const again = await cli(["oncall", "now", "line-1", "--at", "2026-03-03T12:00:00Z", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      person: { name: "alice", contact: { phone: "+4915112345678" } },
    });
    const empty = path.join(dir, "empty.yaml");
    writeFileSync(empty, "timezone: UTC\nlayers: []\n");
    const refused = await cli(["oncall", "schedule", "apply", "line-1", "-f", empty]);
    expect(refused.stderr).toMatch(/layers: a schedule needs at least one layer/);
  });
});
