// The alerting engine with alarm management plugged in, to a real local webhook receiver: the
// engine feeds the alarm history, and a shelved alarm notifies no more than a silenced alert would.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AlarmRepository } from "../../store/alarms.js";
import { openDb } from "../../store/db.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { parseAlertingConfig } from "../config/load.js";
import { createAlertingEngine } from "../engine.js";
import { fingerprint } from "../fingerprint.js";
import type { WebhookPayload } from "../notify/payload.js";
import { startReceiver } from "../notify/test-support/receiver.js";
import { alarmConfigOf } from "./config.js";
import { AlarmManager } from "./manager.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    await c();
  }
});

describe("alerting engine with alarm management", () => {
  it("records activations from the engine and keeps a shelved alarm out of notifications", async () => {
    const hook = await startReceiver();
    cleanups.push(() => hook.close());
    const db = openDb(mkdtempSync(path.join(tmpdir(), "lineops-alarms-engine-")));
    const clock = new ManualClock(T0);
    const logger = pino({ level: "silent" });
    const alarms = new AlarmManager({
      repo: new AlarmRepository(db),
      config: alarmConfigOf(),
      clock,
      logger,
    });
    const engine = createAlertingEngine({
      config: parseAlertingConfig(
        `route: {receiver: hook, group_wait: 0s, group_interval: 1m, group_by: [station]}\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: ${hook.url}\n`,
      ),
      db,
      clock,
      logger,
      externalURL: () => "http://lineops.example:9470",
      alarms,
    });
    cleanups.push(async () => {
      await engine.stop();
      db.close();
    });
    engine.start();
    const shelvedLabels = { alertname: "StationJammed", line: "line-1", station: "1", severity: "warning" };
    const other = { alertname: "StationFaulted", line: "line-1", station: "1", severity: "critical" };
    engine.receive([{ labels: shelvedLabels }]);
    expect(alarms.alarms()).toEqual([expect.objectContaining({ position: "line-1/1", priority: "medium" })]);
    alarms.shelve({
      fingerprint: fingerprint(shelvedLabels),
      durationMs: 3_600_000,
      reason: "known",
      by: "op",
    });
    engine.receive([{ labels: other }]);
    await clock.advance(0);
    await engine.whenIdle();
    const sent = hook.requests.flatMap((r) =>
      (JSON.parse(r.body) as WebhookPayload).alerts.map((a) => a.labels.alertname),
    );
    expect(sent).toEqual(["StationFaulted"]);
    expect(alarms.alarms().map((a) => [a.alertname, a.state])).toEqual([
      ["StationFaulted", "unacknowledged"],
      ["StationJammed", "shelved"],
    ]);
  });
});
