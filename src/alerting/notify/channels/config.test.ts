import { afterEach, describe, expect, it } from "vitest";
import { formatIssue } from "../../../config/errors.js";
import { configErrorOf } from "../../../config/test-support/config-error.js";
import { parseAlertingConfig } from "../../config/load.js";
import { resolveConfigPaths } from "../../config/paths.js";
import { alertingConfigYaml } from "../../dispatch/config-yaml.js";
import type { Channel } from "../channel.js";
import { channelsOfReceiver, createChannels } from "./config.js";
import { notification } from "./test-support.js";

const SECRETS = [
  "hooks-T0-B0-s3cr3t",
  "smtp-pa55",
  "R0UTINGKEY-abc123",
  "mqtt-pa55",
  "tw1l1o-t0ken",
  "s1gning-k3y",
];

const FULL = `global:
  smtp_smarthost: mail.plant.test:587
  smtp_from: lineops@plant.test
  smtp_auth_username: lineops
  smtp_auth_password: ${SECRETS[1]}
  slack_api_url: https://hooks.slack.test/services/${SECRETS[0]}
  pagerduty_url: http://127.0.0.1:9/v2/enqueue
route:
  receiver: oncall
receivers:
  - name: oncall
    webhook_configs:
      - url: http://127.0.0.1:9/hook
        signing_secret: ${SECRETS[5]}
    slack_configs:
      - channel: "#line-1"
        send_resolved: true
    email_configs:
      - to: oncall@plant.test
    pagerduty_configs:
      - routing_key: ${SECRETS[2]}
        severity: critical
  - name: andon
    mqtt_configs:
      - url: mqtt://127.0.0.1:1883
        topic_prefix: plant/andon
        password: ${SECRETS[3]}
        username: board
        message_expiry: 10m
    sms_configs:
      - url: http://127.0.0.1:9
        account_sid: AC123
        auth_token: ${SECRETS[4]}
        from: "+15005550006"
        to: "+15551234567"
      - account_sid: AC123
        auth_token_file: secrets/twilio
        from: "+15005550006"
        to: "+15557654321"
`;

function problems(text: string): string[] {
  return configErrorOf(() => parseAlertingConfig(text, "am.yml")).issues.map((i) =>
    formatIssue(i).replace(/^am\.yml:/, ""),
  );
}

let channels: Map<string, Channel> | undefined;
afterEach(async () => {
  for (const c of channels?.values() ?? []) {
    await c.close();
  }
  channels = undefined;
});

describe("receiver configs for the six channels", () => {
  it("reads Alertmanager's field names, fills email, slack and pagerduty from global, and names one channel per endpoint", () => {
    const config = parseAlertingConfig(FULL);
    const oncall = config.receivers[0];
    expect(oncall?.email_configs[0]).toMatchObject({
      smarthost: "mail.plant.test:587",
      from: "lineops@plant.test",
      auth_username: "lineops",
      auth_password: SECRETS[1],
      require_tls: true,
      send_resolved: false,
    });
    expect(oncall?.slack_configs[0]?.api_url).toContain(SECRETS[0]);
    expect(oncall?.pagerduty_configs[0]).toMatchObject({
      url: "http://127.0.0.1:9/v2/enqueue",
      send_resolved: true,
    });
    expect(config.receivers[1]?.mqtt_configs[0]?.message_expiry).toBe(600_000);

    channels = createChannels(config);
    expect([...channels.values()].map((c) => [c.name, c.type])).toEqual([
      ["oncall/webhook/0", "webhook"],
      ["oncall/slack/0", "slack"],
      ["oncall/email/0", "email"],
      ["oncall/pagerduty/0", "pagerduty"],
      ["andon/mqtt/0", "mqtt"],
      ["andon/sms/0", "sms"],
      ["andon/sms/1", "sms"],
    ]);
    expect(channelsOfReceiver(config, "andon")).toEqual(["andon/mqtt/0", "andon/sms/0", "andon/sms/1"]);
  });

  it("never prints a secret in the configuration shown over the API; file paths stay and resolve against the file", () => {
    const config = resolveConfigPaths(parseAlertingConfig(FULL), "/etc/lineops");
    const yaml = alertingConfigYaml(config);
    for (const s of SECRETS) {
      expect(yaml).not.toContain(s);
    }
    expect(yaml).toContain("routing_key: <secret>");
    expect(yaml).toContain("signing_secret: <secret>");
    expect(yaml).toContain("auth_token_file: /etc/lineops/secrets/twilio");
    expect(yaml).toContain("message_expiry: 10m");
    expect(yaml).toContain('channel: "#line-1"');
  });

  it.each<[string, string, string[]]>([
    [
      "pagerduty without a routing key",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    pagerduty_configs:\n      - severity: info\n",
      ["6:9: receivers[0].pagerduty_configs[0]: one of routing_key or routing_key_file must be configured"],
    ],
    [
      "pagerduty's Events API v1 service_key",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    pagerduty_configs:\n      - service_key: k\n",
      [
        "6:22: receivers[0].pagerduty_configs[0].service_key: service_key is not supported yet (Events API v1; use routing_key (Events API v2))",
      ],
    ],
    [
      "email without smarthost or from anywhere",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    email_configs:\n      - to: a@b\n",
      [
        "6:9: receivers[0].email_configs[0]: no global SMTP smarthost set",
        "6:9: receivers[0].email_configs[0]: no global mail from address set",
      ],
    ],
    [
      "a smarthost without a port",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    email_configs:\n      - {to: a@b, from: c@d, smarthost: mail}\n",
      ["6:41: receivers[0].email_configs[0].smarthost: smarthost must be host:port"],
    ],
    [
      "slack without an api_url anywhere",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    slack_configs:\n      - channel: '#x'\n",
      ["6:9: receivers[0].slack_configs[0]: no global Slack API URL set either inline or in a file"],
    ],
    [
      "a slack template field",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    slack_configs:\n      - {api_url: 'http://x/', title: 't'}\n",
      [
        "6:39: receivers[0].slack_configs[0].title: title is not supported yet (lineops sends its own Block Kit message, see docs/channels.md)",
      ],
    ],
    [
      "an mqtt wildcard prefix and a bad scheme",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    mqtt_configs:\n      - {url: 'http://b:1883', topic_prefix: 'a/#'}\n",
      [
        "6:15: receivers[0].mqtt_configs[0].url: invalid MQTT broker URL (expected mqtt://, mqtts://, ws:// or wss://)",
        "6:46: receivers[0].mqtt_configs[0].topic_prefix: topic_prefix must not contain the wildcards # or +",
      ],
    ],
    [
      "sms with a token both inline and in a file",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    sms_configs:\n      - {account_sid: AC1, auth_token: t, auth_token_file: f, from: a, to: b}\n",
      ["6:9: receivers[0].sms_configs[0]: at most one of auth_token & auth_token_file must be configured"],
    ],
    [
      "a webhook with two signing secrets",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - {url: 'http://x/', signing_secret: a, signing_secret_file: f}\n",
      [
        "6:9: receivers[0].webhook_configs[0]: at most one of signing_secret & signing_secret_file must be configured",
      ],
    ],
  ])("%s", (_name, text, expected) => {
    const got = problems(text);
    expect(got).toEqual(expected);
    expect(got.join("\n")).not.toMatch(/s3cr3t|pa55/);
  });

  it("an error about a secret field never repeats the secret", () => {
    const text = `route:\n  receiver: r\nreceivers:\n  - name: r\n    mqtt_configs:\n      - {url: 'mqtt://b:1', password: ${SECRETS[3]}, password_file: /x}\n`;
    const got = problems(text);
    expect(got).toEqual([
      "6:9: receivers[0].mqtt_configs[0]: at most one of password & password_file must be configured",
    ]);
    expect(got.join("")).not.toContain(SECRETS[3]);
  });

  it("every channel answers a receiver that is down with a retriable error, never a throw, never a secret", async () => {
    const down = FULL.replace(/mail\.plant\.test:587/g, "127.0.0.1:9")
      .replace("https://hooks.slack.test/", "http://127.0.0.1:9/")
      .replace("mqtt://127.0.0.1:1883", "mqtt://127.0.0.1:9")
      .replace("message_expiry: 10m", "message_expiry: 10m\n        timeout: 300ms")
      .replace("require_tls: true", "")
      .replace(/auth_token_file: secrets\/twilio/, `auth_token: ${SECRETS[4]}`)
      .replace(
        /- account_sid: AC123\n {8}auth_token/,
        "- url: http://127.0.0.1:9\n        account_sid: AC123\n        auth_token",
      );
    channels = createChannels(parseAlertingConfig(down));
    const odd = notification({
      key: "k",
      alerts: [{ labels: { alertname: "A/#+\u0000<>&", station: "" }, annotations: {}, startsAt: 0 }],
    });
    for (const c of channels.values()) {
      const res = await c.send(odd);
      expect([c.name, res.ok, res.ok ? true : res.retriable]).toEqual([c.name, false, true]);
      for (const secret of SECRETS) {
        expect(JSON.stringify(res)).not.toContain(secret);
      }
    }
  });
});
