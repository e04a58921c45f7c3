// Fuzzing of the Alertmanager API v2 routes (their bodies and query strings), as server.fuzz.test.ts
// does for /api/v1: edited valid alerts and silences, random JSON and random filter text. Every
// answer is a 2xx, or a 400/404 with Alertmanager's JSON string message — never a 5xx — within a
// CPU budget per request.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpuMs, fuzzParams } from "../../test-support/fuzz.js";
import { startAlertmanagerApi, type AlertmanagerApiServer } from "../../test-support/alerting-double.js";

const REQUEST_BUDGET_MS = 200;
let server: AlertmanagerApiServer;

beforeAll(async () => {
  server = await startAlertmanagerApi();
});
afterAll(async () => {
  await server?.close();
});

const now = Date.now();
const VALID_SILENCE = {
  matchers: [{ name: "alertname", value: "StationJammed", isRegex: false, isEqual: true }],
  startsAt: new Date(now).toISOString(),
  endsAt: new Date(now + 3600_000).toISOString(),
  createdBy: "fuzz",
  comment: "fuzz",
};
const VALID_ALERT = {
  labels: { alertname: "StationJammed", station: "press-1" },
  annotations: { summary: "x" },
  startsAt: new Date(now).toISOString(),
  generatorURL: "http://prometheus/graph",
};

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, 1, -1, 1e308, "", "((", ".*", "0001-01-01T00:00:00Z", "2026-02-30T00:00:00Z", [], {}),
);

const silenceBody = fc
  .tuple(
    fc.constantFrom(
      "matchers",
      "startsAt",
      "endsAt",
      "createdBy",
      "comment",
      "id",
      "annotations",
      "__proto__",
    ),
    oddValue,
    fc.boolean(),
  )
  .map(([key, value, inMatcher]) =>
    inMatcher
      ? {
          ...VALID_SILENCE,
          matchers: [{ ...VALID_SILENCE.matchers[0], [key === "id" ? "value" : "name"]: value }],
        }
      : { ...VALID_SILENCE, [key]: value },
  );

const alertsBody = fc
  .tuple(fc.constantFrom("labels", "annotations", "startsAt", "endsAt", "generatorURL", "status"), oddValue)
  .map(([key, value]) => [VALID_ALERT, { ...VALID_ALERT, [key]: value }]);

/** What one request must be: 2xx, or 400/404 whose body is a JSON string with a message. */
async function check(method: "GET" | "POST", url: string, body?: unknown): Promise<void> {
  const before = cpuMs();
  const res = await server.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${server.tokens.operator}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  expect(cpuMs() - before, `${method} ${url}`).toBeLessThan(REQUEST_BUDGET_MS);
  if (res.statusCode >= 200 && res.statusCode < 300) {
    return;
  }
  expect([method, url, res.statusCode]).toEqual([method, url, expect.toBeOneOf([400, 404])]);
  const message: unknown = JSON.parse(res.body);
  expect(typeof message, res.body).toBe("string");
  expect((message as string).length).toBeGreaterThan(0);
}

describe("Alertmanager API v2 fuzzing", () => {
  it("POST /api/v2/silences with edited silences", async () => {
    await fc.assert(
      fc.asyncProperty(silenceBody, (b) => check("POST", "/api/v2/silences", b)),
      fuzzParams(300),
    );
  });

  it("POST /api/v2/alerts with edited alerts and random JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(alertsBody, fc.jsonValue({ maxDepth: 3 })), (b) =>
        check("POST", "/api/v2/alerts", b),
      ),
      fuzzParams(300),
    );
  });

  it("GET alerts, groups and silences with random filters and receivers", async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('a="b"', "a=~((", "{a=b,c!~d}", '"a b"="c"', "a", "=", "!~", "a=\\"),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences"),
        fc.array(text, { maxLength: 3 }),
        fc.option(text),
        fc.constantFrom("true", "false", "", "yes"),
        (path, filters, receiver, flag) => {
          const q = [
            ...filters.map((f) => `filter=${encodeURIComponent(f)}`),
            ...(receiver === null ? [] : [`receiver=${encodeURIComponent(receiver)}`]),
            `silenced=${flag}`,
          ].join("&");
          return check("GET", `${path}?${q}`);
        },
      ),
      fuzzParams(300),
    );
  });
});
