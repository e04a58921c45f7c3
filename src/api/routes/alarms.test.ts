// The alarm routes on a real lineops (no line): alerts posted to the Alertmanager API become alarms
// with a priority and a position; an operator shelves and unshelves (audited, naming who), a viewer
// may only read; the KPI report as JSON and RFC 4180 CSV; bad input is a 400 naming the field.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprint } from "../../alerting/fingerprint.js";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";

let lineops: Lineops;
let admin = "";
let viewer = "";
let operator = "";
const api = injectApi(() => lineops);
const labels = { alertname: "StationJammed", line: "line-1", station: "3", severity: "critical" };
const fp = fingerprint(labels);

beforeAll(async () => {
  lineops = await startLineops({
    dataDir: tempDir("lineops-alarms-api-"),
    port: 0,
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  viewer = lineops.tokens.create("view", "viewer").token;
  operator = lineops.tokens.create("ann", "operator").token;
  const posted = await api("POST", "/api/v2/alerts", { token: operator, body: [{ labels }] });
  expect(posted.status).toBe(200);
});

afterAll(async () => {
  await lineops?.stop();
});

describe("GET /api/v1/alarms", () => {
  it("shows a posted alert as an unacknowledged high-priority alarm of its position", async () => {
    const r = await api("GET", "/api/v1/alarms", { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body.data.alarms).toEqual([
      expect.objectContaining({
        fingerprint: fp,
        position: "line-1/3",
        priority: "high",
        state: "unacknowledged",
        chattering: false,
        stale: false,
      }),
    ]);
    expect(r.body.data.floods).toEqual([]);
    expect((await api("GET", "/api/v1/alarms")).status).toBe(401);
  });
});

describe("shelving", () => {
  it("a viewer may not shelve; an operator shelves and unshelves, both audited with who and why", async () => {
    const body = { fingerprint: fp, duration: "30m", reason: "sensor on station 3 being replaced" };
    const denied = await api("POST", "/api/v1/alarms/shelves", { token: viewer, body });
    expect(denied.status).toBe(403);
    const r = await api("POST", "/api/v1/alarms/shelves", { token: operator, body });
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject({ fingerprint: fp, shelvedBy: "ann (operator)", reason: body.reason });
    expect(r.body.data.expiresAt - r.body.data.shelvedAt).toBe(30 * 60_000);
    const listed = await api("GET", "/api/v1/alarms/shelves", { token: viewer });
    expect(listed.body.data.shelves).toEqual([expect.objectContaining({ fingerprint: fp })]);
    expect((await api("GET", "/api/v1/alarms", { token: viewer })).body.data.alarms[0].state).toBe("shelved");
    expect((await api("DELETE", `/api/v1/alarms/shelves/${fp}`, { token: viewer })).status).toBe(403);
    const lifted = await api("DELETE", `/api/v1/alarms/shelves/${fp}`, { token: operator });
    expect(lifted.status).toBe(200);
    expect((await api("DELETE", `/api/v1/alarms/shelves/${fp}`, { token: operator })).status).toBe(404);
    const audit = await api("GET", "/api/v1/audit?limit=20", { token: admin });
    const records = audit.body.records as {
      action: string;
      actor: string;
      outcome: string;
      detail?: string;
    }[];
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "POST /api/v1/alarms/shelves",
          actor: "ann (operator)",
          outcome: "success",
          detail: `shelved ${fp} for 30m: ${body.reason}`,
        }),
        expect.objectContaining({
          action: "POST /api/v1/alarms/shelves",
          actor: "view (viewer)",
          outcome: "denied",
        }),
        expect.objectContaining({ action: "DELETE /api/v1/alarms/shelves/:fingerprint", outcome: "success" }),
      ]),
    );
  });

  it("bad input: 400 naming the field, nothing shelved", async () => {
    const cases: [unknown, RegExp][] = [
      [{ fingerprint: "nope", duration: "30m", reason: "r" }, /^body\.fingerprint: /],
      [{ fingerprint: fp, duration: "soon", reason: "r" }, /^duration: /],
      [{ fingerprint: fp, duration: "48h", reason: "r" }, /^duration: .*at most 720 minutes/],
      [{ fingerprint: fp, duration: "30m", reason: "   " }, /^body\.reason: /],
      [{ fingerprint: fp, duration: "30m" }, /^body\.reason: /],
      [{ fingerprint: fp, duration: "30m", reason: "r", extra: 1 }, /^body: unknown field "extra"/],
    ];
    for (const [body, message] of cases) {
      const r = await api("POST", "/api/v1/alarms/shelves", { token: operator, body });
      expect([r.status, r.body.error]).toEqual([400, expect.stringMatching(message)]);
    }
    const unknown = await api("POST", "/api/v1/alarms/shelves", {
      token: operator,
      body: { fingerprint: "0123456789abcdef", duration: "30m", reason: "r" },
    });
    expect(unknown.status).toBe(404);
    expect((await api("DELETE", "/api/v1/alarms/shelves/xyz", { token: operator })).body.error).toMatch(
      /^params\.fingerprint: /,
    );
    expect((await api("GET", "/api/v1/alarms/shelves", { token: viewer })).body.data.shelves).toEqual([]);
  });
});

describe("GET /api/v1/alarms/kpi", () => {
  it("reports the last 24 h as JSON with MTTA n/a (no acknowledgement source yet)", async () => {
    const r = await api("GET", "/api/v1/alarms/kpi", { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      alarms: 1,
      positions: [expect.objectContaining({ position: "line-1/3", alarms: 1 })],
      priorities: { counts: { high: 1 }, target: { low: 80, medium: 15, high: 5 } },
      mtta: { seconds: null, note: expect.stringMatching(/^n\/a/) },
    });
    expect(r.body.data.to - r.body.data.from).toBe(86_400_000);
  });

  it("as RFC 4180 CSV, for one position", async () => {
    const r = await api("GET", "/api/v1/alarms/kpi?format=csv&position=line-1%2F3", { token: viewer });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/csv/);
    expect(r.text.startsWith("section,position,name,value,target\r\n")).toBe(true);
    expect(r.text).toContain("position,line-1/3,alarms,1,\r\n");
  });

  it("bad periods and formats: 400 naming the parameter", async () => {
    const cases: [string, RegExp][] = [
      ["from=yesterday", /"from"/],
      ["from=2000&to=1000", /^from: must be before to/],
      ["from=0&to=100000000", /^from: the period may span at most/],
      ["format=pdf", /^querystring\.format: /],
      ["colour=red", /^querystring: unknown field "colour"/],
    ];
    for (const [q, message] of cases) {
      const r = await api("GET", `/api/v1/alarms/kpi?${q}`, { token: viewer });
      expect([q, r.status, r.body.error]).toEqual([q, 400, expect.stringMatching(message)]);
    }
  });
});
