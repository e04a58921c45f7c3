// Process lifecycle shared by every service: graceful drain on SIGTERM, the second-signal escape
// hatch, the crash and slow faults, and refusing to start without PORT.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { sampleValue, scrape } from "../test-support/metrics.js";
import { getJson, postJson, startLineService, stopAll } from "../test-support/spawn.js";
import { waitFor } from "../../src/test-support/wait.js";
import type { ServiceProcess } from "../test-support/spawn.js";

afterAll(stopAll);

/**
 * Starts a slow request and resolves once the service reports it in flight. The response promise
 * is wrapped in an object: returned bare, the async function would wait for the response itself.
 */
async function slowRequestInFlight(svc: ServiceProcess, ms: number) {
  const pending = fetch(`${svc.url}/slow?ms=${ms}`, { method: "POST" }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as unknown,
  }));
  // Avoid an unhandled rejection if the test fails before awaiting it.
  pending.catch(() => undefined);
  await waitFor(
    async () =>
      sampleValue(await scrape(svc.url), "http_requests_in_flight", { route: "/slow" }) === 1
        ? true
        : undefined,
    5_000,
    "the slow request to be in flight",
  );
  return { response: pending };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("graceful shutdown", () => {
  it("on SIGTERM stops accepting, finishes the in-flight request, then exits 0", async () => {
    const svc = await startLineService("mes-connector");
    const { response } = await slowRequestInFlight(svc, 2_500);
    svc.child.kill("SIGTERM");
    // New connections are refused while the slow request is still being served.
    await waitFor(
      async () => ((await canConnect(svc.port)) ? undefined : true),
      5_000,
      "the listener to close",
    );
    expect(svc.child.exitCode).toBeNull();
    expect(await response).toEqual({ status: 200, body: { sleptMs: 2_500 } });
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    expect(svc.logs()).toContain('"msg":"drained, exiting"');
  });

  it("a second signal exits at once without waiting for the drain", async () => {
    const svc = await startLineService("quality-inspection");
    const { response } = await slowRequestInFlight(svc, 20_000);
    svc.child.kill("SIGTERM");
    await waitFor(() => (svc.logs().includes('"msg":"draining"') ? true : undefined), 5_000, "draining");
    svc.child.kill("SIGINT");
    expect(await svc.exited).toEqual({ code: 130, signal: null });
    await expect(response).rejects.toThrow();
  });
});

describe("faults", () => {
  it("crash: replies, then the process exits with code 1", async () => {
    const svc = await startLineService("plc-gateway");
    const res = await postJson(`${svc.url}/faults`, { type: "crash" });
    expect(res).toMatchObject({ status: 202, body: { crashing: true } });
    expect(await svc.exited).toEqual({ code: 1, signal: null });
  });

  it("slow: adds 500 ms to work routes but not to probes", async () => {
    const svc = await startLineService("quality-inspection");
    await postJson(`${svc.url}/faults`, { type: "slow" });
    expect(sampleValue(await scrape(svc.url), "faults_active", { type: "slow" })).toBe(1);
    let started = performance.now();
    expect((await postJson(`${svc.url}/inspect`, { unitId: "U-1", station: "1" })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
    expect((await getJson(`${svc.url}/readyz`)).status).toBe(200);
    await fetch(`${svc.url}/faults`, { method: "DELETE" });
    started = performance.now();
    await postJson(`${svc.url}/inspect?delayMs=300`, { unitId: "U-2", station: "1" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("configuration", () => {
  it("exits 2 with a clear message when PORT is missing", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "line/services/plc-gateway.ts"], {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain("PORT is required");
  });
});
