// WebSocket upgrades through the router: handshake, frames both ways, retries, in-flight tracking.
import net from "node:net";

import { describe, expect, it } from "vitest";

import { refusedPort } from "../test-support/helpers.js";
import { waitFor } from "../../test-support/wait.js";
import { routerHarness } from "./test-support/harness.js";
import { connectWs, startEchoServer } from "./test-support/websocket.js";

const { router: makeRouter, defer } = routerHarness();

async function echo(id: string): Promise<{ port: number }> {
  const s = await startEchoServer(id);
  defer(() => s.close());
  return s;
}

/** A backend that reads the handshake, then drops the connection without answering. */
async function dropper(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const srv = net.createServer((sock) => {
    connections++;
    sock.once("data", () => sock.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  defer(() => new Promise<void>((r) => srv.close(() => r())));
  return { port: (srv.address() as net.AddressInfo).port, connections: () => connections };
}

/** Sends one upgrade request on a raw socket; resolves with all the router wrote once it closed. */
function rawUpgrade(port: number, protocol: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () =>
      sock.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: ${protocol}\r\nConnection: Upgrade\r\n\r\n`),
    );
    let text = "";
    sock.setEncoding("latin1");
    sock.on("data", (c: string) => (text += c));
    sock.on("close", () => resolve(text));
    sock.on("error", reject);
  });
}

function bodyOf(raw: string): unknown {
  return JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
}

describe("Router WebSocket upgrade", () => {
  it("proxies the handshake and echoes frames both ways, counting the tunnel in flight", async () => {
    const router = makeRouter();
    const e1 = await echo("e1");
    router.setBackends("hmi", [
      { instanceId: "dead", host: "127.0.0.1", port: await refusedPort() },
      { instanceId: "e1", host: "127.0.0.1", port: e1.port },
    ]);
    const { port } = await router.listen("hmi");
    const ws = await connectWs(port, "/ws");
    defer(() => void ws.socket.destroy());
    expect(ws.status).toBe(101);
    expect(ws.headers["sec-websocket-accept"]).toBe(ws.headers["x-expected-accept"]);
    expect(ws.headers["x-lineops-instance"]).toBe("e1");
    ws.send("hello");
    expect(await ws.receive()).toBe("e1:hello");
    ws.send("x".repeat(1000));
    expect(await ws.receive()).toBe(`e1:${"x".repeat(1000)}`);
    expect(router.backendsOf("hmi").find((b) => b.instanceId === "e1")?.inFlight).toBe(1);
    ws.socket.destroy();
    await waitFor(
      () => router.backendsOf("hmi").find((b) => b.instanceId === "e1")?.inFlight === 0,
      5_000,
      "tunnel released",
    );
    expect(router.stats("hmi").groups.stable?.["101"]).toBe(1);
  });

  it("routes upgrades by the preview header and answers 503 when no backend is there", async () => {
    const router = makeRouter();
    const s = await echo("s");
    const p = await echo("p");
    router.setBackends("hmi", [
      { instanceId: "s", host: "127.0.0.1", port: s.port },
      { instanceId: "p", host: "127.0.0.1", port: p.port, group: "preview" },
    ]);
    const { port } = await router.listen("hmi");
    const ws = await connectWs(port, "/ws", { "x-lineops-preview": "1" });
    defer(() => void ws.socket.destroy());
    ws.send("hi");
    expect(await ws.receive()).toBe("p:hi");
    const none = await connectWs(port, "/ws", { "x-lineops-station": "4" });
    defer(() => void none.socket.destroy());
    expect(none.status).toBe(503);
  });

  it("relays a backend's refusal to upgrade as an ordinary response", async () => {
    const router = makeRouter();
    const s = await echo("s");
    router.setBackends("hmi", [{ instanceId: "s", host: "127.0.0.1", port: s.port }]);
    const { port } = await router.listen("hmi");
    // The echo server answers 400 (and closes) to an upgrade that is not websocket.
    const raw = await rawUpgrade(port, "carrier-pigeon");
    expect(raw.startsWith("HTTP/1.1 400 Bad Request\r\n")).toBe(true);
    expect(raw.toLowerCase()).toContain("x-lineops-instance: s\r\n");
    await waitFor(() => router.stats("hmi").groups.stable?.["400"] === 1, 5_000, "declined upgrade counted");
  });

  it("answers 503 once every backend refused the connection, counted as 503", async () => {
    const router = makeRouter();
    const port = await refusedPort();
    router.setBackends("hmi", [
      { instanceId: "d1", host: "127.0.0.1", port },
      { instanceId: "d2", host: "127.0.0.1", port },
    ]);
    const { port: front } = await router.listen("hmi");
    const raw = await rawUpgrade(front, "websocket");
    expect(raw.startsWith("HTTP/1.1 503 Service Unavailable\r\n")).toBe(true);
    expect(bodyOf(raw)).toEqual({
      status: "error",
      errorType: "unavailable",
      error: "no ready instance of service hmi accepted the connection",
    });
    await waitFor(() => router.stats("hmi").groups.stable?.["503"] === 1, 5_000, "failed upgrade counted");
    expect(router.backendsOf("hmi").map((b) => [b.consecutiveFailures, b.inFlight])).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it("answers 502 and tries no other backend once the handshake reached one", async () => {
    const router = makeRouter();
    const d = await dropper();
    const e = await echo("e");
    router.setBackends("hmi", [
      { instanceId: "dropper", host: "127.0.0.1", port: d.port },
      { instanceId: "e", host: "127.0.0.1", port: e.port },
    ]);
    const { port } = await router.listen("hmi");
    const raw = await rawUpgrade(port, "websocket");
    expect(raw.startsWith("HTTP/1.1 502 Bad Gateway\r\n")).toBe(true);
    expect(bodyOf(raw)).toMatchObject({
      error: expect.stringContaining("instance dropper of service hmi failed"),
    });
    expect(d.connections()).toBe(1);
    await waitFor(() => router.stats("hmi").groups.stable?.["502"] === 1, 5_000, "dropped upgrade counted");
    expect(router.stats("hmi").requests).toBe(1);
  });
});
