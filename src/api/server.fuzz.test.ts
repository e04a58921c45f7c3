// Fuzzing of the API's request bodies (P5 item 7): every POST, PUT and DELETE route the server
// documents (and the hidden ones) gets random JSON, edited valid bodies, wrong types, deep nesting
// and huge strings, as an admin so the body is what is judged. Each answer is a 2xx, or a 4xx in the
// error envelope with a message — never a 5xx, never a dropped connection — within a CPU budget.
import fc from "fast-check";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../main.js";
import { tempDir } from "../test-support/line.js";
import { cpuMs, fuzzParams, nearValid, tokenSoup } from "../test-support/fuzz.js";

let lineops: Lineops;
let admin = "";
type Route = { method: string; path: string };
let routes: Route[] = [];

/** Per request: the server runs in this process, so its CPU time is counted too. */
const REQUEST_BUDGET_MS = 200;

beforeAll(async () => {
  // No line: no service exists, so a body that passes validation ends in a 404, never a deployment.
  lineops = await startLineops({
    dataDir: tempDir("lineops-fuzz-"),
    port: 0,
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  const doc = (await (
    await fetch(`${lineops.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${admin}` } })
  ).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops)
      .filter((m) => ["post", "put", "delete", "patch"].includes(m))
      .map((m) => ({ method: m.toUpperCase(), path: p.replace(/\{[^}]+\}/g, "fuzz-x") })),
  );
  // Hidden from the OpenAPI document but answering all the same.
  routes = [
    ...documented,
    { method: "POST", path: "/-/reload" },
    { method: "POST", path: "/api/v1/query" },
    // The explorer's read-only form routes: a JSON body is refused (415) like every undeclared type.
    { method: "POST", path: "/api/v1/format_query" },
    { method: "POST", path: "/api/v1/parse_query" },
  ];
});

afterAll(async () => {
  await lineops?.stop();
});

/** Bodies that were valid somewhere: edited, they reach past the first checks. */
const VALID: unknown[] = [
  { name: "fuzz", role: "viewer" },
  { name: "fuzz", role: "viewer", password: "fuzz-password" },
  { username: "fuzz", password: "fuzz-password" },
  { password: "fuzz-password" },
  { role: "operator", disabled: true },
  { service: "fuzz-x", version: "1.0.1", strategy: { type: "rolling", maxSurge: 1 } },
  { service: "fuzz-x", revision: "2" },
  { revision: "1" },
  { name: "fuzz", period: "day", at: "06:00", formats: ["csv"] },
  { name: "fuzz", period: "week", weekday: "Mon", at: "06:00", formats: ["html", "pdf"] },
  // Incidents: a body that passes reaches the incident lookup (404), or the link check (400).
  { assignee: "fuzz" },
  { text: "fuzz note" },
  { for: "5m" },
  { until: "2030-01-01T00:00:00Z" },
  { action: "acknowledge", ttl: "1h" },
  // People and on-call (P10)
  { name: "fuzz-team", members: ["fuzz"] },
  { members: [] },
  { email: "fuzz@plant.example", phone: "+4915112345678", timezone: "Europe/Berlin" },
  {
    timezone: "Europe/Berlin",
    layers: [
      {
        name: "primary",
        rotation: { type: "custom", every: 1, unit: "days" },
        rotationStart: "2026-03-02",
        handoff: "06:00",
        participants: ["fuzz"],
        restrictions: ["Mon..Fri 06:00-22:00"],
      },
    ],
  },
  { user: "fuzz", start: "2026-03-02T06:00:00Z", end: "2026-03-02T18:00:00Z" },
  { fingerprint: "0123456789abcdef", duration: "30m", reason: "fuzz" },
  {},
];

const nearValidJson = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.constantFrom(
      "name",
      "role",
      "password",
      "username",
      "disabled",
      "service",
      "version",
      "revision",
      "strategy",
      "stratgy",
      "period",
      "at",
      "weekday",
      "formats",
      "shift",
      "assignee",
      "text",
      "for",
      "until",
      "action",
      "ttl",
      "members",
      "layers",
      "timezone",
      "phone",
      "start",
      "end",
      "fingerprint",
      "duration",
      "reason",
      "__proto__",
      "constructor",
    ),
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(null, 1, -1, 1e308, "", "admin", "../../etc/passwd"),
    ),
  )
  .map(([base, key, value]) => JSON.stringify({ ...(base as object), [key]: value }));

const deep = fc
  .record({ n: fc.integer({ min: 1, max: 5000 }), kind: fc.constantFrom("[", "{") })
  .map(({ n, kind }) =>
    kind === "[" ? `${"[".repeat(n)}${"]".repeat(n)}` : `${'{"a":'.repeat(n)}1${"}".repeat(n)}`,
  );

const body = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: nearValidJson },
  { weight: 1, arbitrary: deep },
  // Near the 1 MB body limit and past it: 413 is a 4xx with a message too.
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100_000, max: 1_100_000 })
      .map((n) => JSON.stringify({ name: "x".repeat(n), role: "viewer" })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

describe("API request-body fuzzing", () => {
  it("the route table holds the mutating routes", () => {
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/tokens" });
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/session" });
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/users" });
    expect(routes).toContainEqual({ method: "PUT", path: "/api/v1/users/fuzz-x/password" });
    // Query subscriptions on a live stream: a body that passes reaches the stream lookup (404).
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/live/subscriptions" });
    expect(routes).toContainEqual({ method: "DELETE", path: "/api/v1/live/subscriptions/fuzz-x/fuzz-x" });
    // Report schedules: a body that passes creates one (up to the limit, then 409).
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/reports/schedules" });
    expect(routes).toContainEqual({ method: "DELETE", path: "/api/v1/reports/schedules/fuzz-x" });
    // Incidents (P10): every change an operator makes, and the public one-click link.
    for (const action of ["acknowledge", "resolve", "snooze", "reassign", "notes", "links"]) {
      expect(routes).toContainEqual({ method: "POST", path: `/api/v1/incidents/fuzz-x/${action}` });
    }
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/incident-links/fuzz-x" });
    // People and on-call (P10).
    expect(routes).toContainEqual({ method: "PUT", path: "/api/v1/users/fuzz-x/contact" });
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/teams" });
    expect(routes).toContainEqual({ method: "PUT", path: "/api/v1/schedules/fuzz-x" });
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/schedules/fuzz-x/overrides" });
    // Escalation policies (P10): a body that passes the checks creates one.
    expect(routes).toContainEqual({ method: "PUT", path: "/api/v1/escalation-policies/fuzz-x" });
    expect(routes).toContainEqual({ method: "DELETE", path: "/api/v1/escalation-policies/fuzz-x" });
    // A page's past ranges in one request (a read with a JSON body).
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/live/query_range" });
    // Alarm shelving: a body that passes names an unknown alarm (404); the path is no fingerprint (400).
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/alarms/shelves" });
    expect(routes).toContainEqual({ method: "DELETE", path: "/api/v1/alarms/shelves/fuzz-x" });
  });

  it("every mutating route answers random, near-valid, deep and huge JSON bodies with a 2xx or a 4xx and a message", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), body, async (k, text) => {
        const route = routes[k % routes.length] as Route;
        const t0 = cpuMs();
        const res = await fetch(`${lineops.url}${route.path}`, {
          method: route.method,
          headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
          body: text,
        });
        const answer = await res.text();
        const where = `${route.method} ${route.path} → ${res.status} ${answer.slice(0, 200)}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) {
          const env = JSON.parse(answer) as string | { status?: string; error?: unknown };
          if (route.path.startsWith("/api/v2/") && typeof env === "string") {
            // Alertmanager's API v2 answers 400 and 404 with the message as a bare JSON string (amtool
            // shows it); its 401/403/413/415 keep lineops's envelope.
            expect(typeof env === "string" && env.length > 0, where).toBe(true);
          } else {
            expect(typeof env === "object" && env.status, where).toBe("error");
            expect(
              typeof env === "object" && typeof env.error === "string" && env.error.length > 0,
              where,
            ).toBe(true);
          }
        }
        expect(cpuMs() - t0, `${where}: CPU ms`).toBeLessThan(REQUEST_BUDGET_MS);
      }),
      fuzzParams(300),
    );
  });

  // Issue 9 (P5), item 5: Fastify's default Ajv dropped unknown fields and coerced types, so a
  // misspelled field or a number where a string belongs was a 201.
  it("unknown fields and wrong types are a 400 naming the field", async () => {
    const cases = fc.sample(
      fc.oneof(
        fc
          .constantFrom("stratgy", "rol", "extra")
          .map((k) => ({ body: { name: "fuzz", role: "viewer", [k]: 1 }, field: k })),
        fc.integer().map((n) => ({ body: { name: n, role: "viewer" }, field: "name" })),
      ),
      { numRuns: 5, seed: 1 },
    );
    for (const { body, field } of cases) {
      const res = await fetch(`${lineops.url}/api/v1/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.text()).toContain(field);
    }
  });
});

/** PromQL the explorer sends, and its pieces: edited and shuffled, they reach every printer branch. */
const QUERIES = [
  'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / on (job) group_left up > bool 0.5',
  "max_over_time(-x[1h:1m] @ end() offset 5m) and ignoring (a) topk(3, y)",
  'label_replace(up, "a", "$1", "b", "(.*)") unless count_values("v", z) or 1e3 ^ -Inf',
];
const QUERY_TOKENS = [
  "sum",
  "by",
  "without",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "5m",
  ":",
  "@",
  "offset",
  "on",
  "ignoring",
  "group_left",
  "bool",
  "+",
  "-",
  "/",
  ">",
  "and",
  "or",
  '"x"',
  "=~",
  ",",
  "1",
  "rate",
  "x",
  "'\\u0000'",
];

describe("explorer routes fuzzing", () => {
  it("format_query, parse_query and targets/metadata answer any text with 200 or a 400 envelope", async () => {
    const text = fc.oneof(
      nearValid(QUERIES, QUERY_TOKENS),
      tokenSoup(QUERY_TOKENS),
      fc.string({ maxLength: 60 }),
    );
    const paths = [
      "/api/v1/format_query?query=",
      "/api/v1/parse_query?query=",
      "/api/v1/targets/metadata?match_target=",
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(), text, async (k, q) => {
        const p = `${paths[k % paths.length] as string}${encodeURIComponent(q)}`;
        const t0 = cpuMs();
        const res = await fetch(`${lineops.url}${p}`, { headers: { authorization: `Bearer ${admin}` } });
        const body = (await res.json()) as { status: string; error?: string };
        const where = `${p} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`;
        expect([200, 400], where).toContain(res.status);
        expect(body.status, where).toBe(res.status === 200 ? "success" : "error");
        expect(cpuMs() - t0, `${where}: CPU ms`).toBeLessThan(REQUEST_BUDGET_MS);
      }),
      fuzzParams(300),
    );
  });
});

describe("infrastructure health fuzzing", () => {
  it("GET /api/v1/infrastructure/health answers any query string with 200 or a 400 envelope", async () => {
    // time= in every form Prometheus accepts and many it does not, and parameters it does not know.
    const time = fc.oneof(
      fc.constantFrom(
        "",
        "0",
        "1e9",
        "-1",
        "NaN",
        "Infinity",
        "2026-12-03T10:00:00Z",
        "2026-13-40T99:00:00Z",
      ),
      fc.double().map(String),
      fc.string({ maxLength: 70 }),
    );
    const query = fc.oneof(
      time.map((t) => `time=${encodeURIComponent(t)}`),
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 12 }))
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
      fc.constant("time=1&time=2"),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const p = `/api/v1/infrastructure/health?${q}`;
        const t0 = cpuMs();
        const res = await fetch(`${lineops.url}${p}`, { headers: { authorization: `Bearer ${admin}` } });
        const body = (await res.json()) as { status: string; error?: string };
        const where = `${p} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`;
        expect([200, 400], where).toContain(res.status);
        expect(body.status, where).toBe(res.status === 200 ? "success" : "error");
        if (res.status === 400) {
          expect(body.error, where).toBeTruthy();
        }
        expect(cpuMs() - t0, `${where}: CPU ms`).toBeLessThan(REQUEST_BUDGET_MS);
      }),
      fuzzParams(150),
    );
  });
});

describe("right-sizing and capacity fuzzing", () => {
  it("GET /api/v1/infrastructure/{recommendations,capacity} answer any query string with 200 or an error envelope", async () => {
    // Quantities in every form the routes accept and many they do not; unknown parameters; repeats.
    const quantity = fc.oneof(
      fc.constantFrom("", "4", "0.5", "250m", "0", "-1", "1e309", "NaN", "16Gi", "12XB", "9".repeat(40)),
      fc.string({ maxLength: 40 }),
    );
    const param = fc.oneof(
      fc.tuple(fc.constantFrom("lines", "nodeCpu", "nodeMemory", "service", "time"), quantity),
      fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 12 })),
    );
    const request = fc.tuple(
      fc.constantFrom("recommendations", "capacity"),
      fc
        .array(param, { maxLength: 4 })
        .map((ps) => ps.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([what, q]) => {
        const p = `/api/v1/infrastructure/${what}?${q}`;
        const t0 = cpuMs();
        const res = await fetch(`${lineops.url}${p}`, { headers: { authorization: `Bearer ${admin}` } });
        const body = (await res.json()) as { status: string; error?: string };
        const where = `${p} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`;
        // 404: a service the line does not have.
        expect([200, 400, 404], where).toContain(res.status);
        expect(body.status, where).toBe(res.status === 200 ? "success" : "error");
        if (res.status !== 200) {
          expect(body.error, where).toBeTruthy();
        }
        expect(cpuMs() - t0, `${where}: CPU ms`).toBeLessThan(REQUEST_BUDGET_MS);
      }),
      fuzzParams(100),
    );
  });
});

describe("scale and autoscaler fuzzing", () => {
  it("POST /api/v1/services/:name/scale and GET .../autoscaler answer any input with a 4xx envelope naming the fault", async () => {
    // Names of services that are not in the line (a real one would really scale), bodies of any shape.
    const name = fc.string({ minLength: 1, maxLength: 40 }).map((s) => `zz-${s}`);
    const body = fc.oneof(
      fc.record({ replicas: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)) }),
      fc.jsonValue().map((v) => ({ v })),
      fc.constant({ replicas: 2, extra: true }),
    );
    const query = fc.oneof(
      fc.constant(""),
      fc.string({ maxLength: 12 }).map((v) => `limit=${encodeURIComponent(v)}`),
      fc.integer().map((n) => `limit=${n}`),
    );
    await fc.assert(
      fc.asyncProperty(name, body, query, async (n, b, q) => {
        const t0 = cpuMs();
        const base = `${lineops.url}/api/v1/services/${encodeURIComponent(n)}`;
        const headers = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
        const post = await fetch(`${base}/scale`, { method: "POST", headers, body: JSON.stringify(b) });
        const posted = (await post.json()) as { status: string; error?: string };
        const get = await fetch(`${base}/autoscaler?${q}`, { headers });
        const got = (await get.json()) as { status: string; error?: string };
        for (const [res, reply] of [
          [post, posted],
          [get, got],
        ] as const) {
          const where = `${n} ${JSON.stringify(b)} ${q} → ${res.status} ${JSON.stringify(reply).slice(0, 200)}`;
          expect([400, 404], where).toContain(res.status);
          expect(reply.status, where).toBe("error");
          expect(reply.error, where).toBeTruthy();
        }
        expect(cpuMs() - t0, "CPU ms").toBeLessThan(2 * REQUEST_BUDGET_MS);
      }),
      fuzzParams(150),
    );
  });
});
