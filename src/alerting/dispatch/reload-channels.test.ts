// A reload replaces the receivers' channels and closes the old ones: an MQTT channel that connected
// to a real Mosquitto for a notification disconnects once a reload drops its receiver, and the new
// configuration's channel delivers. Watched through the broker's own client count ($SYS).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "../../store/db.js";
import { waitFor } from "../../test-support/wait.js";
import { parseAlertingConfig } from "../config/load.js";
import { createAlertingEngine } from "../engine.js";
import { startReceiver } from "../notify/test-support/receiver.js";
import { startMosquitto, subscribeMqtt } from "./test-support/real-receivers.js";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) {
    await c();
  }
});

const route = `route: {receiver: andon, group_wait: 0s, group_interval: 1s, group_by: [alertname]}\n`;

describe("reloading the alerting configuration", () => {
  it("closes the old channels (the MQTT client leaves the broker) and delivers through the new ones", async () => {
    const broker = await startMosquitto({ sysIntervalS: 1 });
    cleanups.push(() => broker.stop());
    const sys = await subscribeMqtt(broker.url, "$SYS/broker/clients/connected");
    cleanups.push(() => sys.close());
    const events = await subscribeMqtt(broker.url, "andon/#");
    cleanups.push(() => events.close());
    const connected = () => Number(sys.messages.at(-1)?.body ?? NaN);
    const hook = await startReceiver();
    cleanups.push(() => hook.close());

    const db = openDb(mkdtempSync(path.join(tmpdir(), "lineops-reload-channels-")));
    const engine = createAlertingEngine({
      config: parseAlertingConfig(
        `${route}receivers:\n  - name: andon\n    mqtt_configs: [{url: "${broker.url}", topic_prefix: andon}]\n`,
      ),
      db,
      logger: pino({ level: "silent" }),
      externalURL: () => "http://lineops.test",
    });
    cleanups.push(async () => {
      await engine.stop();
      db.close();
    });
    engine.start();
    engine.receive([{ labels: { alertname: "Jammed", line: "l1", station: "s2" } }]);
    await waitFor(() => events.messages.some((m) => m.topic === "andon/l1/s2/events"), 10_000, "andon event");
    // Our two subscribers and lineops's channel.
    await waitFor(() => connected() === 3, 10_000, "three clients connected");

    engine.reload(
      parseAlertingConfig(
        `${route}receivers:\n  - name: andon\n    webhook_configs: [{url: "${hook.url}"}]\n`,
      ),
    );
    await waitFor(() => connected() === 2, 10_000, "the replaced MQTT channel disconnected");
    await waitFor(() => hook.requests.length > 0, 10_000, "the new receiver's webhook got the group");
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({ receiver: "andon", status: "firing" });
  }, 40_000);
});
