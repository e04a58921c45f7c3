// The hardening suite's route walk: every route of the server's own table, tried without a token,
// with a wrong one, with too low a role, under other spellings of its path and with body types it
// does not declare — and afterwards nothing was created. Plus one test per P5 finding of the API.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { startLineops, type Lineops } from "../main.js";
import { smallLine, tempDir } from "../test-support/line.js";
import { injectApi } from "../test-support/api.js";
import type { RouteEntry } from "./auth.js";

let lineops: Lineops;
let admin = "";
const tokens: Record<"viewer" | "operator", string> = { viewer: "", operator: "" };
/** Signed-in users of each role: the cookie and the session's CSRF token. */
const sessions: Record<"viewer" | "operator" | "admin", { cookie: string; csrf: string }> = {
  viewer: { cookie: "", csrf: "" },
  operator: { cookie: "", csrf: "" },
  admin: { cookie: "", csrf: "" },
};
const asSession = (s: { cookie: string; csrf: string }, csrf = true) => ({
  cookie: s.cookie,
  ...(csrf ? { "x-csrf-token": s.csrf } : {}),
});

type Reply = { status: number; body: { code?: string; error?: string } & Record<string, unknown> };

const inject = injectApi(() => lineops);

/**
 * Sends `path` byte for byte. In-process (inject) for every spelling it keeps as is; a path with a
 * dot-segment goes over a socket, since inject (like fetch) resolves "/x/.." before the server sees it.
 */
function raw(
  method: string,
  path: string,
  opts: { token?: string; type?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  if (!path.includes("/..")) {
    return inject(method, path, opts).then((r) => ({
      status: r.status,
      body: Object.keys(r.body).length > 0 || r.text === "" ? r.body : { text: r.text },
    }));
  }
  const url = new URL(lineops.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.type ? { "content-type": opts.type } : {}),
          ...(opts.body === undefined ? {} : { "content-length": Buffer.byteLength(opts.body) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let body: Reply["body"] = {};
          try {
            body = JSON.parse(text) as Reply["body"];
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

const json = (body: unknown) => ({ type: "application/json", body: JSON.stringify(body) });

/** Asserts a refusal: its status, its stable code and, if given, what its message says. */
const expectRefused = (res: Reply, status: number, code: string, message?: RegExp) => {
  expect([res.status, res.body.code]).toEqual([status, code]);
  if (message) {
    expect(res.body.error).toMatch(message);
  }
};

/** A viewer asks for the plan of a YAML line (it never applies anything). */
const planYaml = (body: string) =>
  raw("POST", "/api/v1/line/plan", { token: tokens.viewer, type: "application/yaml", body });

/** What must not change while unauthorised or refused requests are thrown at the server. */
const state = () => ({
  tokens: lineops.tokens.list().length,
  users: lineops.users.list().length,
  sessions: lineops.sessions.count(),
  deployments: lineops.deployment.deployments().length,
  line: JSON.stringify(lineops.deployment.line().order),
  revisions: lineops.deployment.status().map((s) => `${s.name}@${String(s.revision)}`),
  incidents: JSON.stringify(lineops.incidents.list()),
  shelves: lineops.alarms.shelves().length,
});

/** A concrete path for a route pattern; handlers never run in these tests, so any value will do. */
const concrete = (url: string) =>
  url.replace(/:(\w+)/g, (_m, name: string) => (name === "name" ? "plc-gateway" : "1"));

const hex = (c: string) => `%${c.charCodeAt(0).toString(16)}`;
/** Spellings the router decodes to the same route (%61pi, ...): they must get the path's answer. */
const sameRoute = (p: string) => [p.replace(/[a-z]/, hex), p.replace(/[a-z](?=[^a-z]*$)/, hex)];
/**
 * Spellings that are not the route: Fastify matches case-sensitively and normalises nothing. %2F
 * goes into the first segment here; inside a parameter it is part of the value (tested below).
 */
const otherRoute = (p: string) => {
  const last = p.lastIndexOf("/");
  const second = p.indexOf("/", 1);
  return [
    p.replace(/[a-z]/, (c) => c.toUpperCase()),
    `/x/..${p}`,
    `${p.slice(0, last)}//${p.slice(last + 1)}`,
    second > 0 ? `${p.slice(0, second)}%2F${p.slice(second + 1)}` : `${p}%2F`,
  ].filter((o) => o !== p); // "/" has no letter to upper-case
};

let routes: readonly RouteEntry[] = [];
/** Fastify's automatic HEAD twins of GET routes: they carry the GET route's role. */
let heads: readonly RouteEntry[] = [];
let before: ReturnType<typeof state>;

beforeAll(async () => {
  const dir = tempDir();
  lineops = await startLineops({
    dataDir: dir,
    port: 0,
    lineFile: smallLine(dir),
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  tokens.viewer = lineops.tokens.create("view", "viewer").token;
  tokens.operator = lineops.tokens.create("op", "operator").token;
  for (const role of ["viewer", "operator", "admin"] as const) {
    const name = `${role}-user`;
    const password = "hardening-password";
    expect(
      (await inject("POST", "/api/v1/users", { token: admin, body: { name, role, password } })).status,
    ).toBe(201);
    const r = await inject("POST", "/api/v1/session", { body: { username: name, password } });
    const cookie = String(r.headers["set-cookie"]).split(";")[0] ?? "";
    sessions[role] = { cookie, csrf: r.body.data.csrfToken as string };
  }
  routes = lineops.routes.filter((r) => r.method !== "HEAD");
  heads = lineops.routes.filter((r) => r.method === "HEAD");
  before = state();
});

afterAll(async () => {
  await lineops?.stop();
});

describe("the route table", () => {
  it("lists every route with a role, and only readOnly routes take form bodies", () => {
    expect(routes.length).toBeGreaterThanOrEqual(49);
    expect(routes).toContainEqual({
      method: "POST",
      url: "/api/v1/tokens",
      role: "admin",
      accepts: ["application/json"],
      readOnly: false,
    });
    // Live updates: a viewer opens the stream and subscribes queries; subscriptions are a page's
    // view, not lineops state (readOnly: not audited); the stream has no HEAD twin.
    expect(routes).toContainEqual({
      method: "GET",
      url: "/api/v1/live",
      role: "viewer",
      accepts: [],
      readOnly: false,
    });
    expect(routes).toContainEqual({
      method: "POST",
      url: "/api/v1/live/subscriptions",
      role: "viewer",
      accepts: ["application/json"],
      readOnly: true,
    });
    // A page's past ranges in one request: a read with a body, as POST /api/v1/query_range is.
    expect(routes).toContainEqual({
      method: "POST",
      url: "/api/v1/live/query_range",
      role: "viewer",
      accepts: ["application/json"],
      readOnly: true,
    });
    expect(routes).toContainEqual({
      method: "DELETE",
      url: "/api/v1/live/subscriptions/:stream/:id",
      role: "viewer",
      accepts: [],
      readOnly: true,
    });
    expect(heads.map((h) => h.url)).not.toContain("/api/v1/live");
    for (const r of routes) {
      expect(["public", "viewer", "operator", "admin"]).toContain(r.role);
      if (r.accepts.includes("application/x-www-form-urlencoded")) {
        expect(r.readOnly, `${r.method} ${r.url}`).toBe(true);
      }
    }
    // The explorer's and the Services page's routes (P9): reads for a viewer, logs for an operator.
    const roleOf = (method: string, url: string) =>
      routes.find((r) => r.method === method && r.url === url)?.role;
    for (const url of [
      "/api/v1/format_query",
      "/api/v1/parse_query",
      "/api/v1/status/config",
      "/api/v1/status/flags",
      "/api/v1/status/runtimeinfo",
      "/api/v1/targets/metadata",
      "/api/v1/services",
      "/api/v1/services/:name",
      "/api/v1/services/:name/backends",
      // The Infrastructure page's summary (P11).
      "/api/v1/infrastructure/health",
      // Right-sizing and capacity planning (P11).
      "/api/v1/infrastructure/recommendations",
      "/api/v1/infrastructure/capacity",
      // A service's autoscaler and its decisions (P11).
      "/api/v1/services/:name/autoscaler",
    ]) {
      expect([url, roleOf("GET", url)]).toEqual([url, "viewer"]);
    }
    expect(roleOf("POST", "/api/v1/format_query")).toBe("viewer");
    expect(roleOf("GET", "/api/v1/instances/:id/logs")).toBe("operator");
    expect(roleOf("GET", "/api/v1/services/:name/logs")).toBe("operator");
    expect(roleOf("POST", "/api/v1/services/:name/scale")).toBe("operator");
    // Only the health endpoints, lineops's own metrics, sign-in and the web app's static files (the
    // shell holds no data: routes/web.ts) answer without a token.
    expect(routes.filter((r) => r.role === "public").map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /-/healthy",
      "GET /-/ready",
      "GET /metrics",
      "POST /api/v1/session",
      "GET /api/v1/incident-links/:token",
      "POST /api/v1/incident-links/:token",
      "GET /",
      "GET /assets/:file",
    ]);
    // Incidents (P10): a viewer reads, an operator acts; a one-click link's signature is its credential.
    for (const [method, url, role] of [
      ["GET", "/api/v1/incidents", "viewer"],
      ["GET", "/api/v1/incidents/:id", "viewer"],
      ["POST", "/api/v1/incidents/:id/acknowledge", "operator"],
      ["POST", "/api/v1/incidents/:id/resolve", "operator"],
      ["POST", "/api/v1/incidents/:id/snooze", "operator"],
      ["POST", "/api/v1/incidents/:id/reassign", "operator"],
      ["POST", "/api/v1/incidents/:id/notes", "operator"],
      ["POST", "/api/v1/incidents/:id/links", "operator"],
    ]) {
      expect(routes).toContainEqual(expect.objectContaining({ method, url, role, readOnly: false }));
    }
    for (const [method, url, role] of [
      ["GET", "/api/v1/session", "viewer"],
      ["DELETE", "/api/v1/session", "viewer"],
      ["GET", "/api/v1/users", "admin"],
      ["POST", "/api/v1/users", "admin"],
      ["PATCH", "/api/v1/users/:name", "admin"],
      ["PUT", "/api/v1/users/:name/password", "admin"],
      ["DELETE", "/api/v1/users/:name", "admin"],
      // Operations reports: schedules are changed by operators (and audited).
      ["POST", "/api/v1/reports/schedules", "operator"],
      ["DELETE", "/api/v1/reports/schedules/:id", "operator"],
      // People and on-call (P10): contact methods are the user's own (checked in the handler) or an
      // admin's; teams and schedules are read by viewers and written by admins.
      ["GET", "/api/v1/users/:name/contact", "viewer"],
      ["PUT", "/api/v1/users/:name/contact", "viewer"],
      ["GET", "/api/v1/teams", "viewer"],
      ["GET", "/api/v1/teams/:name", "viewer"],
      ["POST", "/api/v1/teams", "admin"],
      ["PUT", "/api/v1/teams/:name", "admin"],
      ["DELETE", "/api/v1/teams/:name", "admin"],
      ["GET", "/api/v1/schedules", "viewer"],
      ["GET", "/api/v1/schedules/:name", "viewer"],
      ["PUT", "/api/v1/schedules/:name", "admin"],
      ["DELETE", "/api/v1/schedules/:name", "admin"],
      ["POST", "/api/v1/schedules/:name/overrides", "admin"],
      ["DELETE", "/api/v1/schedules/:name/overrides/:id", "admin"],
      ["GET", "/api/v1/schedules/:name/shifts", "viewer"],
      ["GET", "/api/v1/schedules/:name/oncall", "viewer"],
      ["GET", "/api/v1/oncall", "viewer"],
      // Alarm management (ISA-18.2): shelving is an operator's act, audited.
      ["POST", "/api/v1/alarms/shelves", "operator"],
      ["DELETE", "/api/v1/alarms/shelves/:fingerprint", "operator"],
      // Escalation policies (P10): read by viewers, written by admins; where a chain stands.
      ["GET", "/api/v1/escalation-policies", "viewer"],
      ["GET", "/api/v1/escalation-policies/:name", "viewer"],
      ["PUT", "/api/v1/escalation-policies/:name", "admin"],
      ["DELETE", "/api/v1/escalation-policies/:name", "admin"],
      ["GET", "/api/v1/incidents/:id/escalation", "viewer"],
    ]) {
      expect(routes).toContainEqual(expect.objectContaining({ method, url, role, readOnly: false }));
    }
    for (const url of [
      "/api/v1/analytics/slo",
      "/api/v1/reports/operations",
      "/api/v1/reports/schedules",
      "/api/v1/reports/files",
      "/api/v1/reports/files/:id",
      "/api/v1/alarms",
      "/api/v1/alarms/kpi",
      "/api/v1/alarms/shelves",
    ]) {
      expect(routes).toContainEqual(expect.objectContaining({ method: "GET", url, role: "viewer" }));
    }
  });
});

describe("the OpenAPI document", () => {
  it("publishes the zod body schemas as JSON Schema, strict and with their grammar", async () => {
    const res = await raw("GET", "/api/v1/openapi.json", { token: tokens.viewer });
    const paths = res.body.paths as Record<string, Record<string, { requestBody?: unknown }>>;
    expect(paths["/api/v1/deployments"]?.post?.requestBody).toMatchObject({
      content: {
        "application/json": {
          schema: {
            type: "object",
            additionalProperties: false,
            properties: { version: { type: "string", pattern: expect.stringMatching(/^\^/) } },
          },
        },
      },
    });
  });
});

describe("every route, walked from the route table", () => {
  const protectedRoutes = () => routes.filter((r) => r.role !== "public");

  it("answers 401 without a token and with a wrong one, under every spelling that reaches it", async () => {
    for (const r of protectedRoutes()) {
      const path = concrete(r.url);
      for (const p of [path, ...sameRoute(path)]) {
        for (const token of [undefined, "lo_wrong", admin.slice(0, -1)]) {
          const res = await raw(r.method, p, token === undefined ? {} : { token });
          expect([r.method, p, token ? "wrong token" : "no token", res.status]).toEqual([
            r.method,
            p,
            token ? "wrong token" : "no token",
            401,
          ]);
          expect(res.body.code).toBe("LINEOPS_ERR_UNAUTHORIZED");
        }
      }
    }
    for (const r of heads.filter((h) => h.role !== "public")) {
      const p = concrete(r.url);
      expect([p, (await raw("HEAD", p)).status]).toEqual([p, 401]);
    }
    expect(state()).toEqual(before);
  });

  it("answers 403 to a token one role too low", async () => {
    const lower = { operator: "viewer", admin: "operator" } as const;
    const strict = protectedRoutes().filter((r) => r.role === "operator" || r.role === "admin");
    expect(strict.length).toBeGreaterThan(10);
    for (const r of strict) {
      const role = lower[r.role as "operator" | "admin"];
      for (const p of [concrete(r.url), ...sameRoute(concrete(r.url))]) {
        const res = await raw(r.method, p, { token: tokens[role] });
        expect([r.method, p, role, res.status]).toEqual([r.method, p, role, 403]);
        expect(res.body.code).toBe("LINEOPS_ERR_FORBIDDEN");
      }
    }
    expect(state()).toEqual(before);
  });

  it("answers 403 to a session one role too low, CSRF token and all: a session authorises like a token", async () => {
    const lower = { operator: "viewer", admin: "operator" } as const;
    const strict = protectedRoutes().filter((r) => r.role === "operator" || r.role === "admin");
    for (const r of strict) {
      const role = lower[r.role as "operator" | "admin"];
      const res = await raw(r.method, concrete(r.url), { headers: asSession(sessions[role]) });
      expect([r.method, r.url, role, res.status]).toEqual([r.method, r.url, role, 403]);
      expect(res.body.code).toBe("LINEOPS_ERR_FORBIDDEN");
    }
    expect(state()).toEqual(before);
  });

  it("answers 401 to a dead session cookie on every protected route", async () => {
    const dead = { cookie: `lineops_session=${"d".repeat(43)}`, csrf: "x" };
    for (const r of protectedRoutes()) {
      const res = await raw(r.method, concrete(r.url), { headers: asSession(dead) });
      expect([r.method, r.url, res.status]).toEqual([r.method, r.url, 401]);
    }
    expect(state()).toEqual(before);
  });

  it("refuses every change through an admin session without the CSRF token, before its handler", async () => {
    const changes = protectedRoutes().filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method));
    expect(changes.length).toBeGreaterThan(15);
    for (const r of changes) {
      const res = await raw(r.method, concrete(r.url), {
        headers: asSession(sessions.admin, false),
        ...json({}),
      });
      expect([r.method, r.url, res.status, res.body.code]).toEqual([
        r.method,
        r.url,
        403,
        "LINEOPS_ERR_CSRF",
      ]);
    }
    expect(state()).toEqual(before);
  });

  it("answers 404 to case-varied, dot-segment, double-slash and %2F spellings, token or not", async () => {
    for (const r of routes) {
      for (const p of otherRoute(concrete(r.url))) {
        for (const token of [undefined, admin]) {
          const res = await raw(r.method, p, { ...(token ? { token } : {}), ...json({}) });
          expect([r.method, p, res.status]).toEqual([r.method, p, 404]);
          expect(res.body.code).toBe("LINEOPS_ERR_ROUTE_NOT_FOUND");
        }
      }
    }
    expect(state()).toEqual(before);
  });

  it("never answers another spelling of a route with the web app's shell, even to a browser", async () => {
    const html = { headers: { accept: "text/html,*/*;q=0.8" } };
    for (const r of routes.filter((x) => x.method === "GET")) {
      for (const p of otherRoute(concrete(r.url)).filter((o) => !o.includes("/.."))) {
        const res = await inject("GET", p, html);
        expect([p, res.status, res.body.code]).toEqual([p, 404, "LINEOPS_ERR_ROUTE_NOT_FOUND"]);
      }
    }
  });

  it("takes %2F inside a parameter as part of the value: the matched route's role still applies", async () => {
    const cases = [
      ["GET", "/api/v1/services/plc-gateway%2Frevisions", "viewer", "LINEOPS_ERR_SERVICE_NOT_FOUND"],
      ["DELETE", "/api/v1/tokens/x%2F..%2F..%2Fline", "admin", "LINEOPS_ERR_BAD_REQUEST"],
    ] as const;
    for (const [method, p, role, code] of cases) {
      expect((await raw(method, p)).status).toBe(401);
      const res = await raw(method, p, { token: role === "admin" ? admin : tokens[role] });
      expect([p, res.body.code]).toEqual([p, code]);
    }
    expect(state()).toEqual(before);
  });

  it("answers 415 to body types a route does not declare, before its handler runs", async () => {
    const bodyRoutes = routes.filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method));
    expect(bodyRoutes.length).toBeGreaterThan(15);
    const wrong = [
      { type: "text/plain", body: "services: []\n" },
      { type: "application/x-www-form-urlencoded", body: "name=x&role=admin" },
      {
        type: "multipart/form-data; boundary=x",
        body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
      },
      { type: "application/json", body: '{"name":"x","role":"admin"}' },
      { type: "application/yaml", body: "name: x\nrole: admin\n" },
      { type: "", body: '{"name":"x","role":"admin"}' },
    ];
    for (const r of bodyRoutes) {
      for (const w of wrong.filter((x) => !r.accepts.includes(x.type.split(";")[0] ?? ""))) {
        const res = await raw(r.method, concrete(r.url), { token: admin, ...w });
        expect([r.method, r.url, w.type, res.status]).toEqual([r.method, r.url, w.type, 415]);
        expect(res.body.code).toBe("LINEOPS_ERR_UNSUPPORTED_MEDIA_TYPE");
      }
    }
    expect(state()).toEqual(before);
  });
});

// One test per finding of P5 in the API's area; each failed on the code before P5 (see the notes).
describe("P5 findings", () => {
  it("POST /%61pi/v1/tokens without a token is 401 and creates nothing (was 201: an admin token)", async () => {
    const res = await raw("POST", "/%61pi/v1/tokens", json({ name: "evil", role: "admin" }));
    expectRefused(res, 401, "LINEOPS_ERR_UNAUTHORIZED");
    expect(lineops.tokens.list().map((t) => t.name)).not.toContain("evil");
  });

  it("a text/plain line never reaches the handler, even from an admin (was applied)", async () => {
    const text = "services:\n  - name: evil\n    version: 1.0.0\n    command: /bin/true\n";
    const anonymous = await raw("POST", "/%61pi/v1/line", { type: "text/plain", body: text });
    expect(anonymous.status).toBe(401);
    const res = await raw("POST", "/api/v1/line", { token: admin, type: "text/plain", body: text });
    expectRefused(res, 415, "LINEOPS_ERR_UNSUPPORTED_MEDIA_TYPE", /application\/yaml/);
    expect(lineops.deployment.status().map((s) => s.name)).not.toContain("evil");
  });

  it.each([
    ["application/json (was 409 conflict)", "application/json", "{}"],
    ["multipart (was 400)", "multipart/form-data; boundary=x", "--x--\r\n"],
    ["no Content-Type at all (was 409 conflict)", "", "services: []\n"],
  ])("a line sent as %s is 415", async (_what, type, body) => {
    const res = await raw("POST", "/api/v1/line", { token: admin, type, body });
    expectRefused(res, 415, "LINEOPS_ERR_UNSUPPORTED_MEDIA_TYPE");
  });

  it("a Content-Type on an empty body is ignored: the handler runs and finds nothing to promote", async () => {
    const res = await raw("POST", "/api/v1/deployments/nope/promote", {
      token: tokens.operator,
      type: "application/json",
      body: "",
    });
    expect(res.body.code).toBe("LINEOPS_ERR_DEPLOYMENT_NOT_FOUND");
    const empty = await raw("POST", "/api/v1/tokens", { token: admin, type: "application/json", body: "" });
    expect([empty.status, empty.body.code]).toEqual([400, "LINEOPS_ERR_INVALID_FIELD"]);
    expect(empty.body.error).toMatch(/^body: /);
    expect(state()).toEqual(before);
  });

  it("an unmatched path is 404 with or without a token (was 401 without one)", async () => {
    for (const token of [undefined, "lo_wrong", tokens.viewer]) {
      const res = await raw("GET", "/api/v1/nope", token ? { token } : {});
      expectRefused(res, 404, "LINEOPS_ERR_ROUTE_NOT_FOUND");
    }
  });

  it.each([
    ["flow sequences", "services: " + "[".repeat(100_000) + "]".repeat(100_000)],
    ["flow mappings", "services: " + "{a: ".repeat(50_000) + "1" + "}".repeat(50_000)],
    ["compact sequences", "services:\n" + "- ".repeat(200_000) + "x"],
    [
      "indentation",
      "services:\n" + Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}- `).join("\n") + "x",
    ],
  ])("deeply nested YAML (%s) to /api/v1/line/plan is refused before parsing", async (_what, body) => {
    const res = await planYaml(body);
    expectRefused(res, 400, "LINEOPS_ERR_BODY_TOO_DEEP", /YAML body nested deeper than 64 levels/);
  });

  it.each([
    [
      "1,200 keys in one mapping (6,000 were seconds in the duplicate-key check)",
      Array.from({ length: 1200 }, (_, i) => `k${i}: x`).join("\n"),
      /more than 1000 mapping keys/,
    ],
    [
      "6,000 keys in one flow mapping",
      `{${Array.from({ length: 6000 }, (_, i) => `"k${i}":1`).join(",")}}`,
      /more than (1000 mapping keys|4000 nodes)/,
    ],
    [
      "25,000 sequence items (was seconds to parse)",
      `services:\n${"- x\n".repeat(25_000)}`,
      /more than 4000 nodes/,
    ],
    ["101 aliases", `a: &a x\nservices: [${Array(101).fill("*a").join(", ")}]`, /more than 100 aliases/],
  ])("a YAML body with %s is refused before parsing", async (_what, body, message) => {
    const res = await planYaml(body);
    expectRefused(res, 413, "LINEOPS_ERR_BODY_TOO_COMPLEX", message);
  });

  it("deeply nested JSON is refused before parsing", async () => {
    const body = `{"name":"x","role":"viewer","a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const res = await raw("POST", "/api/v1/tokens", { token: admin, type: "application/json", body });
    expectRefused(res, 400, "LINEOPS_ERR_BODY_TOO_DEEP");
    expect(state()).toEqual(before);
  });

  it.each([
    [
      "a misspelled field (was deployed with the default strategy)",
      { service: "plc-gateway", version: "2.0.0", stratgy: { type: "recreate" } },
      /unknown field "stratgy"/,
    ],
    [
      "a number for a version (was coerced to a string)",
      { service: "plc-gateway", version: 1 },
      /body\.version: .*string/i,
    ],
    [
      "version and revision together",
      { service: "plc-gateway", version: "2.0.0", revision: "1" },
      /exactly one of version or revision/,
    ],
    ["neither version nor revision", { service: "plc-gateway" }, /exactly one of version or revision/],
    [
      "a path as a version",
      { service: "plc-gateway", version: "../../etc/passwd" },
      /body\.version: must be/,
    ],
    ["quotes in a version", { service: "plc-gateway", version: '1.0"}' }, /body\.version: must be/],
    ["a newline in a version", { service: "plc-gateway", version: "1.0\nx" }, /body\.version: must be/],
    [
      "a 500 KB version (was E2BIG at spawn)",
      { service: "plc-gateway", version: "1".repeat(500_000) },
      /body\.version: must be/,
    ],
    ["an upper-case service name", { service: "PLC", version: "2.0.0" }, /body\.service: must be/],
    [
      "a revision that is neither number nor hash",
      { service: "plc-gateway", revision: "HEAD~1" },
      /body\.revision: must be/,
    ],
    [
      "an unknown field inside the strategy",
      { service: "plc-gateway", version: "2.0.0", strategy: { type: "recreate", x: 1 } },
      /body\.strategy: unknown field "x"/,
    ],
  ])("POST /api/v1/deployments with %s is 400 naming the field", async (_what, body, message) => {
    const res = await raw("POST", "/api/v1/deployments", { token: tokens.operator, ...json(body) });
    expectRefused(res, 400, "LINEOPS_ERR_INVALID_FIELD", message);
    expect(state()).toEqual(before);
  });

  it.each([
    ["an unknown field", { name: "ci", role: "viewer", admin: true }, /unknown field "admin"/],
    ["a number for a name", { name: 7, role: "viewer" }, /body\.name/],
    [
      "a newline in a name",
      { name: "ci\nadmin (admin)", role: "viewer" },
      /body\.name: must not contain control/,
    ],
  ])("POST /api/v1/tokens with %s is 400 naming the field", async (_what, body, message) => {
    const res = await raw("POST", "/api/v1/tokens", { token: admin, ...json(body) });
    expectRefused(res, 400, "LINEOPS_ERR_INVALID_FIELD", message);
    expect(state()).toEqual(before);
  });

  it("a rollback body with an unknown field or a non-string revision is 400", async () => {
    for (const body of [{ revison: "1" }, { revision: 1 }]) {
      const res = await raw("POST", "/api/v1/services/plc-gateway/rollback", {
        token: tokens.operator,
        ...json(body),
      });
      expectRefused(res, 400, "LINEOPS_ERR_INVALID_FIELD");
    }
    expect(state()).toEqual(before);
  });

  it.each([
    ["a path as a version", "version: ../../etc/passwd", /services\[0\]\.version: must be/],
    ["quotes in a version", `version: '1.0"x'`, /services\[0\]\.version: must be/],
    [
      "a station with regex metacharacters",
      "version: 1.0.0\n    stations: ['1|.*']",
      /services\[0\]\.stations\[0\]: must be/,
    ],
  ])("line.yaml with %s is refused by the plan with file:line:col", async (_what, field, message) => {
    const body = `services:\n  - name: a\n    ${field}\n    command: /bin/true\n`;
    const res = await planYaml(body);
    expectRefused(res, 400, "LINEOPS_ERR_CONFIG_INVALID", message);
  });

  it("query strings keep their documented parsing (?limit=5 is a number)", async () => {
    const res = await raw("GET", "/api/v1/audit?limit=5", { token: admin });
    expect(res.status).toBe(200);
    expect((res.body.records as unknown[]).length).toBeLessThanOrEqual(5);
    const bad = await raw("GET", "/api/v1/audit?limit=lots", { token: admin });
    expect(bad.status).toBe(400);
  });

  it("Prometheus's form-body POST queries keep working for a viewer", async () => {
    const res = await raw("POST", "/api/v1/query", {
      token: tokens.viewer,
      type: "application/x-www-form-urlencoded",
      body: "query=vector(1)",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "success", data: { resultType: "vector" } });
  });
});
