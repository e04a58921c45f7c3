// The front door through real sockets: round robin, station routing, empty services, retries,
// streaming, and its port.
import { describe, expect, it } from "vitest";

import { PortAllocator } from "../process/ports.js";
import { httpRequest, refusedPort } from "../test-support/helpers.js";
import type { Backend } from "./router.js";
import { INSTANCE_HEADER, STATION_HEADER } from "./router.js";
import { routerHarness } from "./test-support/harness.js";

const { router: makeRouter, backend } = routerHarness();

describe("Router", () => {
  it("round-robins over backends and reports its address", async () => {
    const router = makeRouter();
    const bs = await Promise.all(["a", "b", "c"].map((id) => backend(id)));
    router.setBackends("press", bs);
    const addr = await router.listen("press");
    expect(addr.url).toBe(`http://127.0.0.1:${addr.port}`);
    expect(router.addressOf("press")).toEqual(addr);
    expect(router.addressOf("other")).toBeUndefined();
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await httpRequest(`${addr.url}/x`);
      expect(res.status).toBe(200);
      expect(res.headers[INSTANCE_HEADER]).toBe(res.body);
      seen.push(res.body);
    }
    expect(seen).toEqual(["a", "b", "c", "a", "b", "c"]);
    // Same service, no port: idempotent.
    expect(await router.listen("press")).toEqual(addr);
  });

  it("routes by station header, and answers 503 when no backend serves that station", async () => {
    const router = makeRouter();
    router.setBackends("vision", [
      await backend("v1", { station: "1" }),
      await backend("v2", { station: "2" }),
      await backend("v3", { station: "3" }),
    ]);
    const { url } = await router.listen("vision");
    for (let i = 0; i < 3; i++) {
      expect((await httpRequest(url, { headers: { [STATION_HEADER]: "2" } })).body).toBe("v2");
    }
    const res = await httpRequest(url, { headers: { [STATION_HEADER]: "9" } });
    expect(res.status).toBe(503);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.body)).toEqual({
      status: "error",
      errorType: "unavailable",
      error: "no ready instance of service vision serves station 9",
    });
  });

  it("answers 503 JSON when the service has no backends", async () => {
    const router = makeRouter();
    const { url } = await router.listen("empty");
    const res = await httpRequest(`${url}/anything`);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({
      status: "error",
      errorType: "unavailable",
      error: "no ready instance of service empty",
    });
    // Backends can appear later on the same front door.
    router.setBackends("empty", [await backend("late")]);
    expect((await httpRequest(url)).body).toBe("late");
    router.setBackends("empty", []);
    expect((await httpRequest(url)).status).toBe(503);
  });

  it("retries another backend when the connection is refused", async () => {
    const router = makeRouter();
    const live = await backend("live");
    const dead: Backend = { instanceId: "dead", host: "127.0.0.1", port: await refusedPort() };
    router.setBackends("s", [dead, live, { ...dead, instanceId: "dead2" }]);
    const { url } = await router.listen("s");
    for (let i = 0; i < 6; i++) {
      const res = await httpRequest(url, { method: "POST", body: `payload ${i}` });
      expect(res).toMatchObject({ status: 200, body: "live" });
    }
    expect(live.hits()).toBe(6);
    // All refused: 503, not a hang.
    router.setBackends("s", [dead]);
    const res = await httpRequest(url);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).errorType).toBe("unavailable");
  });

  it("never retries once the request reached a backend", async () => {
    const router = makeRouter();
    // Accepts the request, then drops the connection without answering.
    const dropper = await backend("dropper", { handler: (req) => req.socket.destroy() });
    const other = await backend("other");
    router.setBackends("s", [dropper, other]);
    const { url } = await router.listen("s");
    const res = await httpRequest(url, { method: "POST", body: "do it once" });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ status: "error", errorType: "unavailable" });
    expect(dropper.hits()).toBe(1);
    expect(other.hits()).toBe(0);
  });

  it("streams request and response bodies through", async () => {
    const router = makeRouter();
    const echo = await backend("echo", {
      handler: (req, res) => {
        res.writeHead(201, { "x-custom": "yes" });
        req.pipe(res);
      },
    });
    router.setBackends("s", [echo]);
    const { url } = await router.listen("s");
    const body = "x".repeat(1024 * 1024);
    const res = await httpRequest(`${url}/echo?q=1`, { method: "PUT", body });
    expect(res.status).toBe(201);
    expect(res.headers["x-custom"]).toBe("yes");
    expect(res.body.length).toBe(body.length);
  });

  it("fails naming the service and the port when the port is taken", async () => {
    const router = makeRouter();
    const taken = await backend("squatter");
    await expect(router.listen("s", taken.port)).rejects.toMatchObject({
      code: "LINEOPS_ERR_FRONT_DOOR_PORT_IN_USE",
      message: expect.stringContaining(`front door of service "s": port ${taken.port} is already in use`),
    });
    // Listening elsewhere for the same service still works afterwards.
    const addr = await router.listen("s");
    await expect(router.listen("s", addr.port + 1)).rejects.toMatchObject({
      code: "LINEOPS_ERR_ALREADY_LISTENING",
    });
  });

  it("takes front-door ports from a shared allocator and releases them on close", async () => {
    const ports = new PortAllocator();
    const router = makeRouter({ ports });
    const addr = await router.listen("s");
    expect(ports.isReserved(addr.port)).toBe(true);
    await router.close();
    expect(ports.isReserved(addr.port)).toBe(false);
    expect(router.addressOf("s")).toBeUndefined();
  });
});
