// bench:alerting's channel receivers: besides the webhook the latency bench already measures,
// lineops's receiver sends each round to Slack, PagerDuty and SMS endpoints (one loopback HTTP
// server), an SMTP server (smtp-server) and a Mosquitto broker with a subscriber: real receivers,
// all on loopback. Each message names its round through the rule's summary annotation
// ("bench round N"), which every channel's default template shows, so the first arrival per
// channel and round is known.
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  startMosquitto,
  startSmtp,
  subscribeMqtt,
} from "../../src/alerting/dispatch/test-support/real-receivers.js";

export const CHANNELS = ["webhook", "slack", "email", "pagerduty", "mqtt", "sms"] as const;
export type ChannelKind = (typeof CHANNELS)[number];
/** The channels other than the webhook, which target.ts records. */
type Other = Exclude<ChannelKind, "webhook">;

const ROUND_RE = /bench round (\d+)/;
const TOPIC_PREFIX = "bench/andon";

export type ChannelReceivers = {
  /** First arrival (performance.now() ms) per channel and round. */
  arrivals: Record<Other, Map<number, number>>;
  /** Bodies that named no round (should stay 0). */
  unmatched(): number;
  /** The receiver's extra configs, YAML at the indentation of `webhook_configs:`. */
  configsYaml(indent: string): string;
  close(): Promise<void>;
};

export async function startChannelReceivers(): Promise<ChannelReceivers> {
  const arrivals: Record<Other, Map<number, number>> = {
    slack: new Map(),
    email: new Map(),
    pagerduty: new Map(),
    mqtt: new Map(),
    sms: new Map(),
  };
  let unmatched = 0;
  const record = (kind: Other, text: string, at: number) => {
    const m = ROUND_RE.exec(text);
    if (m === null) {
      unmatched++;
      return;
    }
    const round = Number(m[1]);
    if (!arrivals[kind].has(round)) {
      arrivals[kind].set(round, at);
    }
  };

  const server = http.createServer((req, res) => {
    const at = performance.now();
    const kind = /^\/(slack|pagerduty|sms)\b/.exec(req.url ?? "")?.[1] as Other | undefined;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (kind === undefined) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      // The SMS gateway gets a form: its Body is URL-encoded.
      record(kind, kind === "sms" ? (new URLSearchParams(body).get("Body") ?? "") : body, at);
      if (kind === "pagerduty") {
        res.writeHead(202, { "content-type": "application/json" });
        res.end('{"status":"success","message":"Event processed","dedup_key":"bench"}');
      } else if (kind === "sms") {
        res.writeHead(201, { "content-type": "application/json" }).end('{"sid":"SM0","status":"queued"}');
      } else {
        res.writeHead(200).end("ok");
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  // Email and MQTT arrival: when the SMTP server took the mail's DATA, when the subscriber got the publish.
  // Quoted-printable soft line breaks are undone so the round marker reads whole.
  const smtp = await startSmtp((m) => record("email", m.raw.replace(/=\r?\n/g, ""), m.at));
  const broker = await startMosquitto().catch(async (err: unknown) => {
    await smtp.close();
    server.close();
    throw err;
  });
  const board = await subscribeMqtt(broker.url, `${TOPIC_PREFIX}/#`, (m) => {
    if (m.topic.endsWith("/events")) {
      record("mqtt", m.body, m.at);
    }
  });

  const base = `http://127.0.0.1:${port}`;
  return {
    arrivals,
    unmatched: () => unmatched,
    configsYaml: (indent) =>
      `slack_configs:
  - api_url: ${base}/slack
    channel: "#bench"
email_configs:
  - to: oncall@bench.test
    from: lineops@bench.test
    smarthost: ${smtp.smarthost}
    require_tls: false
pagerduty_configs:
  - routing_key: R0123456789abcdef0123456789abcdef
    url: ${base}/pagerduty
    send_resolved: false
mqtt_configs:
  - url: ${broker.url}
    topic_prefix: ${TOPIC_PREFIX}
    send_resolved: false
sms_configs:
  - url: ${base}/sms
    account_sid: AC0123456789abcdef
    auth_token: bench-token
    from: "+15005550006"
    to: "+15551234567"
    send_resolved: false
`
        .split("\n")
        .map((l) => (l ? indent + l : l))
        .join("\n"),
    close: async () => {
      await board.close().catch(() => undefined);
      await broker.stop();
      await smtp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
