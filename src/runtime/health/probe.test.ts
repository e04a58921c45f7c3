import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { refusedPort } from "../test-support/helpers.js";
import { waitFor } from "../../test-support/wait.js";
import type { ProbeSpec } from "../types.js";
import { Prober, runProbe } from "./probe.js";

const base: Omit<ProbeSpec, "kind"> = {
  intervalMs: 20,
  timeoutMs: 300,
  initialDelayMs: 0,
  successThreshold: 1,
  failureThreshold: 1,
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) {
    cleanups.pop()?.();
  }
});

async function server(handler: http.RequestListener): Promise<number> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  cleanups.push(() => {
    srv.closeAllConnections();
    srv.close();
  });
  return (srv.address() as AddressInfo).port;
}

describe("runProbe", () => {
  it("http: 2xx/3xx succeed, others fail, hangs time out", async () => {
    const port = await server((req, res) => {
      if (req.url === "/ok") {
        res.writeHead(204).end();
      } else if (req.url === "/redir") {
        res.writeHead(302, { location: "/elsewhere" }).end();
      } else if (req.url === "/hang") {
        // never answers
      } else {
        res.writeHead(500).end();
      }
    });
    const t = { host: "127.0.0.1", port };
    expect(await runProbe({ ...base, kind: "http", path: "/ok" }, t)).toEqual({
      ok: true,
      message: "HTTP 204",
    });
    expect((await runProbe({ ...base, kind: "http", path: "/redir" }, t)).ok).toBe(true);
    expect(await runProbe({ ...base, kind: "http", path: "/bad" }, t)).toEqual({
      ok: false,
      message: "HTTP 500",
    });
    expect(await runProbe({ ...base, kind: "http", path: "/hang", timeoutMs: 100 }, t)).toEqual({
      ok: false,
      message: "timeout after 100ms",
    });
    const refused = await runProbe(
      { ...base, kind: "http", path: "/" },
      { host: "127.0.0.1", port: await refusedPort() },
    );
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain("ECONNREFUSED");
  });

  it("tcp: connect succeeds on a listener, fails on a closed port", async () => {
    const port = await server((_req, res) => res.end());
    expect((await runProbe({ ...base, kind: "tcp" }, { host: "127.0.0.1", port })).ok).toBe(true);
    const r = await runProbe({ ...base, kind: "tcp" }, { host: "127.0.0.1", port: await refusedPort() });
    expect(r.ok).toBe(false);
    expect(r.message).toContain("ECONNREFUSED");
  });

  it("exec: exit 0 succeeds, non-zero and timeouts fail, env is passed", async () => {
    const t = { host: "127.0.0.1", port: 1, env: { PROBE_EXIT: "0" }, cwd: process.cwd() };
    const exec = (code: string, timeoutMs = 5000) =>
      runProbe({ ...base, kind: "exec", timeoutMs, command: ["node", "-e", code] }, t);
    expect(await exec("process.exit(Number(process.env.PROBE_EXIT))")).toEqual({
      ok: true,
      message: "exit code 0",
    });
    expect(await exec("process.exit(3)")).toEqual({ ok: false, message: "exit code 3" });
    expect(await exec("setInterval(() => {}, 1000)", 200)).toEqual({
      ok: false,
      message: "timeout after 200ms",
    });
    const missing = await runProbe({ ...base, kind: "exec", command: ["no-such-probe-cmd"] }, t);
    expect(missing.ok).toBe(false);
    expect(missing.message).toContain("ENOENT");
  });
});

describe("Prober", () => {
  it("reports transitions only after the thresholds of consecutive results", async () => {
    let healthy = true;
    let hits = 0;
    const port = await server((_req, res) => {
      hits++;
      res.writeHead(healthy ? 200 : 503).end();
    });
    const transitions: boolean[] = [];
    const prober = new Prober(
      { ...base, kind: "http", path: "/", successThreshold: 3, failureThreshold: 2 },
      { host: "127.0.0.1", port },
      (h) => transitions.push(h),
    );
    cleanups.push(() => prober.stop());
    prober.start();
    await waitFor(() => transitions.length === 1, 5000, "healthy");
    expect(transitions).toEqual([true]);
    expect(hits).toBeGreaterThanOrEqual(3);
    healthy = false;
    const before = hits;
    await waitFor(() => transitions.length === 2, 5000, "unhealthy");
    expect(transitions).toEqual([true, false]);
    expect(hits - before).toBeGreaterThanOrEqual(2);
    expect(prober.healthy).toBe(false);
    expect(prober.lastResult).toEqual({ ok: false, message: "HTTP 503" });
    healthy = true;
    await waitFor(() => transitions.length === 3, 5000, "healthy again");
    expect(prober.healthy).toBe(true);
  });

  it("waits initialDelayMs before the first attempt", async () => {
    const port = await server((_req, res) => res.end());
    const startedAt = Date.now();
    let done = false;
    const prober = new Prober(
      { ...base, kind: "tcp", initialDelayMs: 150 },
      { host: "127.0.0.1", port },
      () => {
        done = true;
      },
    );
    cleanups.push(() => prober.stop());
    prober.start();
    await waitFor(() => done, 5000, "first verdict");
    // A lower bound only (with slack for timer rounding), so a loaded machine cannot make it flake.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
  });
});
