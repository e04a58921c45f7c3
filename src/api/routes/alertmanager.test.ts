// The Alertmanager API v2 routes against an AlertingDouble over real Silences and SQLite: the JSON
// shapes Alertmanager 0.25 sends (golden), its errors (400 as a JSON string, 404 for an unknown
// silence), roles, body types and other spellings of the paths, and the audit of every mutation.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { routeTable } from "../auth.js";
import { AuditRepository } from "../../store/audit.js";
import type { Clock } from "../../clock.js";
import { startAlertmanagerApi, type AlertmanagerApiServer } from "../../test-support/alerting-double.js";

const T0 = Date.parse("2026-05-04T12:00:00.000Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A clock the tests set to any time; no timers run (the routes set none). */
class SetClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  setTimer(): never {
    throw new Error("no timers in these tests");
  }
  clearTimer(): void {}
}

let clock: SetClock;
let server: AlertmanagerApiServer;

type Reply = { status: number; text: string; type: string; body: unknown };

async function call(
  method: string,
  url: string,
  opts: { token?: string | undefined; body?: unknown; type?: string; raw?: string } = {},
): Promise<Reply> {
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const res = await server.app.inject({
    method: method as "GET",
    url,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(payload === undefined ? {} : { "content-type": opts.type ?? "application/json" }),
    },
    ...(payload === undefined ? {} : { payload }),
  });
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, text: res.body, type: String(res.headers["content-type"] ?? ""), body };
}

const viewer = () => server.tokens.viewer;
const operator = () => server.tokens.operator;

const silenceBody = (over: Record<string, unknown> = {}) => ({
  matchers: [{ name: "alertname", value: "StationJammed", isRegex: false, isEqual: true }],
  startsAt: iso(T0),
  endsAt: iso(T0 + 60 * MIN),
  createdBy: "shift-lead",
  comment: "jam cleared by hand, watching",
  ...over,
});

/** Asserts Alertmanager's error: `status` and the message as a bare JSON string. */
function expectAmError(res: Reply, status: number, message: RegExp): void {
  expect([res.status, typeof res.body], res.text).toEqual([status, "string"]);
  expect(res.type).toMatch(/^application\/json/);
  expect(res.body).toMatch(message);
}

beforeAll(async () => {
  clock = new SetClock(T0);
  server = await startAlertmanagerApi({ clock });
});
afterAll(async () => {
  await server?.close();
});

describe("silences", () => {
  afterEach(() => {
    for (const s of server.alerting.silences.query({ states: ["active", "pending"] })) {
      server.alerting.silences.expire(s.id);
    }
  });

  it("POST creates one and answers {silenceID}; GET /silence/{id} and /silences show it as Alertmanager does", async () => {
    clock.set(T0);
    const created = await call("POST", "/api/v2/silences", { token: operator(), body: silenceBody() });
    expect(created.status).toBe(200);
    const { silenceID } = created.body as { silenceID: string };
    expect(Object.keys(created.body as object)).toEqual(["silenceID"]);
    expect(silenceID).toMatch(/^[0-9a-f-]{36}$/);

    clock.set(T0 + MIN);
    const golden = {
      id: silenceID,
      status: { state: "active" },
      updatedAt: "2026-05-04T12:00:00.000Z",
      comment: "jam cleared by hand, watching",
      createdBy: "shift-lead",
      endsAt: "2026-05-04T13:00:00.000Z",
      matchers: [{ name: "alertname", value: "StationJammed", isRegex: false, isEqual: true }],
      startsAt: "2026-05-04T12:00:00.000Z",
    };
    const one = await call("GET", `/api/v2/silence/${silenceID}`, { token: viewer() });
    expect([one.status, one.body]).toEqual([200, golden]);
    const all = await call("GET", "/api/v2/silences", { token: viewer() });
    expect(all.body).toContainEqual(golden);
  });

  it("takes times with offsets and nanoseconds, and isEqual absent as true", async () => {
    clock.set(T0);
    const created = await call("POST", "/api/v2/silences", {
      token: operator(),
      body: silenceBody({
        matchers: [{ name: "station", value: "press-.*", isRegex: true }],
        startsAt: "2026-05-04T14:00:00.123456789+02:00",
        endsAt: "2026-05-04T14:30:00+02:00",
      }),
    });
    const id = (created.body as { silenceID: string }).silenceID;
    const got = await call("GET", `/api/v2/silence/${id}`, { token: viewer() });
    expect(got.body).toMatchObject({
      matchers: [{ name: "station", value: "press-.*", isRegex: true, isEqual: true }],
      startsAt: "2026-05-04T12:00:00.123Z",
      endsAt: "2026-05-04T12:30:00.000Z",
    });
  });

  it("POST with id updates that silence: in place when history is kept, else a new id", async () => {
    clock.set(T0);
    const id = (
      (await call("POST", "/api/v2/silences", { token: operator(), body: silenceBody() })).body as {
        silenceID: string;
      }
    ).silenceID;
    const longer = await call("POST", "/api/v2/silences", {
      token: operator(),
      body: silenceBody({ id, endsAt: iso(T0 + 120 * MIN) }),
    });
    expect(longer.body).toEqual({ silenceID: id });
    const other = await call("POST", "/api/v2/silences", {
      token: operator(),
      body: silenceBody({ id, matchers: [{ name: "alertname", value: "Other", isRegex: false }] }),
    });
    const newId = (other.body as { silenceID: string }).silenceID;
    expect(newId).not.toBe(id);
    expect(
      ((await call("GET", `/api/v2/silence/${id}`, { token: viewer() })).body as { status: unknown }).status,
    ).toEqual({
      state: "expired",
    });
  });

  it("DELETE /silence/{id} expires it (200, no body); an unknown id is 404 for GET, DELETE and an update", async () => {
    clock.set(T0);
    const id = (
      (await call("POST", "/api/v2/silences", { token: operator(), body: silenceBody() })).body as {
        silenceID: string;
      }
    ).silenceID;
    clock.set(T0 + 10 * MIN);
    const del = await call("DELETE", `/api/v2/silence/${id}`, { token: operator() });
    expect([del.status, del.text]).toEqual([200, ""]);
    const got = await call("GET", `/api/v2/silence/${id}`, { token: viewer() });
    expect(got.body).toMatchObject({ status: { state: "expired" }, endsAt: iso(T0 + 10 * MIN) });

    expectAmError(
      await call("GET", "/api/v2/silence/nope", { token: viewer() }),
      404,
      /silence nope not found/,
    );
    expectAmError(await call("DELETE", "/api/v2/silence/nope", { token: operator() }), 404, /not found/);
    expectAmError(
      await call("POST", "/api/v2/silences", { token: operator(), body: silenceBody({ id: "nope" }) }),
      404,
      /^silence not found$/,
    );
  });

  it("?filter= keeps the silences that have every filter matcher, as Alertmanager; a bad filter is 400", async () => {
    clock.set(T0);
    await call("POST", "/api/v2/silences", {
      token: operator(),
      body: silenceBody({
        matchers: [
          { name: "alertname", value: "FilterTest", isRegex: false },
          { name: "station", value: "press-1", isRegex: false },
        ],
      }),
    });
    await call("POST", "/api/v2/silences", {
      token: operator(),
      body: silenceBody({ matchers: [{ name: "alertname", value: "FilterTest", isRegex: false }] }),
    });
    const q = (f: string[]) =>
      call("GET", `/api/v2/silences?${f.map((x) => `filter=${encodeURIComponent(x)}`).join("&")}&active=x`, {
        token: viewer(),
      });
    const active = (r: Reply) =>
      (r.body as { status: { state: string } }[]).filter((s) => s.status.state === "active");
    expect(active(await q(['alertname="FilterTest"']))).toHaveLength(2);
    expect(active(await q(['alertname="FilterTest"', "station=press-1"]))).toHaveLength(1);
    expect(active(await q(["station=~press-1"]))).toHaveLength(0); // same name and value, other type
    expectAmError(await q(["station=~(("]), 400, /(", "|regexp|parse|missing)/);
  });

  it.each([
    [
      "an end before the start",
      { endsAt: iso(T0 - MIN) },
      /^Failed to create silence: start time must be before end time$/,
    ],
    [
      "an end in the past",
      { startsAt: iso(T0 - 60 * MIN), endsAt: iso(T0 - MIN) },
      /^Failed to create silence: end time can't be in the past$/,
    ],
    [
      "an invalid regex",
      { matchers: [{ name: "a", value: "((", isRegex: true }] },
      /invalid label matcher 0/,
    ],
    ["no matchers", { matchers: [] }, /body\.matchers/],
    ["a time that is not RFC 3339", { startsAt: "yesterday" }, /body\.startsAt: must be an RFC 3339 time/],
    ["February 30th", { endsAt: "2026-02-30T00:00:00Z" }, /body\.endsAt: must be an RFC 3339 time/],
    ["an unknown field", { annotations: { a: "b" } }, /body: unknown field "annotations"/],
    ["no createdBy", { createdBy: undefined }, /body\.createdBy/],
  ])("a silence with %s is 400 with Alertmanager's JSON string", async (_what, over, message) => {
    clock.set(T0);
    const before = server.alerting.silences.query().length;
    const res = await call("POST", "/api/v2/silences", { token: operator(), body: silenceBody(over) });
    expectAmError(res, 400, message);
    expect(server.alerting.silences.query()).toHaveLength(before);
  });

  it("a body that is not JSON is 400 as a JSON string too", async () => {
    expectAmError(
      await call("POST", "/api/v2/silences", { token: operator(), raw: "{matchers" }),
      400,
      /JSON|Unexpected/,
    );
  });
});

describe("alerts", () => {
  it("POST takes Prometheus's alerts (200, no body); GET returns gettableAlerts sorted by fingerprint", async () => {
    clock.set(T0);
    const post = await call("POST", "/api/v2/alerts", {
      token: operator(),
      body: [
        {
          labels: { alertname: "StationJammed", station: "press-1", severity: "warning", empty: "" },
          annotations: { summary: "press-1 jammed" },
          startsAt: iso(T0 - 5 * MIN),
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "http://prometheus:9090/graph?g0.expr=up",
        },
        { labels: { alertname: "PlcDisconnected", severity: "critical" } },
      ],
    });
    expect([post.status, post.text]).toEqual([200, ""]);
    // Empty labels dropped and Go's zero time taken as "not set", before the service sees them.
    expect(server.alerting.received.at(-2)).toEqual({
      labels: { alertname: "StationJammed", station: "press-1", severity: "warning" },
      annotations: { summary: "press-1 jammed" },
      startsAt: T0 - 5 * MIN,
      generatorURL: "http://prometheus:9090/graph?g0.expr=up",
    });

    const res = await call("GET", "/api/v2/alerts", { token: viewer() });
    expect(res.status).toBe(200);
    const alerts = res.body as { fingerprint: string }[];
    expect(alerts.map((a) => a.fingerprint)).toEqual(alerts.map((a) => a.fingerprint).sort());
    expect(alerts).toContainEqual({
      annotations: { summary: "press-1 jammed" },
      endsAt: "2026-05-04T12:05:00.000Z",
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      receivers: [{ name: "line-team" }],
      startsAt: "2026-05-04T11:55:00.000Z",
      status: { state: "active", silencedBy: [], inhibitedBy: [], mutedBy: [] },
      updatedAt: "2026-05-04T12:00:00.000Z",
      generatorURL: "http://prometheus:9090/graph?g0.expr=up",
      labels: { alertname: "StationJammed", station: "press-1", severity: "warning" },
    });
    expect(alerts).toContainEqual({
      annotations: {},
      endsAt: "2026-05-04T12:05:00.000Z",
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      receivers: [{ name: "pager" }],
      startsAt: "2026-05-04T12:00:00.000Z",
      status: { state: "active", silencedBy: [], inhibitedBy: [], mutedBy: [] },
      updatedAt: "2026-05-04T12:00:00.000Z",
      labels: { alertname: "PlcDisconnected", severity: "critical" },
    });
  });

  it("filters: filter= matchers, receiver= regex (anchored), silenced=false, active=false", async () => {
    clock.set(T0);
    const names = async (query: string) =>
      (
        (await call("GET", `/api/v2/alerts${query}`, { token: viewer() })).body as {
          labels: { alertname: string };
        }[]
      )
        .map((a) => a.labels.alertname)
        .sort();
    expect(await names(`?filter=${encodeURIComponent('alertname="StationJammed"')}`)).toEqual([
      "StationJammed",
    ]);
    expect(await names(`?filter=severity%3D~%22warn.*%22&filter=station%21%3Dpress-2`)).toEqual([
      "StationJammed",
    ]);
    expect(await names("?receiver=pag")).toEqual([]); // anchored: "pag" is not "pager"
    expect(await names("?receiver=pag.*")).toEqual(["PlcDisconnected"]);

    const sil = await call("POST", "/api/v2/silences", {
      token: operator(),
      body: silenceBody({ matchers: [{ name: "severity", value: "critical", isRegex: false }] }),
    });
    const id = (sil.body as { silenceID: string }).silenceID;
    const all = (await call("GET", "/api/v2/alerts", { token: viewer() })).body as {
      labels: { alertname: string };
      status: unknown;
    }[];
    expect(all.find((a) => a.labels.alertname === "PlcDisconnected")?.status).toEqual({
      state: "suppressed",
      silencedBy: [id],
      inhibitedBy: [],
      mutedBy: [],
    });
    expect(await names("?silenced=false")).toEqual(["StationJammed"]);
    expect(await names("?active=false")).toEqual(["PlcDisconnected"]);
    server.alerting.silences.expire(id);
  });

  it("groups: alertGroups with labels, receiver and the alerts", async () => {
    clock.set(T0);
    const res = await call("GET", "/api/v2/alerts/groups?filter=alertname%3DPlcDisconnected", {
      token: viewer(),
    });
    expect(res.body).toEqual([
      {
        alerts: [expect.objectContaining({ labels: { alertname: "PlcDisconnected", severity: "critical" } })],
        labels: { alertname: "PlcDisconnected" },
        receiver: { name: "pager" },
      },
    ]);
  });

  it.each([
    ["a bad filter", "/api/v2/alerts?filter=station", /^bad matcher format: station$/],
    ["a bad receiver regex", "/api/v2/alerts?receiver=((", /^failed to parse receiver param: /],
    [
      "a bad filter on groups",
      "/api/v2/alerts/groups?filter=%3D%3D",
      /bad matcher format|unexpected|expected/,
    ],
    ["a flag that is not a boolean", "/api/v2/alerts?silenced=maybe", /querystring\.silenced/],
  ])("%s is 400 with Alertmanager's JSON string", async (_what, url, message) => {
    expectAmError(await call("GET", url, { token: viewer() }), 400, message);
  });

  it.each([
    ["without alertname", [{ labels: { station: "press-1" } }], /^alerts\[0\]\.labels: alertname missing$/],
    ["without labels", [{ annotations: {} }], /body\.0\.labels/],
    ["with a bad time", [{ labels: { alertname: "A" }, startsAt: "2026-05-04 12:00" }], /body\.0\.startsAt/],
    ["with an unknown field", [{ labels: { alertname: "A" }, status: "firing" }], /unknown field "status"/],
    ["that are not an array", { labels: { alertname: "A" } }, /^body: /],
  ])("alerts %s are 400 and none is taken", async (_what, body, message) => {
    const before = server.alerting.received.length;
    expectAmError(await call("POST", "/api/v2/alerts", { token: operator(), body }), 400, message);
    expect(server.alerting.received).toHaveLength(before);
  });
});

describe("status and receivers", () => {
  it("GET /status: cluster disabled, versionInfo, the config as YAML, uptime as the start time", async () => {
    const res = await call("GET", "/api/v2/status", { token: viewer() });
    expect(res.body).toEqual({
      cluster: { status: "disabled", peers: [] },
      versionInfo: {
        branch: "",
        buildDate: "",
        buildUser: "lineops",
        goVersion: process.version,
        revision: "",
        version: "9.9.9-test",
      },
      config: { original: "route:\n  receiver: line-team\nreceivers:\n- name: line-team\n- name: pager\n" },
      uptime: "2026-05-04T12:00:00.000Z",
    });
  });

  it("GET /receivers: [{name}]", async () => {
    const res = await call("GET", "/api/v2/receivers", { token: viewer() });
    expect(res.body).toEqual([{ name: "line-team" }, { name: "pager" }]);
  });
});

describe("authentication, roles, body types and paths", () => {
  const amRoutes = () =>
    routeTable(server.app).filter((r) => r.url.startsWith("/api/v2/") && r.method !== "HEAD");
  const concrete = (url: string) => url.replace(":silenceID", "1");

  it("declares every route with its role: viewer reads, operator posts and deletes", () => {
    expect(
      amRoutes()
        .map((r) => `${r.method} ${r.url} ${r.role} ${r.accepts.join(",")}`)
        .sort(),
    ).toEqual([
      "DELETE /api/v2/silence/:silenceID operator ",
      "GET /api/v2/alerts viewer ",
      "GET /api/v2/alerts/groups viewer ",
      "GET /api/v2/receivers viewer ",
      "GET /api/v2/silence/:silenceID viewer ",
      "GET /api/v2/silences viewer ",
      "GET /api/v2/status viewer ",
      "POST /api/v2/alerts operator application/json",
      "POST /api/v2/silences operator application/json",
    ]);
  });

  it("401 without a token or with a wrong one, 403 one role too low: lineops's envelope, nothing changed", async () => {
    const silences = server.alerting.silences.query().length;
    const received = server.alerting.received.length;
    for (const r of amRoutes()) {
      const path = concrete(r.url);
      for (const p of [path, path.replace("a", "%61")]) {
        for (const token of [undefined, "lo_wrong"]) {
          const res = await call(r.method, p, { token, body: [] });
          expect([r.method, p, res.status, (res.body as { code?: string }).code]).toEqual([
            r.method,
            p,
            401,
            "LINEOPS_ERR_UNAUTHORIZED",
          ]);
        }
        if (r.role === "operator") {
          const res = await call(r.method, p, { token: viewer(), body: silenceBody() });
          expect([r.method, p, res.status, (res.body as { code?: string }).code]).toEqual([
            r.method,
            p,
            403,
            "LINEOPS_ERR_FORBIDDEN",
          ]);
        }
      }
    }
    expect(server.alerting.silences.query()).toHaveLength(silences);
    expect(server.alerting.received).toHaveLength(received);
  });

  it("404 for case-varied, dot-segment-free double-slash and %2F spellings", async () => {
    for (const r of amRoutes()) {
      const p = concrete(r.url);
      const last = p.lastIndexOf("/");
      for (const other of [
        p.replace("api", "API"),
        `${p.slice(0, last)}//${p.slice(last + 1)}`,
        p.replace("/v2/", "%2Fv2/"),
      ]) {
        const res = await call(r.method, other, { token: server.tokens.admin });
        expect([r.method, other, res.status]).toEqual([r.method, other, 404]);
      }
    }
  });

  it("415 for a form, text or YAML body, before any handler runs", async () => {
    for (const url of ["/api/v2/alerts", "/api/v2/silences"]) {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/yaml"]) {
        const res = await call("POST", url, { token: operator(), type, raw: "labels: x" });
        expect([url, type, res.status, (res.body as { code?: string }).code]).toEqual([
          url,
          type,
          415,
          "LINEOPS_ERR_UNSUPPORTED_MEDIA_TYPE",
        ]);
      }
    }
  });

  it("audits every POST and DELETE with the token's name and role, reads not", async () => {
    const audit = new AuditRepository(server.db);
    const since = Date.now() - 1;
    clock.set(T0);
    const id = (
      (await call("POST", "/api/v2/silences", { token: operator(), body: silenceBody() })).body as {
        silenceID: string;
      }
    ).silenceID;
    await call("DELETE", `/api/v2/silence/${id}`, { token: operator() });
    await call("POST", "/api/v2/alerts", { token: operator(), body: [{ labels: { station: "x" } }] });
    await call("GET", "/api/v2/silences", { token: viewer() });
    const records = audit
      .list({ limit: 10 })
      .filter((r) => r.at >= since)
      .map((r) => `${r.actor} ${r.action} ${r.target} ${r.outcome} ${r.status}`);
    expect(records).toEqual(
      expect.arrayContaining([
        "sender (operator) POST /api/v2/silences /api/v2/silences success 200",
        `sender (operator) DELETE /api/v2/silence/:silenceID /api/v2/silence/${id} success 200`,
        "sender (operator) POST /api/v2/alerts /api/v2/alerts failed 400",
      ]),
    );
    expect(records.some((r) => r.includes("GET"))).toBe(false);
  });
});

describe("the OpenAPI document", () => {
  it("publishes the /api/v2 routes with their zod schemas", async () => {
    const res = await call("GET", "/api/v1/openapi.json", { token: viewer() });
    expect(res.status).toBe(200);
    const paths = (
      res.body as {
        paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string }[] }>>;
      }
    ).paths;
    expect(
      Object.keys(paths)
        .filter((p) => p.startsWith("/api/v2/"))
        .sort(),
    ).toEqual([
      "/api/v2/alerts",
      "/api/v2/alerts/groups",
      "/api/v2/receivers",
      "/api/v2/silence/{silenceID}",
      "/api/v2/silences",
      "/api/v2/status",
    ]);
    expect(paths["/api/v2/silences"]?.post?.requestBody).toMatchObject({
      content: { "application/json": { schema: { type: "object", additionalProperties: false } } },
    });
    expect(paths["/api/v2/alerts"]?.get?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(["filter", "receiver", "silenced"]),
    );
  });
});

describe("without an alerting engine", () => {
  it("the /api/v2 routes do not exist", async () => {
    const bare = await startAlertmanagerApi({ withAlerting: false });
    try {
      expect(routeTable(bare.app).some((r) => r.url.startsWith("/api/v2/"))).toBe(false);
      const res = await bare.app.inject({ method: "GET", url: "/api/v2/status" });
      expect(res.statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
