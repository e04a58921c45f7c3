// WebSocket upgrades through the router: handshake, frames both ways, retries, in-flight tracking.
import net from "node:net";

import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";

import { waitFor } from "../test-support/helpers.js";
import { Router } from "./router.js";
import { refusedPort } from "./test-support/backends.js";
import { connectWs, startEchoServer } from "./test-support/websocket.js";

const logger = pino({ level: "silent" });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) {
    await cleanups.pop()?.();
  }
});

async function echo(id: string): Promise<{ port: number }> {
  const s = await startEchoServer(id);
  cleanups.push(() => s.close());
  return s;
}

describe("Router WebSocket upgrade", () => {
  it("proxies the handshake and echoes frames both ways, counting the tunnel in flight", async () => {
    const router = new Router({ logger });
    cleanups.push(() => router.close());
    const e1 = await echo("e1");
    router.setBackends("hmi", [
      { instanceId: "dead", host: "127.0.0.1", port: await refusedPort() },
      { instanceId: "e1", host: "127.0.0.1", port: e1.port },
    ]);
    const { port } = await router.listen("hmi");
    const ws = await connectWs(port, "/ws");
    cleanups.push(() => void ws.socket.destroy());
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
    const router = new Router({ logger });
    cleanups.push(() => router.close());
    const s = await echo("s");
    const p = await echo("p");
    router.setBackends("hmi", [
      { instanceId: "s", host: "127.0.0.1", port: s.port },
      { instanceId: "p", host: "127.0.0.1", port: p.port, group: "preview" },
    ]);
    const { port } = await router.listen("hmi");
    const ws = await connectWs(port, "/ws", { "x-lineops-preview": "1" });
    cleanups.push(() => void ws.socket.destroy());
    ws.send("hi");
    expect(await ws.receive()).toBe("p:hi");
    const none = await connectWs(port, "/ws", { "x-lineops-station": "4" });
    cleanups.push(() => void none.socket.destroy());
    expect(none.status).toBe(503);
  });

  it("relays a backend's refusal to upgrade as an ordinary response", async () => {
    const router = new Router({ logger });
    cleanups.push(() => router.close());
    const s = await echo("s");
    router.setBackends("hmi", [{ instanceId: "s", host: "127.0.0.1", port: s.port }]);
    const { port } = await router.listen("hmi");
    // The echo server answers 400 (and closes) to an upgrade that is not websocket.
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, "127.0.0.1", () =>
        sock.write("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: carrier-pigeon\r\nConnection: Upgrade\r\n\r\n"),
      );
      let text = "";
      sock.setEncoding("latin1");
      sock.on("data", (c: string) => (text += c));
      sock.on("close", () => resolve(text));
      sock.on("error", reject);
    });
    expect(raw.startsWith("HTTP/1.1 400 Bad Request\r\n")).toBe(true);
    expect(raw.toLowerCase()).toContain("x-lineops-instance: s\r\n");
    await waitFor(() => router.stats("hmi").groups.stable?.["400"] === 1, 5_000, "declined upgrade counted");
  });
});
