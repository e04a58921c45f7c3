import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { Notification } from "../channel.js";
import { MqttChannel, type StationEvent, type StationState } from "./mqtt.js";
import { alert, incident, notification, T0 } from "./test-support.js";

type Broker = { port: number; url: string; stop(): Promise<void> };

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, "close");
  return port;
}

/** A real Mosquitto on a free loopback port, ready when it accepts a TCP connection. */
async function startBroker(fixedPort?: number): Promise<Broker> {
  const port = fixedPort ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), "lineops-mosquitto-"));
  const conf = path.join(dir, "mosquitto.conf");
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const proc: ChildProcess = spawn("mosquitto", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, "127.0.0.1", () => {
        sock.end();
        resolve(true);
      });
      sock.on("error", () => resolve(false));
    });
    if (ok) {
      break;
    }
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`mosquitto did not start (apt-get install mosquitto): ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await once(proc, "exit");
      }
    },
  };
}

/** A board that connects now and reads what the broker hands it on `topic` (retained first). */
async function subscribe(url: string, topic: string) {
  const client: MqttClient = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  const messages: { topic: string; body: string; retain: boolean; expiry?: number }[] = [];
  client.on("message", (t, payload, packet) => {
    messages.push({
      topic: t,
      body: payload.toString(),
      retain: packet.retain,
      ...(packet.properties?.messageExpiryInterval !== undefined
        ? { expiry: packet.properties.messageExpiryInterval }
        : {}),
    });
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return { messages, close: () => client.endAsync() };
}

async function until<T>(what: string, f: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = f();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The retained state a board sees when it (re)connects. */
async function retainedState(url: string, topic: string): Promise<StationState> {
  const sub = await subscribe(url, topic);
  try {
    const m = await until("retained state", () => sub.messages.find((x) => x.retain));
    return JSON.parse(m.body) as StationState;
  } finally {
    await sub.close();
  }
}

let broker: Broker | undefined;
let channel: MqttChannel | undefined;
afterEach(async () => {
  await channel?.close();
  channel = undefined;
  await broker?.stop();
  broker = undefined;
});

const atS3 = (over: Parameters<typeof notification>[0] = {}): Notification => ({
  ...notification({ alerts: [alert({ alertname: "StationDown", line: "l1", station: "s3" })], ...over }),
  line: "l1",
  station: "s3",
});

describe("mqtt channel (real Mosquitto)", () => {
  it("publishes QoS 1 events with message expiry and one retained state per station with the highest active priority", async () => {
    broker = await startBroker();
    channel = new MqttChannel("andon/mqtt/0", { url: broker.url, messageExpirySeconds: 600 }, () => T0);
    const events = await subscribe(broker.url, "lineops/andon/l1/s3/events");

    const first = await channel.send(atS3({ incident, key: "inc-42/trigger" }));
    expect(first).toMatchObject({ ok: true, receipt: { type: "mqtt", key: "inc-42/trigger" } });
    expect(first.ok && first.receipt.detail).toBe(
      "MQTT PUBACK lineops/andon/l1/s3/events, lineops/andon/l1/s3/state",
    );
    const medium = { ...incident, id: "inc-43", priority: "medium" as const };
    expect((await channel.send(atS3({ incident: medium, key: "inc-43/trigger" }))).ok).toBe(true);

    const ev = await until("two events", () => (events.messages.length >= 2 ? events.messages : undefined));
    expect(ev[0]?.expiry).toBe(600);
    expect(JSON.parse(ev[0]?.body ?? "") as StationEvent).toMatchObject({
      key: "inc-42/trigger",
      event: "trigger",
      priority: "high",
      line: "l1",
      station: "s3",
      incident: "inc-42",
      ackUrl: incident.ackUrl,
    });
    await events.close();

    // A board that connects later reads the station's colour at once from the retained topic.
    expect(await retainedState(broker.url, "lineops/andon/l1/s3/state")).toMatchObject({
      line: "l1",
      station: "s3",
      priority: "high",
      level: 3,
      active: 2,
      acknowledged: false,
    });

    // The high one resolves: the station drops to medium; then the last resolves: a retained clear.
    await channel.send(
      atS3({ incident: { ...incident, status: "resolved" }, event: "resolve", key: "inc-42/resolve" }),
    );
    expect((await retainedState(broker.url, "lineops/andon/l1/s3/state")).priority).toBe("medium");
    await channel.send(
      atS3({ incident: { ...medium, status: "resolved" }, event: "resolve", key: "inc-43/resolve" }),
    );
    expect(await retainedState(broker.url, "lineops/andon/l1/s3/state")).toMatchObject({
      priority: "none",
      level: 0,
      active: 0,
    });
  });

  it("an acknowledgement keeps the priority and marks the station acknowledged", async () => {
    broker = await startBroker();
    channel = new MqttChannel("a", { url: broker.url, topicPrefix: "plant/andon" });
    await channel.send(atS3({ incident }));
    await channel.send(
      atS3({ incident: { ...incident, status: "acknowledged" }, event: "acknowledge", key: "ack" }),
    );
    expect(await retainedState(broker.url, "plant/andon/l1/s3/state")).toMatchObject({
      priority: "high",
      acknowledged: true,
    });
  });

  it("fails retriably, without queueing the message, while the broker is down; delivers once it is back", async () => {
    broker = await startBroker();
    const url = broker.url;
    await broker.stop();
    broker = undefined;
    channel = new MqttChannel("a", { url, timeoutMs: 500 });
    const down = await channel.send(atS3({ incident }));
    expect(down).toMatchObject({ ok: false, retriable: true });
    expect(down.ok ? "" : down.error).toContain("broker not reachable within 500ms");

    broker = await startBroker(Number(new URL(url).port));
    const board = await subscribe(url, "lineops/andon/l1/s3/events");
    // The outbox's next attempt; the client reconnects on its own within a second.
    const deadline = Date.now() + 10_000;
    let res = await channel.send(atS3({ incident }));
    while (!res.ok && Date.now() < deadline) {
      res = await channel.send(atS3({ incident }));
    }
    expect(res.ok).toBe(true);
    await until("the event", () => (board.messages.length > 0 ? true : undefined));
    // Nothing from the failed attempt was queued inside mqtt.js and sent later: one event only.
    await channel.send(atS3({ incident: { ...incident, status: "resolved" }, event: "resolve", key: "r" }));
    await until("the resolve event", () => (board.messages.length >= 2 ? true : undefined));
    expect(board.messages.map((m) => (JSON.parse(m.body) as StationEvent).key)).toEqual(["n-1", "r"]);
    await board.close();
  });
});
