// Incident routes on a real lineops (no line: alerts are POSTed to the Alertmanager v2 API): a viewer
// reads, an operator acts and is named in the timeline and the audit trail, bad input is a clear 4xx
// that changes nothing, and one-click links show a confirm page on GET, act once on POST and refuse
// expired, reused and tampered tokens.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";

let lineops: Lineops;
let admin = "";
let viewer = "";
let operator = "";
const api = injectApi(() => lineops);

beforeAll(async () => {
  lineops = await startLineops({
    dataDir: tempDir("lineops-incidents-api-"),
    port: 0,
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  viewer = lineops.tokens.create("watcher", "viewer").token;
  operator = lineops.tokens.create("oncall", "operator").token;
  const posted = await api("POST", "/api/v2/alerts", {
    token: operator,
    body: [
      { labels: { alertname: "PumpDown", severity: "critical", instance: "p1" } },
      { labels: { alertname: "PumpDown", severity: "critical", instance: "p2" } },
      { labels: { alertname: "TankLow", severity: "warning" } },
    ],
  });
  expect(posted.status).toBe(200);
});

afterAll(async () => {
  await lineops?.stop();
});

const incidentIdOf = async (title: RegExp) => {
  const list = (await api("GET", "/api/v1/incidents", { token: viewer })).body.incidents as {
    id: number;
    title: string;
  }[];
  const found = list.find((i) => title.test(i.title));
  expect(
    found,
    `an incident titled ${String(title)} in ${JSON.stringify(list.map((i) => i.title))}`,
  ).toBeDefined();
  return found?.id as number;
};

describe("incidents over the API", () => {
  it("lists and reads for a viewer; refuses a viewer's changes; an operator's change names them in timeline and audit", async () => {
    const id = await incidentIdOf(/^PumpDown/);
    const detail = await api("GET", `/api/v1/incidents/${id}`, { token: viewer });
    expect(detail.body).toMatchObject({ id, status: "triggered", priority: "critical", alertCount: 2 });
    expect(
      (await api("GET", "/api/v1/incidents?status=open", { token: viewer })).body.incidents,
    ).toHaveLength(2);

    const refused = await api("POST", `/api/v1/incidents/${id}/acknowledge`, { token: viewer });
    expect([refused.status, refused.body.code]).toEqual([403, "LINEOPS_ERR_FORBIDDEN"]);
    expect((await api("GET", `/api/v1/incidents/${id}`, { token: viewer })).body.status).toBe("triggered");

    const acked = await api("POST", `/api/v1/incidents/${id}/acknowledge`, { token: operator });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ status: "acknowledged", acknowledgedBy: "oncall (operator)" });
    const again = await api("POST", `/api/v1/incidents/${id}/acknowledge`, { token: operator });
    expect([again.status, again.body.code]).toEqual([409, "LINEOPS_ERR_INCIDENT_TRANSITION"]);

    expect(
      (
        await api("POST", `/api/v1/incidents/${id}/reassign`, {
          token: operator,
          body: { assignee: "maintenance team" },
        })
      ).body.assignee,
    ).toBe("maintenance team");
    expect(
      (
        await api("POST", `/api/v1/incidents/${id}/notes`, {
          token: operator,
          body: { text: "pump 2 replaced" },
        })
      ).status,
    ).toBe(201);
    const snoozed = await api("POST", `/api/v1/incidents/${id}/snooze`, {
      token: operator,
      body: { for: "30m" },
    });
    expect(snoozed.body.snoozedUntil).toBeGreaterThan(Date.now() + 29 * 60_000);
    const resolved = await api("POST", `/api/v1/incidents/${id}/resolve`, { token: operator });
    expect(resolved.body).toMatchObject({ status: "resolved", resolvedBy: "oncall (operator)" });
    expect(
      (resolved.body.timeline as { kind: string; actor?: string }[])
        .filter((e) => e.actor === "oncall (operator)")
        .map((e) => e.kind),
    ).toEqual(["acknowledged", "reassigned", "note", "snoozed", "resolved"]);

    const audit = (await api("GET", "/api/v1/audit", { token: admin })).body.records as {
      actor: string;
      action: string;
      target: string;
      outcome: string;
      detail?: string;
    }[];
    const mine = audit.filter((r) => r.target.startsWith(`/api/v1/incidents/${id}/`));
    expect(mine.map((r) => [r.actor, r.outcome, r.detail])).toEqual(
      expect.arrayContaining([
        ["oncall (operator)", "success", `incident ${id}: acknowledge`],
        ["oncall (operator)", "failed", `incident ${id}: acknowledge`],
        ["watcher (viewer)", "denied", undefined],
        ["oncall (operator)", "success", `incident ${id}: resolve`],
      ]),
    );
  });

  it("answers bad input with a clear 4xx naming the thing at fault, changing nothing", async () => {
    const id = await incidentIdOf(/^TankLow/);
    const before = (await api("GET", `/api/v1/incidents/${id}`, { token: viewer })).body;
    const cases: [string, string, unknown, number, string, RegExp][] = [
      [
        "POST",
        "/api/v1/incidents/999/acknowledge",
        undefined,
        404,
        "LINEOPS_ERR_INCIDENT_NOT_FOUND",
        /incident 999 not found/,
      ],
      ["POST", "/api/v1/incidents/abc/acknowledge", undefined, 400, "LINEOPS_ERR_BAD_REQUEST", /id/],
      [
        "POST",
        `/api/v1/incidents/${id}/snooze`,
        { for: "soon" },
        400,
        "LINEOPS_ERR_INCIDENT_INVALID",
        /body\.for/,
      ],
      [
        "POST",
        `/api/v1/incidents/${id}/snooze`,
        { until: "2001-01-01T00:00:00Z" },
        400,
        "LINEOPS_ERR_INCIDENT_INVALID",
        /future/,
      ],
      ["POST", `/api/v1/incidents/${id}/snooze`, {}, 400, "LINEOPS_ERR_INVALID_FIELD", /until or for/],
      [
        "POST",
        `/api/v1/incidents/${id}/reassign`,
        { assignee: "<script>" },
        400,
        "LINEOPS_ERR_INCIDENT_INVALID",
        /assignee/,
      ],
      ["POST", `/api/v1/incidents/${id}/notes`, { text: "" }, 400, "LINEOPS_ERR_INVALID_FIELD", /body\.text/],
      [
        "POST",
        `/api/v1/incidents/${id}/links`,
        { action: "delete" },
        400,
        "LINEOPS_ERR_INVALID_FIELD",
        /body\.action/,
      ],
      ["GET", "/api/v1/incidents?status=sleeping", undefined, 400, "LINEOPS_ERR_BAD_REQUEST", /status/],
    ];
    for (const [method, url, body, status, code, message] of cases) {
      const res = await api(method, url, { token: operator, ...(body === undefined ? {} : { body }) });
      expect([url, res.status, res.body.code]).toEqual([url, status, code]);
      expect(res.body.error).toMatch(message);
    }
    expect((await api("GET", `/api/v1/incidents/${id}`, { token: viewer })).body).toEqual(before);
  });

  it("one-click links: GET confirms without acting, POST acts once; expired, reused and tampered links change nothing", async () => {
    const id = await incidentIdOf(/^TankLow/);
    const minted = await api("POST", `/api/v1/incidents/${id}/links`, {
      token: operator,
      body: { action: "acknowledge", ttl: "1h" },
    });
    expect(minted.status).toBe(201);
    const path = new URL(minted.body.url as string).pathname;
    const token = path.split("/").pop() as string;

    // A chat app's link preview (GET, any Accept) changes nothing.
    const page = await api("GET", path, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toMatch(/Acknowledge incident \d+\?/);
    expect(page.text).toMatch(/<form method="post"><button type="submit">Acknowledge<\/button><\/form>/);
    expect((await api("GET", path)).body).toMatchObject({
      action: "acknowledge",
      incident: { id, status: "triggered" },
    });
    expect((await api("GET", `/api/v1/incidents/${id}`, { token: viewer })).body.status).toBe("triggered");

    // Tampered: another incident's id with this signature.
    const [body, mac] = token.split(".") as [string, string];
    const forgedClaims = Buffer.from(body, "base64url").toString().replace(/^\d+~/, "1~");
    const forged = `/api/v1/incident-links/${Buffer.from(forgedClaims).toString("base64url")}.${mac}`;
    const tampered = await api("POST", forged);
    expect([tampered.status, tampered.body.code]).toEqual([400, "LINEOPS_ERR_INCIDENT_LINK_INVALID"]);
    const tamperedPage = await api("POST", forged, { headers: { accept: "text/html" } });
    expect([tamperedPage.status, tamperedPage.text]).toEqual([
      400,
      expect.stringMatching(/does not verify[\s\S]*Nothing was changed/),
    ]);

    // The browser's form post: no body, an empty form type.
    const used = await api("POST", path, {
      type: "application/x-www-form-urlencoded",
      headers: { accept: "text/html" },
    });
    expect(used.status).toBe(200);
    expect(used.text).toMatch(/is now acknowledged/);
    expect((await api("GET", `/api/v1/incidents/${id}`, { token: viewer })).body).toMatchObject({
      status: "acknowledged",
      acknowledgedBy: "one-click link",
    });
    const reused = await api("POST", path);
    expect([reused.status, reused.body.code]).toEqual([409, "LINEOPS_ERR_INCIDENT_LINK_USED"]);
    expect((await api("GET", path)).status).toBe(409);

    const audit = (await api("GET", "/api/v1/audit", { token: admin })).body.records as {
      target: string;
      outcome: string;
      detail?: string;
    }[];
    expect(
      audit.filter((r) => r.target.startsWith("/api/v1/incident-links/")).map((r) => [r.outcome, r.detail]),
    ).toEqual(
      expect.arrayContaining([
        ["success", `incident ${id}: acknowledged through a one-click link`],
        ["failed", "one-click link"],
      ]),
    );

    const expiring = await api("POST", `/api/v1/incidents/${id}/links`, {
      token: operator,
      body: { action: "resolve", ttl: "1ms" },
    });
    const expiredPath = new URL(expiring.body.url as string).pathname;
    while (Date.now() <= (expiring.body.expiresAt as number)) {
      // The link expires 1 ms after it was made: wait for that millisecond to pass.
    }
    const expired = await api("POST", expiredPath);
    expect([expired.status, expired.body.code]).toEqual([410, "LINEOPS_ERR_INCIDENT_LINK_EXPIRED"]);
    expect((await api("GET", `/api/v1/incidents/${id}`, { token: viewer })).body.status).toBe("acknowledged");
  });
});
