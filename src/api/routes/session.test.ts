// Sign-in, sessions and CSRF through the real server (a control plane without a line): the cookie's
// attributes, role checks through a session, CSRF refusals, throttling, revocation, a restart, TLS,
// and that no secret reaches a log line, an audit record or a response other than csrfToken.
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi, type ApiCall, type ApiReply } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";
import { makeCert } from "../../test-support/tls.js";

const PASSWORDS = {
  vera: "vera-viewer-pass-1",
  otto: "otto-operator-pass-2",
  pia: "pia-password-3",
  rex: "rex-removed-pass-4",
  dora: "dora-disabled-pass-5",
} as const;

let lineops: Lineops;
let admin = "";
const logText: string[] = [];
/** Every response body this file received: checked for secrets at the end. */
const replies: ApiReply[] = [];
/** Session ids and CSRF tokens seen: none may appear where it does not belong. */
const secrets = new Set<string>(Object.values(PASSWORDS));

const inject = injectApi(() => lineops);
async function call(method: string, url: string, c: ApiCall = {}): Promise<ApiReply> {
  const r = await inject(method, url, c);
  replies.push(r);
  return r;
}

const setCookieOf = (r: ApiReply): string => {
  const h = r.headers["set-cookie"];
  return String(Array.isArray(h) ? h[0] : (h ?? ""));
};
/** The session id a sign-in set (the value of lineops_session). */
const sessionIdOf = (r: ApiReply): string => /^lineops_session=([^;]*)/.exec(setCookieOf(r))?.[1] ?? "";

type Session = { id: string; csrf: string; cookie: string };

async function signIn(username: string, password: string, headers: Record<string, string> = {}) {
  return call("POST", "/api/v1/session", { body: { username, password }, headers });
}

async function session(username: keyof typeof PASSWORDS): Promise<Session> {
  const r = await signIn(username, PASSWORDS[username]);
  expect(r.status, r.text).toBe(200);
  const id = sessionIdOf(r);
  const csrf = r.body.data.csrfToken as string;
  secrets.add(id);
  secrets.add(csrf);
  return { id, csrf, cookie: `lineops_session=${id}` };
}

/** A call through a session: the cookie, plus the CSRF token unless told otherwise. */
const via = (s: Session, method: string, url: string, c: ApiCall & { csrf?: string | null } = {}) =>
  call(method, url, {
    ...c,
    headers: {
      cookie: s.cookie,
      ...(c.csrf === null ? {} : { "x-csrf-token": c.csrf ?? s.csrf }),
      ...c.headers,
    },
  });

const deploy = { service: "nope", version: "1.0.0" };

beforeAll(async () => {
  lineops = await startLineops({
    dataDir: tempDir("lineops-session-"),
    port: 0,
    logger: pino(
      { level: "trace" },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logText.push(chunk.toString());
          done();
        },
      }),
    ),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  const roles = { vera: "viewer", otto: "operator", pia: "viewer", rex: "operator", dora: "viewer" };
  for (const [name, role] of Object.entries(roles)) {
    const r = await call("POST", "/api/v1/users", {
      token: admin,
      body: { name, role, password: PASSWORDS[name as keyof typeof PASSWORDS] },
    });
    expect(r.status, r.text).toBe(201);
  }
});

afterAll(async () => {
  await lineops?.stop();
});

describe("sign-in", () => {
  it("answers the user and a CSRF token, and sets an HttpOnly SameSite=Strict cookie (no Secure without TLS)", async () => {
    const r = await signIn("vera", PASSWORDS.vera);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: "success",
      data: { user: { name: "vera", role: "viewer" }, csrfToken: expect.stringMatching(/^[\w-]{43}$/) },
    });
    const id = sessionIdOf(r);
    secrets.add(id);
    secrets.add(r.body.data.csrfToken as string);
    expect(id).toMatch(/^[\w-]{43}$/);
    expect(setCookieOf(r)).toBe(`lineops_session=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800`);
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  it("refuses a wrong password, an unknown user and a disabled user alike: 401, no cookie, no hint", async () => {
    expect(
      (await call("PATCH", "/api/v1/users/dora", { token: admin, body: { disabled: true } })).status,
    ).toBe(200);
    const answers = await Promise.all([
      signIn("vera", "not-the-password"),
      signIn("nobody-here", "not-the-password"),
      signIn("dora", PASSWORDS.dora),
    ]);
    for (const r of answers) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({
        status: "error",
        errorType: "unauthorized",
        code: "LINEOPS_ERR_UNAUTHORIZED",
        error: "wrong user name or password",
      });
      expect(r.headers["set-cookie"]).toBeUndefined();
    }
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });

  it("refuses a sign-in another site's page sends (login CSRF) and a form body", async () => {
    const cross = await signIn("vera", PASSWORDS.vera, { "sec-fetch-site": "cross-site" });
    expect([cross.status, cross.body.code]).toEqual([403, "LINEOPS_ERR_CSRF"]);
    const origin = await signIn("vera", PASSWORDS.vera, { origin: "https://evil.example" });
    expect([origin.status, origin.body.code]).toEqual([403, "LINEOPS_ERR_CSRF"]);
    const form = await call("POST", "/api/v1/session", {
      type: "application/x-www-form-urlencoded",
      body: `username=vera&password=${PASSWORDS.vera}`,
    });
    expect(form.status).toBe(415);
  });
});

describe("a session", () => {
  it("answers GET /api/v1/session with the same user and token; 401 without the cookie or with a bearer token", async () => {
    const s = await session("vera");
    const r = await via(s, "GET", "/api/v1/session", { csrf: null });
    expect(r.body).toEqual({
      status: "success",
      data: { user: { name: "vera", role: "viewer" }, csrfToken: s.csrf },
    });
    expect((await call("GET", "/api/v1/session")).status).toBe(401);
    expect((await call("GET", "/api/v1/session", { token: admin })).status).toBe(401);
    const dead = await call("GET", "/api/v1/session", {
      headers: { cookie: `lineops_session=${"x".repeat(43)}` },
    });
    expect(dead.status).toBe(401);
    expect(setCookieOf(dead)).toMatch(/^lineops_session=; .*Max-Age=0/);
  });

  it("authorises by the user's role: a viewer reads, and is refused operator routes", async () => {
    const s = await session("vera");
    expect((await via(s, "GET", "/api/v1/status", { csrf: null })).status).toBe(200);
    const denied = await via(s, "POST", "/api/v1/deployments", { body: deploy });
    expect([denied.status, denied.body.code]).toEqual([403, "LINEOPS_ERR_FORBIDDEN"]);
    expect(denied.body.error).toContain('user "vera" is viewer');
    expect((await via(s, "GET", "/api/v1/users", { csrf: null })).status).toBe(403);
  });

  it("lets an operator change things with the CSRF token, and the audit trail names the person", async () => {
    const s = await session("otto");
    const r = await via(s, "POST", "/api/v1/deployments", { body: deploy });
    expect(r.status).not.toBe(401);
    expect(r.status).not.toBe(403);
    const audit = await call("GET", "/api/v1/audit?limit=50", { token: admin });
    const records = audit.body.records as {
      actor: string;
      action: string;
      detail?: string;
      outcome: string;
    }[];
    expect(records).toContainEqual(
      expect.objectContaining({ actor: "otto (operator)", action: "POST /api/v1/deployments" }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        actor: "otto (operator)",
        action: "POST /api/v1/session",
        outcome: "success",
        detail: 'sign-in as "otto"',
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        actor: "anonymous",
        action: "POST /api/v1/session",
        outcome: "denied",
        detail: 'sign-in as "nobody-here": failed',
      }),
    );
  });
});

describe("CSRF", () => {
  it.each([
    ["no X-CSRF-Token", { csrf: null }, /needs the X-CSRF-Token header/],
    ["a wrong token", { csrf: "W".repeat(43) }, /does not match/],
    ["a cross-site Sec-Fetch-Site", { headers: { "sec-fetch-site": "cross-site" } }, /another site/],
    [
      "a same-site (other port) Sec-Fetch-Site",
      { headers: { "sec-fetch-site": "same-site" } },
      /another site/,
    ],
    ["a foreign Origin", { headers: { origin: "https://evil.example" } }, /Origin/],
    ["Origin null", { headers: { origin: "null" } }, /Origin/],
  ] as const)("refuses a session change with %s (403)", async (_what, extra, message) => {
    const s = await session("otto");
    const r = await via(s, "POST", "/api/v1/deployments", { body: deploy, ...extra });
    expect([r.status, r.body.code]).toEqual([403, "LINEOPS_ERR_CSRF"]);
    expect(r.body.error).toMatch(message);
  });

  it("refuses another session's token", async () => {
    const mine = await session("otto");
    const theirs = await session("vera");
    const r = await via(mine, "POST", "/api/v1/deployments", { body: deploy, csrf: theirs.csrf });
    expect([r.status, r.body.code]).toEqual([403, "LINEOPS_ERR_CSRF"]);
  });

  it("takes a same-origin request with the token, and refuses form bodies even on read-only POSTs", async () => {
    const s = await session("otto");
    const ok = await via(s, "POST", "/api/v1/deployments", {
      body: deploy,
      headers: { origin: "http://localhost", "sec-fetch-site": "same-origin" },
    });
    expect(ok.body.code).not.toBe("LINEOPS_ERR_CSRF");
    expect(ok.status).not.toBe(403);
    const form = await via(s, "POST", "/api/v1/query", {
      type: "application/x-www-form-urlencoded",
      body: "query=up",
    });
    expect([form.status, form.body.code]).toEqual([403, "LINEOPS_ERR_CSRF"]);
    const json = await via(s, "POST", "/api/v1/query?query=up", { csrf: null });
    expect([json.status, json.body.code]).toEqual([403, "LINEOPS_ERR_CSRF"]);
  });

  it("asks nothing of a bearer token: no ambient credential, nothing to forge", async () => {
    const r = await call("POST", "/api/v1/deployments", {
      token: admin,
      body: deploy,
      headers: { "sec-fetch-site": "cross-site", cookie: "lineops_session=whatever" },
    });
    expect(r.body.code).not.toBe("LINEOPS_ERR_CSRF");
    expect(r.status).not.toBe(403);
  });
});

describe("sign-out and revocation", () => {
  it("signs out with the CSRF token only, clears the cookie, and the session is gone", async () => {
    const s = await session("pia");
    const refused = await via(s, "DELETE", "/api/v1/session", { csrf: null });
    expect([refused.status, refused.body.code]).toEqual([403, "LINEOPS_ERR_CSRF"]);
    const out = await via(s, "DELETE", "/api/v1/session");
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ status: "success", data: {} });
    expect(setCookieOf(out)).toBe("lineops_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    expect((await via(s, "GET", "/api/v1/session", { csrf: null })).status).toBe(401);
  });

  it("ends every session of a user whose password changes: the old password fails, the new one works", async () => {
    const s = await session("pia");
    const newPassword = "pia-new-password-6";
    secrets.add(newPassword);
    const r = await call("PUT", "/api/v1/users/pia/password", {
      token: admin,
      body: { password: newPassword },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: { name: "pia" }, sessionsEnded: 1 });
    expect((await via(s, "GET", "/api/v1/session", { csrf: null })).status).toBe(401);
    expect((await signIn("pia", PASSWORDS.pia)).status).toBe(401);
    const again = await signIn("pia", newPassword);
    expect(again.status).toBe(200);
    secrets.add(sessionIdOf(again));
    secrets.add(again.body.data.csrfToken as string);
  });

  it("ends the sessions of a removed user", async () => {
    const s = await session("rex");
    const r = await call("DELETE", "/api/v1/users/rex", { token: admin });
    expect(r.body).toEqual({ removed: "rex", sessionsEnded: 1 });
    expect((await via(s, "GET", "/api/v1/status", { csrf: null })).status).toBe(401);
  });
});

describe("throttling", () => {
  it("answers 429 with Retry-After after five failures for a name, right password or not, and audits it", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await signIn("otto", `wrong-${i}`)).status).toBe(401);
    }
    const r = await signIn("otto", PASSWORDS.otto);
    expect([r.status, r.body.code]).toEqual([429, "LINEOPS_ERR_TOO_MANY_REQUESTS"]);
    expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    const audit = await call("GET", "/api/v1/audit?limit=20", { token: admin });
    expect(audit.body.records).toContainEqual(
      expect.objectContaining({ status: 429, outcome: "failed", detail: 'sign-in as "otto": throttled' }),
    );
  });
});

describe("secrets", () => {
  it("never appear in logs, audit records or responses (but for the csrfToken field)", async () => {
    for (const u of lineops.users.list()) {
      secrets.add(lineops.users.credentials(u.name)?.passwordHash ?? "");
    }
    secrets.delete("");
    expect(secrets.size).toBeGreaterThan(15);
    const audit = await call("GET", "/api/v1/audit?limit=1000", { token: admin });
    const logs = logText.join("");
    expect(logs.length).toBeGreaterThan(0);
    const auditText = JSON.stringify(audit.body);
    const bodies = replies.map((r) => r.text.replace(/"csrfToken":"[\w-]+"/g, '"csrfToken":"-"'));
    for (const secret of secrets) {
      expect(logs.includes(secret), `a secret in the log`).toBe(false);
      expect(auditText.includes(secret), `a secret in the audit trail`).toBe(false);
      for (const b of bodies) {
        expect(b.includes(secret), `a secret in a response: ${b.slice(0, 100)}`).toBe(false);
      }
    }
  });
});

describe("across a restart, under TLS", () => {
  it("sets Secure on the cookie and keeps the session when lineops restarts", async () => {
    const dir = tempDir("lineops-session-tls-");
    const cert = makeCert(dir, "api");
    const start = () =>
      startLineops({
        dataDir: `${dir}/data`,
        port: 0,
        tlsCertFile: cert.certFile,
        tlsKeyFile: cert.keyFile,
        logger: pino({ level: "silent" }),
        onAdminToken: (t) => {
          tlsAdmin = t;
        },
      });
    let tlsAdmin = "";
    let first: Lineops | undefined = await start();
    let second: Lineops | undefined;
    try {
      const tls = injectApi(() => first as Lineops);
      expect(
        (
          await tls("POST", "/api/v1/users", {
            token: tlsAdmin,
            body: { name: "tess", role: "operator", password: "tess-pass-777" },
          })
        ).status,
      ).toBe(201);
      const r = await tls("POST", "/api/v1/session", {
        body: { username: "tess", password: "tess-pass-777" },
      });
      expect(setCookieOf(r)).toMatch(/; Secure$/);
      const cookie = `lineops_session=${sessionIdOf(r)}`;
      await first.stop();
      first = undefined;
      second = await start();
      const after = await injectApi(() => second as Lineops)("GET", "/api/v1/session", {
        headers: { cookie },
      });
      expect(after.status).toBe(200);
      expect(after.body.data).toEqual({
        user: { name: "tess", role: "operator" },
        csrfToken: r.body.data.csrfToken,
      });
    } finally {
      await first?.stop();
      await second?.stop();
    }
  });
});
