// The notification pipeline over channels: every config of the route's receiver gets the group,
// send_resolved applies per config as in Alertmanager, a retry reuses the message's idempotency key,
// and the notification log of each config keeps later flushes from repeating it. Channels here are
// recording fakes (each channel type has its own test against a real receiver); the log and the
// silences are the real ones on SQLite.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../clock.js";
import { openDb, type Db } from "../../store/db.js";
import { NotificationLogRepository } from "../../store/notification-log.js";
import { SilenceRepository } from "../../store/silences.js";
import { parseAlertingConfig, routeTreeOf } from "../config/load.js";
import { fingerprint } from "../fingerprint.js";
import { NotificationLog } from "../nflog/nflog.js";
import type { Channel, ChannelType, Notification, Receipt, SendResult } from "../notify/channel.js";
import { Inhibitor } from "../routing/inhibit.js";
import { Silences } from "../silences/silences.js";
import type { HeldAlert } from "./alert-store.js";
import { buildIntegrations, closeIntegrations, type Integration } from "./integrations.js";
import { notificationKey, notificationPipeline } from "./pipeline.js";

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) {
    db.close();
  }
});

/** A channel that records every attempt and answers from `answers` (then ok). */
class FakeChannel implements Channel {
  readonly sent: Notification[] = [];
  closed = 0;
  constructor(
    readonly name: string,
    readonly type: ChannelType,
    private readonly answers: SendResult[] = [],
  ) {}
  async send(n: Notification): Promise<SendResult> {
    this.sent.push(n);
    return (
      this.answers.shift() ?? {
        ok: true,
        receipt: { channel: this.name, type: this.type, key: n.key, at: Date.now(), detail: "ok" },
      }
    );
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

const CONFIG = `route: {receiver: oncall, group_by: [alertname], group_interval: 5s, repeat_interval: 1h}
receivers:
  - name: oncall`;

function harness(integrations: Integration[]) {
  const db = openDb(mkdtempSync(path.join(tmpdir(), "lineops-pipeline-")));
  dbs.push(db);
  const nflog = new NotificationLog(new NotificationLogRepository(db), { clock: systemClock });
  const route = routeTreeOf(parseAlertingConfig(CONFIG));
  const receipts: Receipt[] = [];
  const flush = notificationPipeline({
    clock: systemClock,
    receivers: new Map([["oncall", integrations]]),
    timeIntervals: new Map(),
    inhibitor: () => new Inhibitor([]),
    silences: new Silences(new SilenceRepository(db), { clock: systemClock }),
    nflog,
    externalURL: () => "http://lineops.test",
    logger: silent,
    initialBackoffMs: 1,
    maxBackoffMs: 2,
    onReceipt: (r) => receipts.push(r),
  });
  const send = (alerts: HeldAlert[]) =>
    flush({
      route,
      groupKey: '{}:{alertname="Down"}',
      groupLabels: { alertname: "Down" },
      alerts,
      signal: new AbortController().signal,
    });
  return { send, receipts, nflog };
}

function held(instance: string, resolvedAgoMs?: number): HeldAlert {
  const labels = { alertname: "Down", instance };
  const now = Date.now();
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations: { summary: `${instance} is down` },
    startsAt: now - 60_000,
    endsAt: resolvedAgoMs === undefined ? now + 3_600_000 : now - resolvedAgoMs,
    updatedAt: now,
    generatorURL: "",
    timeout: false,
  };
}

const integration = (channel: FakeChannel, sendResolved: boolean, maxAlerts = 0): Integration => ({
  key: channel.name,
  channel,
  sendResolved,
  maxAlerts,
});

describe("the notification pipeline over channels", () => {
  it("sends the group to every config once; a resolve only to configs with send_resolved", async () => {
    const hook = new FakeChannel("oncall/webhook/0", "webhook");
    const slack = new FakeChannel("oncall/slack/0", "slack");
    const board = new FakeChannel("oncall/mqtt/0", "mqtt");
    const h = harness([integration(hook, true), integration(slack, false), integration(board, true)]);

    expect(await h.send([held("a")])).toBe(true);
    for (const c of [hook, slack, board]) {
      expect(c.sent.map((n) => [n.event, n.payload.status, n.payload.receiver])).toEqual([
        ["trigger", "firing", "oncall"],
      ]);
    }
    expect(h.receipts.map((r) => r.channel).sort()).toEqual([
      "oncall/mqtt/0",
      "oncall/slack/0",
      "oncall/webhook/0",
    ]);
    // Nothing new: no channel hears of it again inside repeat_interval.
    expect(await h.send([held("a")])).toBe(true);
    expect([hook, slack, board].map((c) => c.sent.length)).toEqual([1, 1, 1]);

    // Resolved: the receivers with send_resolved get it; Slack's (off) is logged as done, unsent.
    expect(await h.send([held("a", 1000)])).toBe(true);
    expect(hook.sent.map((n) => n.event)).toEqual(["trigger", "resolve"]);
    expect(board.sent.map((n) => n.event)).toEqual(["trigger", "resolve"]);
    expect(slack.sent).toHaveLength(1);
    expect(h.nflog.get("oncall/slack/0", '{}:{alertname="Down"}')?.firing).toEqual([]);
  });

  it("retries a retriable failure with the same key until it lands; a final failure is not logged", async () => {
    const flaky = new FakeChannel("oncall/pagerduty/0", "pagerduty", [
      { ok: false, retriable: true, error: "unexpected status code 503" },
      { ok: false, retriable: true, error: "unexpected status code 503" },
    ]);
    const refused = new FakeChannel("oncall/sms/0", "sms", [
      { ok: false, retriable: false, error: "unexpected status code 400", status: 400 },
    ]);
    const h = harness([integration(flaky, true), integration(refused, true)]);

    expect(await h.send([held("a")])).toBe(false);
    expect(flaky.sent).toHaveLength(3);
    expect(new Set(flaky.sent.map((n) => n.key)).size).toBe(1);
    expect(refused.sent).toHaveLength(1);
    expect(h.nflog.get("oncall/pagerduty/0", '{}:{alertname="Down"}')).toBeDefined();
    expect(h.nflog.get("oncall/sms/0", '{}:{alertname="Down"}')).toBeUndefined();

    // The next flush sends to the refused one only, with the same key: the same news, not yet taken.
    expect(await h.send([held("a")])).toBe(true);
    expect(flaky.sent).toHaveLength(3);
    expect(refused.sent.map((n) => n.key)).toEqual([refused.sent[0]!.key, refused.sent[0]!.key]);
  });

  it("applies max_alerts to the message before the channel sees it", async () => {
    const hook = new FakeChannel("oncall/webhook/0", "webhook");
    const h = harness([integration(hook, true, 1)]);
    await h.send([held("a"), held("b")]);
    expect(hook.sent[0]?.payload.alerts).toHaveLength(1);
    expect(hook.sent[0]?.payload.truncatedAlerts).toBe(1);
  });
});

describe("notificationKey", () => {
  it("is the same for the same news and differs for new alerts, other configs and a repeat", () => {
    const k = notificationKey("r/webhook/0", "g", ["b", "a"], [], undefined);
    expect(notificationKey("r/webhook/0", "g", ["a", "b"], [], undefined)).toBe(k);
    expect(k).toMatch(/^am-[0-9a-f]{32}$/);
    expect(notificationKey("r/webhook/0", "g", ["a", "b", "c"], [], undefined)).not.toBe(k);
    expect(notificationKey("r/slack/0", "g", ["a", "b"], [], undefined)).not.toBe(k);
    // After repeat_interval the same alerts are sent again on purpose: a new key, not a duplicate.
    expect(notificationKey("r/webhook/0", "g", ["a", "b"], [], 1_000)).not.toBe(k);
  });
});

describe("buildIntegrations", () => {
  it("makes one channel per config with its send_resolved, and closes them all", async () => {
    const config = parseAlertingConfig(`route: {receiver: oncall}
receivers:
  - name: oncall
    webhook_configs: [{url: "http://127.0.0.1:9/a", max_alerts: 3}]
    slack_configs: [{api_url: "http://127.0.0.1:9/s"}]
    pagerduty_configs: [{routing_key: abc, url: "http://127.0.0.1:9/p"}]
    mqtt_configs: [{url: "mqtt://127.0.0.1:9", send_resolved: false}]
  - name: quiet
`);
    const built = buildIntegrations(config);
    expect(built.get("oncall")?.map((i) => [i.key, i.channel.type, i.sendResolved, i.maxAlerts])).toEqual([
      ["oncall/webhook/0", "webhook", true, 3],
      ["oncall/slack/0", "slack", false, 0],
      ["oncall/pagerduty/0", "pagerduty", true, 0],
      ["oncall/mqtt/0", "mqtt", false, 0],
    ]);
    expect(built.get("quiet")).toEqual([]);
    const errors: string[] = [];
    await closeIntegrations(built, (key) => errors.push(key));
    expect(errors).toEqual([]);
    // A closed MQTT channel refuses to send (it would otherwise reconnect after a reload).
    const mqtt = built.get("oncall")![3]!.channel;
    expect(await mqtt.send({ key: "k", event: "trigger", payload: {} as never })).toMatchObject({
      ok: false,
      error: "mqtt channel is closed",
    });
  });
});
