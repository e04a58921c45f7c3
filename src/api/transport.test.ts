// The transport policy against a real control plane: HTTPS with a reloadable certificate, the
// bind rule, the Host allow-list, security headers, no tokens in query strings, private files.
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino, type Logger } from "pino";
import { loadConfigFile } from "../config/config.js";
import { startLineops, type Lineops } from "../main.js";
import { tempDir } from "../test-support/line.js";
import { waitFor } from "../test-support/wait.js";
import { httpsRequest, makeCert, servedFingerprint, type TestCert } from "../test-support/tls.js";
import { checkListeners, hostName, isLoopbackHost, urlHost } from "./transport.js";

function capturedLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return {
    logger: pino({ level: "info" }, stream),
    lines: () =>
      out
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe("transport rules", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["[::1]", true],
    ["0:0:0:0:0:0:0:1", true],
    ["::ffff:127.0.0.1", true],
    ["localhost", true],
    ["LOCALHOST.", true],
    ["ui.localhost", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.1.2.3", false],
    ["128.0.0.1", false],
    ["localhost.evil.example", false],
    ["edge01", false],
  ])("isLoopbackHost(%s) = %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it.each([
    ["localhost:80", "localhost"],
    ["[::1]:9470", "::1"],
    ["[::1]", "::1"],
    ["Evil.Example.:9470", "evil.example"],
    ["10.0.0.5", "10.0.0.5"],
  ])("hostName(%s) = %s", (header, name) => {
    expect(hostName(header)).toBe(name);
  });

  it.each([
    ["0.0.0.0", "127.0.0.1"],
    ["::", "[::1]"],
    ["::1", "[::1]"],
    ["10.0.0.5", "10.0.0.5"],
  ])("a listener on %s is reached at %s", (host, url) => {
    expect(urlHost(host)).toBe(url);
  });

  it.each([
    ["127.0.0.1", false, false, "ok"],
    ["::1", false, false, "ok"],
    ["0.0.0.0", true, false, "ok"],
    ["0.0.0.0", false, false, "LINEOPS_ERR_INSECURE_LISTEN"],
    ["::", false, false, "LINEOPS_ERR_INSECURE_LISTEN"],
    ["10.0.0.5", false, false, "LINEOPS_ERR_INSECURE_LISTEN"],
    ["edge01", false, false, "LINEOPS_ERR_INSECURE_LISTEN"],
    ["0.0.0.0", false, true, "warning"],
  ])("listening on %s (tls %s, allow_insecure %s): %s", (host, tls, allow, outcome) => {
    const run = () => checkListeners([{ what: "the API", host, tls }], allow);
    if (outcome.startsWith("LINEOPS_ERR")) {
      expect(run).toThrow(expect.objectContaining({ code: outcome }));
    } else {
      expect(run()).toHaveLength(outcome === "warning" ? 1 : 0);
    }
  });
});

describe("start-time bind rule", () => {
  it.each([
    [{ host: "0.0.0.0" }, "the API"],
    [{ config: "web:\n  front_doors:\n    host: 0.0.0.0\n" }, "the front doors"],
  ])("refuses %o without TLS or the insecure flag, naming %s", async (opts, what) => {
    const dir = tempDir();
    const configFile = path.join(dir, "lineops.yaml");
    writeFileSync(configFile, "config" in opts ? opts.config : "{}\n");
    const start = startLineops({
      dataDir: path.join(dir, "data"),
      configFile,
      port: 0,
      ...("host" in opts ? { host: opts.host } : {}),
      logger: pino({ level: "silent" }),
    });
    await expect(start).rejects.toMatchObject({ code: "LINEOPS_ERR_INSECURE_LISTEN" });
    await expect(start).rejects.toThrow(what);
  });

  it("starts beyond loopback with --insecure-listen and logs a loud warning", async () => {
    const { logger, lines } = capturedLogger();
    const lineops = await startLineops({
      dataDir: tempDir(),
      host: "0.0.0.0",
      port: 0,
      allowInsecure: true,
      logger,
    });
    try {
      expect(lineops.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const warning = lines().find((l) => String(l.msg).startsWith("INSECURE"));
      expect(warning).toMatchObject({ level: 40 });
      expect(String(warning?.msg)).toContain("0.0.0.0");
    } finally {
      await lineops.stop();
    }
  });
});

describe("the API over HTTPS", () => {
  let dir: string;
  let cert: TestCert;
  let lineops: Lineops;
  let admin = "";
  let port = 0;
  const logs = capturedLogger();

  beforeAll(async () => {
    dir = tempDir();
    cert = makeCert(dir, "first");
    // Files as an older lineops (or a 022 umask) left them: 0755 and 0644, to be tightened at start.
    const dataDir = path.join(dir, "data");
    mkdirSync(path.join(dataDir, "logs", "old-instance"), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(dataDir, "lineops.db"), "", { mode: 0o644 });
    writeFileSync(path.join(dataDir, "logs", "old-instance", "output.log"), "hello\n", { mode: 0o644 });
    chmodSync(dataDir, 0o755);
    copyFileSync(cert.certFile, path.join(dir, "server.crt"));
    copyFileSync(cert.keyFile, path.join(dir, "server.key"));
    const configFile = path.join(dir, "lineops.yaml");
    writeFileSync(
      configFile,
      [
        "web:",
        "  tls_server_config:",
        "    cert_file: server.crt", // relative to the config file
        "    key_file: server.key",
        "  allowed_hosts: [lineops.plant.example]",
        "monitoring:",
        "  scrapeInterval: 500ms",
        "  scrapeTimeout: 500ms",
        "",
      ].join("\n"),
    );
    lineops = await startLineops({
      configFile,
      dataDir,
      port: 0,
      logger: logs.logger,
      onAdminToken: (t) => {
        admin = t;
      },
    });
    port = Number(new URL(lineops.url).port);
  });

  afterAll(async () => {
    await lineops?.stop();
  });

  const get = (pathAndQuery: string, headers: Record<string, string> = {}) =>
    httpsRequest(`${lineops.url}${pathAndQuery}`, cert.pem, {
      headers: { authorization: `Bearer ${admin}`, ...headers },
      anyName: true,
    });

  it("answers over HTTPS with the configured certificate, and not over plain HTTP", async () => {
    expect(lineops.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get("/api/v1/version");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty("version");
    expect(await servedFingerprint(port)).toBe(cert.fingerprint);
    const plain = await new Promise<number | string>((resolve) => {
      http
        .get(`http://127.0.0.1:${port}/-/healthy`, (r) => resolve(r.statusCode ?? 0))
        .on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(plain).not.toBe(200);
  });

  it("still scrapes its own /metrics (router metrics feed canary analyses) over HTTPS", async () => {
    const query = encodeURIComponent('up{job="lineops"}');
    const up = await waitFor(
      async () => {
        const res = await get(`/api/v1/query?query=${query}`);
        const body = JSON.parse(res.body) as { data: { result: { value: [number, string] }[] } };
        return body.data.result[0]?.value[1] === "1" ? true : undefined;
      },
      10_000,
      'up{job="lineops"} == 1',
    );
    expect(up).toBe(true);
  });

  it.each([
    ["evil.example", 421, "LINEOPS_ERR_HOST_NOT_ALLOWED"],
    ["evil.example:9470", 421, "LINEOPS_ERR_HOST_NOT_ALLOWED"],
    ["localhost.evil.example", 421, "LINEOPS_ERR_HOST_NOT_ALLOWED"],
    ["lineops.plant.example", 200, undefined],
    ["LINEOPS.plant.example:443", 200, undefined],
    ["localhost:9470", 200, undefined],
    ["127.0.0.1", 200, undefined],
    ["[::1]:9470", 200, undefined],
  ])("Host: %s answers %i", async (host, status, code) => {
    const res = await get("/api/v1/version", { host });
    expect(res.status).toBe(status);
    if (code) {
      expect(JSON.parse(res.body)).toMatchObject({ status: "error", code });
    }
  });

  it("checks Host before authentication, so a rebinding page learns nothing", async () => {
    // No token at all: 421, not 401, so the page cannot even probe which routes exist.
    const res = await httpsRequest(`${lineops.url}/api/v1/status`, cert.pem, {
      headers: { host: "evil.example" },
      anyName: true,
    });
    expect(res.status).toBe(421);
  });

  it.each([
    ["/api/v1/version", 200],
    ["/-/healthy", 200],
    ["/metrics", 200],
    ["/api/v1/no-such-route", 404],
    ["/api/v1/version?token=x", 400],
  ])("%s carries the security headers (%i)", async (p, status) => {
    const res = await get(p);
    expect(res.status).toBe(status);
    expect(res.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
      "strict-transport-security": "max-age=31536000",
    });
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it.each([
    "/api/v1/version?token=abc",
    "/api/v1/status?access_token=abc",
    "/api/v1/status?Authorization=Bearer%20abc",
    "/api/v1/status?limit=1&%74oken=abc",
    "/-/healthy?api_key=abc",
  ])("%s is refused with 400, with or without a header token", async (p) => {
    for (const headers of [{}, { authorization: `Bearer ${admin}` }] as Record<string, string>[]) {
      const res = await httpsRequest(`${lineops.url}${p}`, cert.pem, { headers });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: "LINEOPS_ERR_TOKEN_IN_QUERY" });
    }
  });

  it("made the data dir 0700 and its files 0600, tightening what was wider, and said so", () => {
    const dataDir = lineops.config.dataDir;
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, "lineops.db"))).toBe(0o600);
    expect(mode(path.join(dataDir, "lineops.db-wal"))).toBe(0o600);
    expect(mode(path.join(dataDir, "lineops.db-shm"))).toBe(0o600);
    expect(mode(path.join(dataDir, "logs"))).toBe(0o700);
    expect(mode(path.join(dataDir, "logs", "old-instance", "output.log"))).toBe(0o600);
    expect(mode(path.join(dataDir, "tsdb"))).toBe(0o700);
    const line = logs.lines().find((l) => String(l.msg).startsWith("tightened permissions"));
    expect(line?.paths).toEqual(
      expect.arrayContaining([dataDir, path.join(dataDir, "lineops.db"), path.join(dataDir, "logs")]),
    );
  });

  it("reload swaps the certificate for new connections, and keeps it when the new files are bad", async () => {
    const second = makeCert(dir, "second");
    expect(second.fingerprint).not.toBe(cert.fingerprint);
    copyFileSync(second.certFile, path.join(dir, "server.crt"));
    copyFileSync(second.keyFile, path.join(dir, "server.key"));
    // The files changed but the server has not re-read them: this handshake still gets the first cert.
    const res = await httpsRequest(`${lineops.url}/-/reload`, cert.pem, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    expect(await servedFingerprint(port)).toBe(second.fingerprint);
    const after = await httpsRequest(`${lineops.url}/api/v1/version`, second.pem, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(after.status).toBe(200);

    // A key that is not the certificate's: the reload fails with a code, the served cert stays.
    const third = makeCert(dir, "third");
    copyFileSync(third.keyFile, path.join(dir, "server.key"));
    await expect(lineops.reload()).rejects.toMatchObject({ code: "LINEOPS_ERR_TLS_FILES" });
    expect(await servedFingerprint(port)).toBe(second.fingerprint);
  });
});

describe("web config", () => {
  it("rejects front_doors.tls without a certificate, naming file:line:col", () => {
    const dir = tempDir();
    const file = path.join(dir, "lineops.yaml");
    writeFileSync(file, "web:\n  front_doors:\n    tls: true\n");
    expect(() => loadConfigFile(file)).toThrow(
      expect.objectContaining({
        code: "LINEOPS_ERR_CONFIG_INVALID",
        message: expect.stringMatching(/lineops\.yaml:3:\d+: web\.front_doors\.tls: front_doors\.tls needs/),
      }),
    );
  });

  it.each([
    ["cert_file: missing.crt\n    key_file: missing.key", "cert_file: cannot read"],
    ["cert_file: lineops.yaml\n    key_file: lineops.yaml", "not a PEM certificate"],
  ])("refuses to start with %s", async (files, message) => {
    const dir = tempDir();
    const configFile = path.join(dir, "lineops.yaml");
    writeFileSync(configFile, `web:\n  tls_server_config:\n    ${files}\n`);
    const start = startLineops({
      configFile,
      dataDir: path.join(dir, "data"),
      port: 0,
      logger: pino({ level: "silent" }),
    });
    await expect(start).rejects.toMatchObject({ code: "LINEOPS_ERR_TLS_FILES" });
    await expect(start).rejects.toThrow(message);
  });
});
