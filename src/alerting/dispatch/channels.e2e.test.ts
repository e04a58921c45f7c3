// Routing reaches every kind of channel, end to end on the real `lineops serve` process: a rule
// fires, its route names a receiver with one config of each type, and each real receiver gets the
// alert — a loopback HTTP server as the webhook, Slack, PagerDuty and SMS endpoints, an SMTP server
// (smtp-server), and a Mosquitto of this test's own carrying the andon message to a subscriber.
// Before this, a receiver without webhook_configs silently sent nothing.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlPlanes, servedAt } from "../../test-support/cli.js";
import { waitFor } from "../../test-support/wait.js";
import type { WebhookPayload } from "../notify/payload.js";
import { pagerDutyEventShape, slackMessageShape, twilioFormShape } from "../notify/channels/test-support.js";
import { startReceiver, type TestReceiver } from "../notify/test-support/receiver.js";
import { startMosquitto, startSmtp, subscribeMqtt } from "./test-support/real-receivers.js";

const planes = new ControlPlanes();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await planes.stopAll();
  await Promise.all(cleanups.map((c) => c()));
});

describe("routing delivers to every config of the receiver", () => {
  it("a firing rule reaches webhook, Slack, email, PagerDuty, MQTT and SMS receivers", async () => {
    const http: Record<"webhook" | "slack" | "pagerduty" | "sms", TestReceiver> = {
      webhook: await startReceiver(),
      slack: await startReceiver(() => ({ status: 200, body: "ok" })),
      pagerduty: await startReceiver(() => ({
        status: 202,
        body: '{"status":"success","message":"Event processed","dedup_key":"k"}',
      })),
      sms: await startReceiver(() => ({ status: 201, body: '{"sid":"SM1","status":"queued"}' })),
    };
    cleanups.push(...Object.values(http).map((r) => () => r.close()));
    const smtp = await startSmtp();
    cleanups.push(() => smtp.close());
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const board = await subscribeMqtt(broker.url, "plant/andon/#");
    cleanups.unshift(() => board.close());

    const dir = mkdtempSync(path.join(tmpdir(), "lineops-routing-channels-"));
    const dataDir = path.join(dir, "data");
    writeFileSync(
      path.join(dir, "rules.yaml"),
      `groups:
  - name: plant
    interval: 300ms
    rules:
      - alert: StationStarved
        expr: vector(1)
        labels: {severity: critical, line: l1, station: s3}
        annotations: {summary: Station s3 is starved}
`,
    );
    const configFile = path.join(dir, "lineops.yaml");
    writeFileSync(
      configFile,
      `monitoring:
  host: {enabled: false}
rule_files: [rules.yaml]
alerting:
  route:
    receiver: everyone
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    group_by: [alertname]
  receivers:
    - name: everyone
      webhook_configs:
        - url: ${http.webhook.url}
      slack_configs:
        - api_url: ${http.slack.url}
          channel: "#line-1"
      email_configs:
        - to: oncall@plant.test
          from: lineops@plant.test
          smarthost: ${smtp.smarthost}
          require_tls: false
      pagerduty_configs:
        - routing_key: R0123456789abcdef0123456789abcdef
          url: ${http.pagerduty.url}
      mqtt_configs:
        - url: ${broker.url}
          topic_prefix: plant/andon
      sms_configs:
        - url: ${http.sms.url}
          account_sid: AC0123456789abcdef
          auth_token: tok-secret
          from: "+15005550006"
          to: "+15551234567"
`,
    );
    const serve = planes.spawn(dataDir, [
      "serve",
      "--config",
      configFile,
      "--data-dir",
      dataDir,
      "--port",
      "0",
    ]);
    await servedAt(serve);

    await waitFor(
      () =>
        Object.values(http).every((r) => r.requests.length > 0) &&
        smtp.mails.length > 0 &&
        board.messages.some((m) => m.topic.endsWith("/state")),
      30_000,
      "every receiver got the alert",
    );

    // The webhook is Alertmanager's v4 message, plus the idempotency key lineops adds.
    const hook = http.webhook.requests[0]!;
    const payload = JSON.parse(hook.body) as WebhookPayload;
    expect(payload).toMatchObject({ version: "4", receiver: "everyone", status: "firing" });
    expect(payload.alerts[0]?.labels).toMatchObject({ alertname: "StationStarved", station: "s3" });
    expect(hook.headers["idempotency-key"]).toMatch(/^am-[0-9a-f]{32}$/);

    const slack = slackMessageShape.parse(JSON.parse(http.slack.requests[0]!.body));
    expect(slack.channel).toBe("#line-1");
    expect(slack.text).toContain("StationStarved");

    const pd = pagerDutyEventShape.parse(JSON.parse(http.pagerduty.requests[0]!.body));
    expect(pd.event_action).toBe("trigger");
    expect(pd.routing_key).toBe("R0123456789abcdef0123456789abcdef");

    const sms = twilioFormShape.parse(Object.fromEntries(new URLSearchParams(http.sms.requests[0]!.body)));
    expect(sms.To).toBe("+15551234567");
    expect(http.sms.requests[0]!.path).toMatch(/\/2010-04-01\/Accounts\/AC0123456789abcdef\/Messages\.json$/);

    expect(smtp.mails[0]?.to).toEqual(["oncall@plant.test"]);
    expect(smtp.mails[0]?.raw).toContain("StationStarved");

    const state = board.messages.find((m) => m.topic === "plant/andon/l1/s3/state");
    expect(state?.retain).toBe(false); // a live subscriber gets it as a normal publish…
    expect(JSON.parse(state!.body)).toMatchObject({ line: "l1", station: "s3" });
    // …and a board connecting later finds it retained.
    const late = await subscribeMqtt(broker.url, "plant/andon/l1/s3/state");
    cleanups.unshift(() => late.close());
    await waitFor(() => late.messages.length > 0, 5_000, "retained station state");
    expect(late.messages[0]?.retain).toBe(true);

    // One message per config: the notification log of each keeps later flushes from repeating it.
    expect([...Object.values(http).map((r) => r.requests.length), smtp.mails.length]).toEqual([
      1, 1, 1, 1, 1,
    ]);
  }, 60_000);
});
