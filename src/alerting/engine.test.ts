// The alerting engine end to end: alerts in, notifications out to a real local HTTP webhook
// receiver, timers on a manual clock (deliveries take real time, so the tests wait for them).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../store/db.js";
import { ManualClock } from "../test-support/manual-clock.js";
import { waitFor } from "../test-support/wait.js";
import { parseAlertingConfig } from "./config/load.js";
import { createAlertingEngine, type AlertingEngine } from "./engine.js";
import { fingerprint } from "./fingerprint.js";
import {
  startReceiver,
  type Answer,
  type ReceivedRequest,
  type TestReceiver,
} from "./notify/test-support/receiver.js";
import type { WebhookPayload } from "./notify/payload.js";

// Monday 2026-01-05 08:00 UTC.
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    await c();
  }
});

async function receiver(answer?: (r: ReceivedRequest) => Answer): Promise<TestReceiver> {
  const r = await startReceiver(answer);
  cleanups.push(() => r.close());
  return r;
}

const payloads = (r: TestReceiver) => r.requests.map((q) => JSON.parse(q.body) as WebhookPayload);

/** An engine on the data dir `dir` (a fresh one by default); reopen with the same dir to play a restart. */
function engineOn(
  yaml: string,
  clock: ManualClock,
  dir = mkdtempSync(path.join(tmpdir(), "lineops-alerting-")),
) {
  const db: Db = openDb(dir);
  const engine = createAlertingEngine({
    config: parseAlertingConfig(yaml),
    db,
    clock,
    logger: pino({ level: "silent" }),
    externalURL: () => "http://lineops.example:9470",
    initialBackoffMs: 10,
  });
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await engine.stop();
      db.close();
    }
  };
  cleanups.push(close);
  engine.start();
  return { engine, dir, close };
}

/** Moves the clock and waits for the notifications it set off to be delivered. */
async function step(clock: ManualClock, engine: AlertingEngine, ms: number) {
  await clock.advance(ms);
  await engine.whenIdle();
}

const webhook = (name: string, url: string, extra = "") =>
  `  - name: ${name}\n    webhook_configs:\n      - url: ${url}\n${extra}`;

describe("alerting engine", () => {
  it("delivers at once with group_wait 0, in Alertmanager's webhook shape", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route: {receiver: hook, group_wait: 0s, group_by: [alertname]}\nreceivers:\n${webhook("hook", hook.url)}`,
      clock,
    );
    engine.receive([{ labels: { alertname: "Down", instance: "a" }, annotations: { summary: "down" } }]);
    await step(clock, engine, 0);
    expect(payloads(hook)).toEqual([
      expect.objectContaining({
        receiver: "hook",
        status: "firing",
        groupKey: '{}:{alertname="Down"}',
        groupLabels: { alertname: "Down" },
        externalURL: "http://lineops.example:9470",
        version: "4",
        alerts: [
          expect.objectContaining({
            status: "firing",
            labels: { alertname: "Down", instance: "a" },
            annotations: { summary: "down" },
            endsAt: "0001-01-01T00:00:00Z",
            fingerprint: fingerprint({ alertname: "Down", instance: "a" }),
          }),
        ],
      }),
    ]);
  });

  it("groups alerts that arrive within group_wait into one notification", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route: {receiver: hook, group_wait: 30s, group_by: [alertname]}\nreceivers:\n${webhook("hook", hook.url)}`,
      clock,
    );
    engine.receive([{ labels: { alertname: "Down", instance: "a" } }]);
    await step(clock, engine, 10 * SEC);
    engine.receive([{ labels: { alertname: "Down", instance: "b" } }]);
    await step(clock, engine, 19 * SEC);
    expect(hook.requests).toHaveLength(0);
    await step(clock, engine, SEC);
    expect(payloads(hook).map((p) => p.alerts.map((a) => a.labels.instance))).toEqual([["a", "b"]]);
    expect(engine.groups()).toEqual([
      expect.objectContaining({
        labels: { alertname: "Down" },
        receiver: "hook",
        alerts: [expect.anything(), expect.anything()],
      }),
    ]);
  });

  it("does not repeat a notification before repeat_interval has passed", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route: {receiver: hook, group_wait: 0s, group_interval: 1m, repeat_interval: 10m}\nreceivers:\n${webhook("hook", hook.url)}`,
      clock,
    );
    engine.receive([{ labels: { alertname: "Down" }, startsAt: T0, endsAt: T0 + 2 * HOUR }]);
    await step(clock, engine, 0);
    expect(hook.requests).toHaveLength(1);
    for (let i = 0; i < 10; i++) {
      await step(clock, engine, MIN);
    }
    expect(hook.requests).toHaveLength(1); // at 10m exactly: not yet (strictly older than repeat_interval)
    await step(clock, engine, MIN);
    expect(hook.requests).toHaveLength(2);
  });

  it("sends the resolve with send_resolved, and forgets the group afterwards", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route: {receiver: hook, group_wait: 0s, group_interval: 30s}\nreceivers:\n${webhook("hook", hook.url, "        send_resolved: true\n")}`,
      clock,
    );
    engine.receive([{ labels: { alertname: "Down" }, startsAt: T0 }]);
    await step(clock, engine, 0);
    await step(clock, engine, 10 * SEC);
    engine.receive([{ labels: { alertname: "Down" }, startsAt: T0, endsAt: T0 + 10 * SEC }]);
    await step(clock, engine, 20 * SEC);
    const sent = payloads(hook);
    expect(sent.map((p) => p.status)).toEqual(["firing", "resolved"]);
    expect(sent[1]?.alerts[0]).toMatchObject({
      status: "resolved",
      startsAt: "2026-01-05T08:00:00Z",
      endsAt: "2026-01-05T08:00:10Z",
    });
    expect(engine.alerts()).toEqual([]);
    expect(engine.groups()).toEqual([]);
  });

  it("suppresses inhibited and silenced alerts and shows why in alerts()", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route: {receiver: hook, group_wait: 0s, group_by: [alertname]}
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [instance]
receivers:
${webhook("hook", hook.url)}`,
      clock,
    );
    const silence = engine.silences.set({
      matchers: [{ name: "alertname", value: "Noisy", isRegex: false, isEqual: true }],
      startsAt: T0,
      endsAt: T0 + HOUR,
      createdBy: "test",
      comment: "known",
    });
    const critical = { alertname: "Crit", severity: "critical", instance: "a" };
    engine.receive([
      { labels: critical },
      { labels: { alertname: "Warn", severity: "warning", instance: "a" } },
      { labels: { alertname: "Warn", severity: "warning", instance: "b" } },
      { labels: { alertname: "Noisy" } },
    ]);
    await step(clock, engine, 0);
    const byGroup = Object.fromEntries(
      payloads(hook).map((p) => [p.groupLabels.alertname, p.alerts.map((a) => a.labels.instance)]),
    );
    expect(byGroup).toEqual({ Crit: ["a"], Warn: ["b"] });

    const status = Object.fromEntries(
      engine.alerts().map((a) => [`${a.labels.alertname}/${a.labels.instance ?? ""}`, a.status]),
    );
    expect(status["Warn/a"]).toEqual({
      state: "suppressed",
      silencedBy: [],
      inhibitedBy: [fingerprint(critical)],
      mutedBy: [],
    });
    expect(status["Noisy/"]).toEqual({
      state: "suppressed",
      silencedBy: [silence.id],
      inhibitedBy: [],
      mutedBy: [],
    });
    expect(status["Warn/b"]?.state).toBe("active");
    expect(
      engine
        .alerts({ silenced: false, inhibited: false })
        .map((a) => a.labels.alertname)
        .sort(),
    ).toEqual(["Crit", "Warn"]);
  });

  it("holds notifications back while a mute time interval is active", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route:
  receiver: hook
  group_wait: 0s
  group_interval: 1m
  routes:
    - matchers: [team="ops"]
      mute_time_intervals: [morning]
time_intervals:
  - name: morning
    time_intervals:
      - times: [{start_time: "07:00", end_time: "08:30"}]
receivers:
${webhook("hook", hook.url)}`,
      clock,
    );
    engine.receive([{ labels: { alertname: "Down", team: "ops" }, endsAt: T0 + 2 * HOUR }]);
    await step(clock, engine, 0);
    expect(engine.alerts()[0]?.status.mutedBy).toEqual(["morning"]);
    for (let i = 0; i < 29; i++) {
      await step(clock, engine, MIN);
    }
    expect(hook.requests).toHaveLength(0);
    await step(clock, engine, MIN); // 08:30: the interval ended
    expect(hook.requests).toHaveLength(1);
    expect(engine.alerts()[0]?.status.mutedBy).toEqual([]);
  });

  it("does not let a hanging receiver delay another", async () => {
    const stuck = await receiver(() => "hang");
    const fine = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route:
  receiver: fine
  group_wait: 0s
  routes:
    - receiver: stuck
      continue: true
    - receiver: fine
receivers:
${webhook("stuck", stuck.url)}
${webhook("fine", fine.url)}`,
      clock,
    );
    engine.receive([{ labels: { alertname: "Down" } }]);
    await clock.advance(0);
    await waitFor(
      () => fine.requests.length === 1 && stuck.requests.length === 1,
      5000,
      "both receivers called",
    );
    expect(stuck.requests).toHaveLength(1); // still unanswered while the other was delivered
    expect(engine.alerts()[0]?.receivers).toEqual(["stuck", "fine"]);
  });

  it("resumes after a restart: still firing, no repeat inside repeat_interval, due resolves sent", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const yaml = `route: {receiver: hook, group_wait: 0s, group_interval: 1m, repeat_interval: 4h}\nreceivers:\n${webhook("hook", hook.url)}`;
    const first = engineOn(yaml, clock);
    first.engine.receive([
      { labels: { alertname: "Stays" }, startsAt: T0, endsAt: T0 + 3 * HOUR },
      { labels: { alertname: "Clears" }, startsAt: T0, endsAt: T0 + 10 * MIN },
    ]);
    await step(clock, first.engine, 0);
    expect(hook.requests).toHaveLength(1); // one group: grouped by nothing
    await first.close();

    // Down for 5 minutes: nothing changed, so nothing is sent again.
    await clock.advance(5 * MIN);
    const second = engineOn(yaml, clock, first.dir);
    await step(clock, second.engine, 0);
    await step(clock, second.engine, MIN);
    expect(hook.requests).toHaveLength(1);
    expect(
      second.engine
        .alerts()
        .map((a) => a.labels.alertname)
        .sort(),
    ).toEqual(["Clears", "Stays"]);
    await second.close();

    // Down past Clears's end: its resolve came due while lineops was down and is sent at start.
    await clock.advance(10 * MIN);
    const third = engineOn(yaml, clock, first.dir);
    await step(clock, third.engine, 0);
    expect(hook.requests).toHaveLength(2);
    const resolve = payloads(hook)[1];
    expect(resolve?.alerts.map((a) => [a.labels.alertname, a.status])).toEqual([
      ["Clears", "resolved"],
      ["Stays", "firing"],
    ]);
    expect(third.engine.alerts().map((a) => a.labels.alertname)).toEqual(["Stays"]);
  });

  it("keeps alerts, silences and the notification log across a reload", async () => {
    const hook = await receiver();
    const other = await receiver();
    const clock = new ManualClock(T0);
    const yaml = (url: string) =>
      `route: {receiver: hook, group_wait: 0s, group_interval: 1m, repeat_interval: 1h}\nreceivers:\n${webhook("hook", url)}`;
    const { engine } = engineOn(yaml(hook.url), clock);
    const silence = engine.silences.set({
      matchers: [{ name: "alertname", value: "Quiet", isRegex: false, isEqual: true }],
      startsAt: T0,
      endsAt: T0 + HOUR,
      createdBy: "test",
      comment: "",
    });
    engine.receive([{ labels: { alertname: "Down" }, endsAt: T0 + 2 * HOUR }]);
    await step(clock, engine, 0);
    expect(hook.requests).toHaveLength(1);

    // Same receiver name, new URL: the log still says this group was notified, so nothing is re-sent.
    engine.reload(parseAlertingConfig(yaml(other.url)));
    await step(clock, engine, 0);
    await step(clock, engine, MIN);
    expect(other.requests).toHaveLength(0);
    expect(engine.alerts().map((a) => a.labels.alertname)).toEqual(["Down"]);
    expect(engine.silences.get(silence.id)?.status.state).toBe("active");
    // A new alert in the group is news: it goes to the new URL.
    engine.receive([{ labels: { alertname: "Down", instance: "b" }, endsAt: T0 + 2 * HOUR }]);
    await step(clock, engine, MIN);
    expect(payloads(other).map((p) => p.alerts.length)).toEqual([2]);
    expect(hook.requests).toHaveLength(1);
  });

  it("takes lineops's rule alerts through notify() and refuses invalid POSTs whole", async () => {
    const hook = await receiver();
    const clock = new ManualClock(T0);
    const { engine } = engineOn(
      `route: {receiver: hook, group_wait: 0s}\nreceivers:\n${webhook("hook", hook.url)}`,
      clock,
    );
    engine.notify([
      {
        labels: { alertname: "Rule" },
        annotations: {},
        startsAt: T0,
        endsAt: T0 + 4 * MIN,
        generatorURL: "http://x/graph",
      },
    ]);
    expect(() => engine.receive([{ labels: { alertname: "ok" } }, { labels: { job: "x" } }])).toThrow(
      "alerts[1].labels: alertname missing",
    );
    await step(clock, engine, 0);
    expect(payloads(hook)[0]?.alerts).toEqual([
      expect.objectContaining({ labels: { alertname: "Rule" }, generatorURL: "http://x/graph" }),
    ]);
    expect(engine.alerts().map((a) => a.labels.alertname)).toEqual(["Rule"]);
    expect(engine.receivers()).toEqual(["hook"]);
    expect(engine.status().configYaml).toContain("url: <secret>");
  });
});
