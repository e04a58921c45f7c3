// The data plane as a process: its front doors keep serving without lineops, a new client
// re-adopts it with the table unchanged, a killed one is respawned and serves its table again, a
// restarted one reloads its table file, and a port conflict names the service and the port.
import fs from "node:fs";
import net from "node:net";
import type { AddressInfo } from "node:net";

import { describe, expect, it } from "vitest";

import type { FrontDoors } from "../../deployment/types.js";
import { readStartTimeTicks } from "../process/pidfile.js";
import { httpRequest } from "../test-support/helpers.js";
import { waitFor } from "../../test-support/wait.js";
import { isSameProcess, readDataPlaneRecord, writeDataPlaneRecord } from "./identity.js";
import { dataPlanePaths } from "./protocol.js";
import { connectOrSpawn } from "./spawn.js";
import { dataPlaneHarness, killDataPlane } from "./test-support/harness.js";

const h = dataPlaneHarness();

describe("data plane", () => {
  it("keeps a front door answering while detached, and a new client re-adopts it unchanged", async () => {
    const dir = h.dataDir();
    const b1 = await h.backend("b1");
    const first = await h.client(dir);
    // The deployment engine's interface, checked by the compiler.
    const doors: FrontDoors = first;
    const addr = await doors.listen("press");
    doors.setBackends("press", [{ instanceId: "b1", host: b1.host, port: b1.port }]);
    first.setWeights("press", { stable: 100 });
    first.setStickiness("press", { header: "X-Order" });
    await first.flush();
    expect((await httpRequest(addr.url)).body).toBe("b1");
    const before = await first.table();
    const pid = first.connection?.pid;
    await first.detach();

    // No client: the data plane serves on its own.
    for (let i = 0; i < 5; i++) {
      expect((await httpRequest(`${addr.url}/x`)).body).toBe("b1");
    }

    const second = await h.client(dir);
    expect(second.connection?.spawned).toBe(false);
    expect(second.connection?.pid).toBe(pid);
    expect(await second.table()).toEqual(before);
    expect(before.services.press).toMatchObject({
      port: addr.port,
      backends: [{ instanceId: "b1", port: b1.port }],
      weights: { stable: 100 },
      stickiness: { header: "x-order" },
    });
    expect(second.addressOf("press")).toEqual(addr);
    expect(await second.listen("press")).toEqual(addr);
    expect((await httpRequest(addr.url)).body).toBe("b1");
  });

  it("respawns a SIGKILLed data plane, which serves the same table on the same port", async () => {
    const dir = h.dataDir();
    const b1 = await h.backend("b1");
    const b2 = await h.backend("b2");
    const client = await h.client(dir);
    const addr = await client.listen("line-controller");
    client.setBackends("line-controller", [
      { instanceId: "b1", host: b1.host, port: b1.port },
      { instanceId: "b2", host: b2.host, port: b2.port },
    ]);
    await client.drain("b2", 0);
    const before = await client.table();
    expect(before.services["line-controller"]?.draining).toEqual(["b2"]);
    const oldPid = await killDataPlane(dir);
    expect(oldPid).toBeDefined();

    const recovery = await waitFor(() => client.lastRecovery, 20_000, "data plane recovery");
    expect(recovery.pid).not.toBe(oldPid);
    expect(recovery.downMs).toBeGreaterThanOrEqual(0);
    expect(client.connection?.pid).toBe(recovery.pid);
    expect(await client.table()).toEqual(before);
    // b2 stays drained across the crash: every request goes to b1.
    for (let i = 0; i < 4; i++) {
      expect((await httpRequest(addr.url)).body).toBe("b1");
    }
  });

  it("reloads its table file when restarted on its own (no client pushing anything)", async () => {
    const dir = h.dataDir();
    const b1 = await h.backend("b1");
    const client = await h.client(dir);
    const addr = await client.listen("plc-gateway");
    client.setBackends("plc-gateway", [{ instanceId: "b1", host: b1.host, port: b1.port, station: "s1" }]);
    await client.flush();
    const before = await client.table();
    await client.detach();
    // SIGTERM: a clean stop, then a plain start that only has its table file.
    await killDataPlane(dir, "SIGTERM");
    const conn = await connectOrSpawn(h.spawnOptions(dir));
    expect(conn.spawned).toBe(true);
    const res = await httpRequest(addr.url, { headers: { "x-lineops-station": "s1" } });
    expect(res.body).toBe("b1");
    const table = JSON.parse(fs.readFileSync(dataPlanePaths(dir).table, "utf8")) as unknown;
    expect(table).toEqual({ format: 1, ...before });
  });

  it("refuses a front-door port taken by another process, naming the service and the port", async () => {
    const dir = h.dataDir();
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    h.defer(() => new Promise<void>((r) => squatter.close(() => r())));
    const port = (squatter.address() as AddressInfo).port;
    const client = await h.client(dir);
    await expect(client.listen("line-controller", port)).rejects.toMatchObject({
      code: "LINEOPS_ERR_FRONT_DOOR_PORT_IN_USE",
      message: expect.stringMatching(
        new RegExp(
          `^front door of service "line-controller": port ${port} is already in use by another process`,
        ),
      ) as unknown,
    });
    // The refusal changed nothing: the data plane still answers, with no door for the service.
    expect(client.addressOf("line-controller")).toBeUndefined();
    expect((await client.info()).pid).toBe(client.connection?.pid);
  });

  it("never trusts a pidfile whose pid now belongs to another process (start time differs)", async () => {
    const dir = h.dataDir();
    const paths = dataPlanePaths(dir);
    // A live process that is not a data plane, recorded with another start time: a recycled pid.
    const foreign = h.child("sleep", ["30"]);
    const foreignPid = await waitFor(() => foreign.pid, 5_000, "sleep to start");
    const realStart = await waitFor(() => readStartTimeTicks(foreignPid), 5_000, "its /proc start time");
    const recycled = {
      pid: foreignPid,
      startTime: realStart + 1,
      protocol: 1,
      build: "old",
      socket: paths.socket,
    };
    writeDataPlaneRecord(paths.pidfile, recycled);
    expect(isSameProcess(recycled)).toBe(false);
    expect(isSameProcess({ pid: foreignPid, startTime: realStart })).toBe(true);

    const conn = await connectOrSpawn(h.spawnOptions(dir));
    expect(conn.spawned).toBe(true);
    expect(conn.pid).not.toBe(foreignPid);
    // The foreign process was left alone, and the pidfile now names the real data plane.
    expect(isSameProcess({ pid: foreignPid, startTime: realStart })).toBe(true);
    expect(readDataPlaneRecord(paths.pidfile)?.pid).toBe(conn.pid);
  });

  it("re-adopts a live data plane whose pidfile was removed, by its socket and /proc identity", async () => {
    const dir = h.dataDir();
    const first = await connectOrSpawn(h.spawnOptions(dir));
    // lineops's orphan cleanup of <D>/run once removed every *.json there, this one included.
    fs.rmSync(dataPlanePaths(dir).pidfile);
    const again = await connectOrSpawn(h.spawnOptions(dir));
    expect(again).toMatchObject({ pid: first.pid, spawned: false });
  });

  it("refuses bad routing changes synchronously, as the in-process router does", async () => {
    const dir = h.dataDir();
    const client = await h.client(dir);
    expect(() => client.setWeights("press", { stable: 60, canary: 30 })).toThrow(/sum to 90, not 100/);
    expect(() => client.setStickiness("press", {})).toThrow(/names neither a header nor a cookie/);
    await client.flush();
    expect((await client.table()).services).toEqual({});
  });

  it("serves the front doors' request metrics under the router metric names", async () => {
    const dir = h.dataDir();
    const b1 = await h.backend("b1", { revision: "r7" });
    const client = await h.client(dir);
    const addr = await client.listen("press");
    client.setBackends("press", [{ instanceId: "b1", host: b1.host, port: b1.port, revision: "r7" }]);
    await client.flush();
    await httpRequest(addr.url);
    await httpRequest(addr.url);
    const text = await waitFor(
      async () => {
        const t = await client.metricsText();
        return (
          t.includes(
            'lineops_router_requests_total{service="press",group="stable",revision="r7",code="200"} 2',
          ) && t
        );
      },
      5_000,
      "metrics of two requests",
    );
    expect(text).toContain("# TYPE lineops_router_request_duration_seconds histogram");
    expect(text).toContain('lineops_router_request_duration_seconds_bucket{le="0.005",service="press"');
  });

  it("finishes requests in flight on SIGTERM, and shutdown() stops it for good", async () => {
    const dir = h.dataDir();
    const held = await h.backend("held", { hold: true });
    const client = await h.client(dir);
    const addr = await client.listen("press");
    client.setBackends("press", [{ instanceId: "held", host: held.host, port: held.port }]);
    await client.flush();
    const inFlight = httpRequest(addr.url);
    await waitFor(() => held.held() === 1, 5_000, "the request to reach the backend");
    await client.detach();
    const pid = client.connection?.pid ?? 0;
    process.kill(pid, "SIGTERM");
    // The door stops accepting at once, but the request already in flight gets its answer.
    await waitFor(() => refuses(addr.port), 5_000, "the door to stop accepting");
    held.release();
    expect(await inFlight).toMatchObject({ status: 200, body: "held" });
    await waitFor(() => !isSameProcess(client.connection ?? { pid, startTime: null }), 10_000, "exit");

    // A new client brings the line back (same door) and then stops it explicitly (--stop-line).
    const again = await h.client(dir);
    expect(again.connection?.spawned).toBe(true);
    expect(again.addressOf("press")).toEqual(addr);
    held.release();
    await again.shutdown();
    const conn = again.connection;
    expect(conn && isSameProcess(conn)).toBe(false);
    await expect(httpRequest(addr.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

/** Whether a TCP connection to the port is refused (a plain connect: no request a held backend could keep). */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(false);
    });
    c.once("error", () => resolve(true));
  });
}
