// From the alerting configuration (Alertmanager's snake_case receivers plus lineops's mqtt and sms
// configs) to channels: one Channel per configured endpoint, named so escalation targets, receipts
// and metrics can point at exactly one of them.
import type { AlertingConfig } from "../../config/load.js";
import type {
  EmailConfig as EmailYaml,
  HttpConfig,
  MqttConfig as MqttYaml,
  PagerDutyConfig as PagerDutyYaml,
  ReceiverConfig,
  SlackConfig as SlackYaml,
  SmsConfig as SmsYaml,
  WebhookConfig as WebhookYaml,
} from "../../config/schema.js";
import type { Channel, ChannelType } from "../channel.js";
import type { HttpClientConfig } from "../http-config.js";
import { EmailChannel, type EmailConfig } from "./email.js";
import { MqttChannel, type MqttConfig } from "./mqtt.js";
import { PagerDutyChannel, type PagerDutyConfig } from "./pagerduty.js";
import { SlackChannel, type SlackConfig } from "./slack.js";
import { SmsChannel, type SmsConfig } from "./sms.js";
import { WebhookChannel, type WebhookChannelConfig } from "./webhook.js";

/** One endpoint of a receiver, as the configuration file spells it. */
export type ChannelConfig =
  | { type: "webhook"; config: WebhookYaml }
  | { type: "slack"; config: SlackYaml }
  | { type: "email"; config: EmailYaml }
  | { type: "pagerduty"; config: PagerDutyYaml }
  | { type: "mqtt"; config: MqttYaml }
  | { type: "sms"; config: SmsYaml };

export type ChannelDeps = {
  /** Receipt times; a manual clock in tests. Default Date.now. */
  now?: () => number;
};

/** `<receiver>/<type>/<index>`: the index counts configs of that type within the receiver. */
export function channelName(receiver: string, type: ChannelType, index: number): string {
  return `${receiver}/${type}/${index}`;
}

/** Every endpoint of a receiver, in the file's order by type. */
export function receiverChannelConfigs(r: ReceiverConfig): { name: string; channel: ChannelConfig }[] {
  const out: { name: string; channel: ChannelConfig }[] = [];
  const add = <T extends ChannelConfig["type"]>(
    type: T,
    list: Extract<ChannelConfig, { type: T }>["config"][],
  ) =>
    list.forEach((config, i) =>
      out.push({ name: channelName(r.name, type, i), channel: { type, config } as ChannelConfig }),
    );
  add("webhook", r.webhook_configs ?? []);
  add("slack", r.slack_configs ?? []);
  add("email", r.email_configs ?? []);
  add("pagerduty", r.pagerduty_configs ?? []);
  add("mqtt", r.mqtt_configs ?? []);
  add("sms", r.sms_configs ?? []);
  return out;
}

/**
 * One channel for one configured endpoint. `name` is the channel's name (see channelName). Throws
 * HttpConfigError for a config the schema let through but the channel cannot use; the message
 * never contains a secret.
 */
export function createChannel(name: string, c: ChannelConfig, deps: ChannelDeps = {}): Channel {
  const now = deps.now ?? Date.now;
  switch (c.type) {
    case "webhook":
      return new WebhookChannel(name, webhookChannelConfigOf(c.config), now);
    case "slack":
      return new SlackChannel(name, slackConfigOf(c.config), now);
    case "email":
      return new EmailChannel(name, emailConfigOf(c.config), now);
    case "pagerduty":
      return new PagerDutyChannel(name, pagerDutyConfigOf(c.config), now);
    case "mqtt":
      return new MqttChannel(name, mqttConfigOf(c.config), now);
    case "sms":
      return new SmsChannel(name, smsConfigOf(c.config), now);
  }
}

/** Every channel of every receiver, by channel name. Close them all when the config is replaced. */
export function createChannels(
  config: Pick<AlertingConfig, "receivers">,
  deps: ChannelDeps = {},
): Map<string, Channel> {
  const out = new Map<string, Channel>();
  for (const r of config.receivers) {
    for (const { name, channel } of receiverChannelConfigs(r)) {
      out.set(name, createChannel(name, channel, deps));
    }
  }
  return out;
}

/** The channel names of one receiver (what a route's `receiver:` fans out to). */
export function channelsOfReceiver(config: Pick<AlertingConfig, "receivers">, receiver: string): string[] {
  const r = config.receivers.find((x) => x.name === receiver);
  return r === undefined ? [] : receiverChannelConfigs(r).map((x) => x.name);
}

const opt = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

function webhookChannelConfigOf(w: WebhookYaml): WebhookChannelConfig {
  return {
    ...opt("url", w.url),
    ...opt("urlFile", w.url_file),
    sendResolved: w.send_resolved,
    maxAlerts: w.max_alerts,
    timeoutMs: w.timeout,
    ...opt("httpConfig", w.http_config && httpClientConfigOf(w.http_config)),
    ...opt("signingSecret", w.signing_secret),
    ...opt("signingSecretFile", w.signing_secret_file),
  };
}

function slackConfigOf(s: SlackYaml): SlackConfig {
  return {
    ...opt("apiUrl", s.api_url),
    ...opt("apiUrlFile", s.api_url_file),
    ...opt("channel", s.channel),
    ...opt("username", s.username),
    ...opt("iconEmoji", s.icon_emoji),
    ...opt("iconUrl", s.icon_url),
    sendResolved: s.send_resolved,
    timeoutMs: s.timeout,
    ...opt("httpConfig", s.http_config && httpClientConfigOf(s.http_config)),
  };
}

function emailConfigOf(e: EmailYaml): EmailConfig {
  const t = e.tls_config;
  return {
    to: e.to,
    // validateAlertingConfig refuses an email config with neither its own nor a global value.
    from: e.from ?? "",
    smarthost: e.smarthost ?? "",
    ...opt("hello", e.hello),
    ...opt("authUsername", e.auth_username),
    ...opt("authPassword", e.auth_password),
    ...opt("authPasswordFile", e.auth_password_file),
    requireTls: e.require_tls ?? true,
    ...(t
      ? {
          tlsConfig: {
            ...opt("caFile", t.ca_file),
            ...opt("serverName", t.server_name),
            insecureSkipVerify: t.insecure_skip_verify,
          },
        }
      : {}),
    sendResolved: e.send_resolved,
    timeoutMs: e.timeout,
  };
}

function pagerDutyConfigOf(p: PagerDutyYaml): PagerDutyConfig {
  return {
    ...opt("routingKey", p.routing_key),
    ...opt("routingKeyFile", p.routing_key_file),
    ...opt("url", p.url),
    ...opt("client", p.client),
    ...opt("clientUrl", p.client_url),
    ...opt("source", p.source),
    ...opt("severity", p.severity),
    ...opt("class", p.class),
    ...opt("component", p.component),
    ...opt("group", p.group),
    sendResolved: p.send_resolved,
    timeoutMs: p.timeout,
    ...opt("httpConfig", p.http_config && httpClientConfigOf(p.http_config)),
  };
}

function mqttConfigOf(m: MqttYaml): MqttConfig {
  return {
    url: m.url,
    topicPrefix: m.topic_prefix,
    ...opt("clientId", m.client_id),
    ...opt("username", m.username),
    ...opt("password", m.password),
    ...opt("passwordFile", m.password_file),
    messageExpirySeconds: Math.max(1, Math.round(m.message_expiry / 1000)),
    sendResolved: m.send_resolved,
    timeoutMs: m.timeout,
    ...(m.tls_config
      ? {
          tlsConfig: {
            ...opt("caFile", m.tls_config.ca_file),
            insecureSkipVerify: m.tls_config.insecure_skip_verify,
          },
        }
      : {}),
  };
}

function smsConfigOf(s: SmsYaml): SmsConfig {
  return {
    ...opt("url", s.url),
    accountSid: s.account_sid,
    ...opt("authToken", s.auth_token),
    ...opt("authTokenFile", s.auth_token_file),
    from: s.from,
    to: s.to,
    sendResolved: s.send_resolved,
    timeoutMs: s.timeout,
    ...opt("httpConfig", s.http_config && httpClientConfigOf(s.http_config)),
  };
}

/** Prometheus's <http_config> as the HTTP client takes it. */
export function httpClientConfigOf(h: HttpConfig): HttpClientConfig {
  const a = h.authorization;
  const b = h.basic_auth;
  const t = h.tls_config;
  return {
    ...(a
      ? {
          authorization: {
            type: a.type,
            ...(a.credentials !== undefined ? { credentials: a.credentials } : {}),
            ...(a.credentials_file !== undefined ? { credentialsFile: a.credentials_file } : {}),
          },
        }
      : {}),
    ...(b
      ? {
          basicAuth: {
            username: b.username,
            ...(b.username_file !== undefined ? { usernameFile: b.username_file } : {}),
            ...(b.password !== undefined ? { password: b.password } : {}),
            ...(b.password_file !== undefined ? { passwordFile: b.password_file } : {}),
          },
        }
      : {}),
    ...(t
      ? {
          tlsConfig: {
            ...(t.ca_file !== undefined ? { caFile: t.ca_file } : {}),
            ...(t.cert_file !== undefined ? { certFile: t.cert_file } : {}),
            ...(t.key_file !== undefined ? { keyFile: t.key_file } : {}),
            ...(t.server_name !== undefined ? { serverName: t.server_name } : {}),
            insecureSkipVerify: t.insecure_skip_verify,
            ...(t.min_version !== undefined ? { minVersion: t.min_version } : {}),
          },
        }
      : {}),
    followRedirects: h.follow_redirects,
  };
}
