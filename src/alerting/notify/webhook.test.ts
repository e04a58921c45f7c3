import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeCert, type TestCert } from "../../test-support/tls.js";
import { VERSION } from "../../version.js";
import { HttpConfigError } from "./http-config.js";
import { encodeWebhookPayload, webhookPayload, type WebhookPayload } from "./payload.js";
import { startReceiver, type TestReceiver } from "./test-support/receiver.js";
import { REDACTED_URL, WebhookNotifier, type WebhookConfig } from "./webhook.js";

const NOW = Date.parse("2026-12-03T10:00:00Z");
const PAYLOAD: WebhookPayload = webhookPayload(
  {
    receiver: "ops",
    groupKey: '{}:{alertname="Jam"}',
    groupLabels: { alertname: "Jam" },
    externalURL: "http://lineops.example",
    alerts: [{ labels: { alertname: "Jam", station: "s1" }, annotations: {}, startsAt: NOW - 60_000 }],
  },
  { now: NOW },
)!;

let dir: string;
let serverCert: TestCert;
let clientCert: TestCert;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "lineops-webhook-"));
  serverCert = makeCert(dir, "server");
  clientCert = makeCert(dir, "client");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) {
    await c();
  }
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<TestReceiver> {
  const r = await startReceiver(...args);
  cleanup.push(() => r.close());
  return r;
}

function notifier(config: WebhookConfig): WebhookNotifier {
  const n = new WebhookNotifier(config);
  cleanup.push(() => n.close());
  return n;
}

function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe("WebhookNotifier over HTTP", () => {
  it("POSTs Alertmanager's JSON with lineops's User-Agent and reports a 2xx as delivered", async () => {
    const r = await receiver(() => ({ status: 204 }));
    const result = await notifier({ url: r.url }).notify(PAYLOAD);
    expect(result).toEqual({ retry: false, status: 204 });
    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/hook");
    expect(req.headers["user-agent"]).toBe(`lineops/${VERSION}`);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toBe(encodeWebhookPayload(PAYLOAD));
    expect(JSON.parse(req.body)).toMatchObject({ version: "4", status: "firing", receiver: "ops" });
  });

  it("classifies answers as Alertmanager's webhook retrier: 5xx retried, 4xx (429 included) and 3xx final", async () => {
    let status = 500;
    const r = await receiver(() => ({ status, body: `answer ${status}\n` }));
    const n = notifier({ url: r.url, httpConfig: { followRedirects: false } });
    expect(await n.notify(PAYLOAD)).toEqual({
      retry: true,
      status: 500,
      error: "unexpected status code 500: answer 500",
    });
    for (const [code, retry] of [
      [503, true],
      [400, false],
      [404, false],
      [429, false],
      [302, false],
    ] as const) {
      status = code;
      const result = await n.notify(PAYLOAD);
      expect(result, `status ${code}`).toMatchObject({ retry, status: code });
      expect(result.error).toMatch(new RegExp(`^unexpected status code ${code}`));
    }
  });

  it("sends bearer, custom-type and file credentials, re-reading the file on every request", async () => {
    const r = await receiver();
    await notifier({ url: r.url, httpConfig: { authorization: { credentials: "tok1" } } }).notify(PAYLOAD);
    await notifier({
      url: r.url,
      httpConfig: { authorization: { type: "Token", credentials: "tok2" } },
    }).notify(PAYLOAD);
    await notifier({ url: r.url, httpConfig: { bearerToken: "legacy" } }).notify(PAYLOAD);
    const file = secretFile("credentials", "from-file-1\n");
    const fromFile = notifier({ url: r.url, httpConfig: { authorization: { credentialsFile: file } } });
    await fromFile.notify(PAYLOAD);
    writeFileSync(file, "rotated\n");
    await fromFile.notify(PAYLOAD);
    expect(r.requests.map((q) => q.headers.authorization)).toEqual([
      "Bearer tok1",
      "Token tok2",
      "Bearer legacy",
      "Bearer from-file-1",
      "Bearer rotated",
    ]);
  });

  it("sends basic auth from basic_auth (password_file too) and from URL userinfo", async () => {
    const r = await receiver();
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
    await notifier({ url: r.url, httpConfig: { basicAuth: { username: "am", password: "pw" } } }).notify(
      PAYLOAD,
    );
    const pwFile = secretFile("password", "filepw\n");
    await notifier({
      url: r.url,
      httpConfig: { basicAuth: { username: "am", passwordFile: pwFile } },
    }).notify(PAYLOAD);
    await notifier({ url: r.url.replace("http://", "http://us%40er:p%3Ass@") }).notify(PAYLOAD);
    expect(r.requests.map((q) => q.headers.authorization)).toEqual([
      basic("am", "pw"),
      basic("am", "filepw"),
      basic("us@er", "p:ss"),
    ]);
  });

  it("reads url_file on every notification", async () => {
    const a = await receiver();
    const b = await receiver();
    const file = secretFile("url", `${a.url}\n`);
    const n = notifier({ urlFile: file });
    expect((await n.notify(PAYLOAD)).error).toBeUndefined();
    writeFileSync(file, b.url);
    expect((await n.notify(PAYLOAD)).error).toBeUndefined();
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
  });

  it("follows a 307 with the same POST body, as Go's client, unless follow_redirects is off", async () => {
    const target = await receiver();
    const r = await receiver((req) =>
      req.path === "/hook"
        ? { status: 307, headers: { location: `${target.url}?moved=1` } }
        : { status: 200 },
    );
    expect(await notifier({ url: r.url }).notify(PAYLOAD)).toEqual({ retry: false, status: 200 });
    expect(target.requests.map((q) => [q.method, q.path, q.body])).toEqual([
      ["POST", "/hook?moved=1", encodeWebhookPayload(PAYLOAD)],
    ]);
    const stay = await notifier({ url: r.url, httpConfig: { followRedirects: false } }).notify(PAYLOAD);
    expect(stay).toMatchObject({ retry: false, status: 307 });
    expect(target.requests).toHaveLength(1);
  });

  it("keeps credentials on same-origin redirects and drops them when a redirect leaves the origin", async () => {
    const other = await receiver();
    const r = await receiver((req) => {
      if (req.path === "/hook") {
        return { status: 308, headers: { location: "/same-origin" } };
      }
      return req.path === "/same-origin"
        ? { status: 307, headers: { location: other.url } }
        : { status: 200 };
    });
    const userinfo = r.url.replace("http://", "http://u:p@");
    for (const config of [
      { url: r.url, httpConfig: { authorization: { credentials: "hunter2" } } },
      { url: userinfo },
    ] satisfies WebhookConfig[]) {
      expect(await notifier(config).notify(PAYLOAD)).toEqual({ retry: false, status: 200 });
    }
    expect(r.requests.map((q) => [q.path, q.headers.authorization])).toEqual([
      ["/hook", "Bearer hunter2"],
      ["/same-origin", "Bearer hunter2"],
      ["/hook", `Basic ${Buffer.from("u:p").toString("base64")}`],
      ["/same-origin", `Basic ${Buffer.from("u:p").toString("base64")}`],
    ]);
    expect(other.requests.map((q) => q.headers.authorization)).toEqual([undefined, undefined]);
  });

  it("gives up an attempt after timeout and calls it retriable", async () => {
    const r = await receiver(() => "hang");
    const started = Date.now();
    const result = await notifier({ url: r.url, timeoutMs: 150 }).notify(PAYLOAD);
    const took = Date.now() - started;
    expect(result).toEqual({
      retry: true,
      error: `Post "${REDACTED_URL}": configured webhook timeout reached (150ms)`,
    });
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(3000);
  });

  it("stops an attempt when the caller's signal aborts", async () => {
    const r = await receiver(() => "hang");
    const ctl = new AbortController();
    const pending = notifier({ url: r.url }).notify(PAYLOAD, ctl.signal);
    await new Promise((res) => setTimeout(res, 50));
    ctl.abort(new Error("group flushed"));
    expect(await pending).toEqual({
      retry: true,
      error: `Post "${REDACTED_URL}": delivery canceled: group flushed`,
    });
  });
});

describe("WebhookNotifier never reveals secrets", () => {
  const SECRETS = ["s3cretpw", "TOPSECRET", "hunter2", "filetoken"];

  it("redacts the URL (userinfo, path, query) from network errors", async () => {
    // A port that was just open and is now closed: connection refused.
    const r = await startReceiver();
    const url = `http://user:s3cretpw@127.0.0.1:${r.port}/hooks/TOPSECRET?token=TOPSECRET`;
    await r.close();
    const result = await notifier({
      url,
      httpConfig: { authorization: { credentials: "hunter2" } },
    }).notify(PAYLOAD);
    expect(result.retry).toBe(true);
    expect(result.error).toMatch(/^Post "<redacted>": .*ECONNREFUSED/);
    for (const s of SECRETS) {
      expect(result.error).not.toContain(s);
    }
  });

  it("names the field, never the content, of a bad url, url_file or credentials file", async () => {
    const bad = () => new WebhookNotifier({ url: "not a url TOPSECRET" });
    expect(bad).toThrow(HttpConfigError);
    expect(bad).toThrow("url is not a valid absolute URL");
    expect(() => new WebhookNotifier({ url: "ftp://h/TOPSECRET" })).toThrow(
      "url must use http or https, not ftp",
    );
    const badFile = notifier({ urlFile: secretFile("badurl", "nope TOPSECRET") });
    expect(await badFile.notify(PAYLOAD)).toEqual({
      retry: true,
      error: "url_file is not a valid absolute URL",
    });
    const missing = path.join(dir, "no-such-token");
    const r = await receiver();
    const noCreds = notifier({ url: r.url, httpConfig: { authorization: { credentialsFile: missing } } });
    expect(await noCreds.notify(PAYLOAD)).toEqual({
      retry: true,
      error: `cannot read authorization.credentials_file ${missing}: ENOENT`,
    });
    expect(r.requests).toHaveLength(0);
  });
});

describe("WebhookNotifier over HTTPS", () => {
  const tlsServer = () =>
    receiver(undefined, { cert: readFileSync(serverCert.certFile), key: readFileSync(serverCert.keyFile) });

  it("trusts the server through ca_file and rejects it without", async () => {
    const r = await tlsServer();
    expect(
      await notifier({ url: r.url, httpConfig: { tlsConfig: { caFile: serverCert.certFile } } }).notify(
        PAYLOAD,
      ),
    ).toEqual({ retry: false, status: 200 });
    const untrusted = await notifier({ url: r.url }).notify(PAYLOAD);
    expect(untrusted.retry).toBe(true);
    expect(untrusted.error).toMatch(/^Post "<redacted>": .*self.signed/i);
    expect(r.requests).toHaveLength(1);
  });

  it("skips verification with insecure_skip_verify and checks server_name against the certificate", async () => {
    const r = await tlsServer();
    expect(
      await notifier({ url: r.url, httpConfig: { tlsConfig: { insecureSkipVerify: true } } }).notify(PAYLOAD),
    ).toEqual({
      retry: false,
      status: 200,
    });
    const wrongName = await notifier({
      url: r.url,
      httpConfig: { tlsConfig: { caFile: serverCert.certFile, serverName: "other.example" } },
    }).notify(PAYLOAD);
    expect(wrongName.retry).toBe(true);
    expect(wrongName.error).toMatch(/other\.example/);
    const rightName = await notifier({
      url: r.url,
      httpConfig: { tlsConfig: { caFile: serverCert.certFile, serverName: "localhost" } },
    }).notify(PAYLOAD);
    expect(rightName).toEqual({ retry: false, status: 200 });
  });

  it("presents the client certificate from cert_file and key_file", async () => {
    const r = await receiver(undefined, {
      cert: readFileSync(serverCert.certFile),
      key: readFileSync(serverCert.keyFile),
      ca: readFileSync(clientCert.certFile),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const n = notifier({
      url: r.url,
      httpConfig: {
        tlsConfig: {
          caFile: serverCert.certFile,
          certFile: clientCert.certFile,
          keyFile: clientCert.keyFile,
        },
      },
    });
    expect(await n.notify(PAYLOAD)).toEqual({ retry: false, status: 200 });
    expect(r.requests[0]?.clientCN).toBe("client");
    const without = await notifier({
      url: r.url,
      httpConfig: { tlsConfig: { caFile: serverCert.certFile } },
    }).notify(PAYLOAD);
    expect(without.retry).toBe(true);
    expect(r.requests).toHaveLength(1);
  });
});

describe("WebhookNotifier config checks", () => {
  it.each<[WebhookConfig, string]>([
    [{}, "one of url or url_file must be configured"],
    [{ url: "http://a/", urlFile: "/f" }, "at most one of url & url_file must be configured"],
    [{ url: "http://a/", maxAlerts: -2 }, "max_alerts must be a non-negative integer, got -2"],
    [{ url: "http://a/", timeoutMs: -1 }, "timeout must be a non-negative duration, got -1"],
    [
      { url: "http://a/", httpConfig: { authorization: { type: "Basic", credentials: "x" } } },
      'authorization type cannot be set to "basic", use "basic_auth" instead',
    ],
    [
      { url: "http://a/", httpConfig: { authorization: { credentials: "x" }, basicAuth: { username: "u" } } },
      "at most one of basic_auth, oauth2 & authorization must be configured",
    ],
    [
      { url: "http://a/", httpConfig: { bearerToken: "x", authorization: { credentials: "y" } } },
      "at most one of bearer_token, bearer_token_file, authorization and basic_auth may be set",
    ],
    [
      { url: "http://a/", httpConfig: { basicAuth: { password: "p", passwordFile: "/f" } } },
      "at most one of basic_auth password & password_file must be configured",
    ],
    [
      { url: "http://a/", httpConfig: { tlsConfig: { certFile: "/c" } } },
      "tls_config needs both a client certificate and its key, or neither",
    ],
    [
      { url: "http://a/", httpConfig: { tlsConfig: { ca: "x", caFile: "/c" } } },
      "at most one of tls_config ca & ca_file must be configured",
    ],
  ])("rejects %j", (config, message) => {
    expect(() => new WebhookNotifier(config)).toThrow(message);
  });

  it("applies send_resolved (default true) and max_alerts from its config when building the message", () => {
    const input = {
      receiver: "ops",
      groupKey: "k",
      groupLabels: {},
      externalURL: "",
      alerts: [
        { labels: { a: "1" }, annotations: {}, startsAt: NOW - 2, endsAt: NOW - 1 },
        { labels: { a: "2" }, annotations: {}, startsAt: NOW - 2 },
        { labels: { a: "3" }, annotations: {}, startsAt: NOW - 2 },
      ],
    };
    expect(new WebhookNotifier({ url: "http://a/" }).payload(input, NOW)!.alerts).toHaveLength(3);
    const capped = new WebhookNotifier({ url: "http://a/", sendResolved: false, maxAlerts: 1 }).payload(
      input,
      NOW,
    )!;
    expect(capped.alerts.map((x) => x.labels.a)).toEqual(["2"]);
    expect(capped.truncatedAlerts).toBe(1);
    expect(
      new WebhookNotifier({ url: "http://a/", sendResolved: false }).payload(
        { ...input, alerts: [input.alerts[0]!] },
        NOW,
      ),
    ).toBeNull();
  });
});
