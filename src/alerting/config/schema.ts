// The supported subset of Alertmanager's configuration file as a zod schema: global, route (the
// routing tree), inhibit_rules, receivers (webhook), time_intervals and templates. Field names and
// per-field checks follow Alertmanager's config/config.go; whole-file checks (receivers and intervals
// that routes name) are in validate.ts. Fields Alertmanager has and lineops does not are refused as
// "not supported yet" by name, fields nobody has as unknown keys.
import { z } from "zod";
import { channelPolicySchema } from "../notify/outbox/config.js";
import { duration } from "../../model/duration.js";
import { newMatcher, parseMatchers, type LabelMatcher } from "../routing/matchers.js";
import { compileTimeInterval, TimeIntervalError, type TimeInterval } from "../routing/time-intervals.js";

/**
 * lineops's defaults differ from Alertmanager's where the plan's "alert within 30 s" needs it; each is
 * documented in docs/alerting-configuration.md.
 * - group_wait 1s (Alertmanager 30s): lineops's rules of one group are evaluated in one pass, so the
 *   alerts a fault raises together arrive within milliseconds; one second still batches them into
 *   one notification and leaves 29 s of the budget to everything else.
 * - group_interval 30s (Alertmanager 5m): a new alert joining a group that already notified waits up
 *   to this long, so it must fit the 30 s budget too.
 * - repeat_interval 4h and resolve_timeout 5m as Alertmanager: reminders and the expiry of alerts
 *   posted without an end are not about detection speed.
 */
export const ALERTING_DEFAULTS = {
  groupWaitMs: 1_000,
  groupIntervalMs: 30_000,
  repeatIntervalMs: 4 * 3600_000,
  resolveTimeoutMs: 5 * 60_000,
} as const;

const CLASSIC_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Alertmanager (default mode) takes any non-empty UTF-8 label name in group_by, equal and route labels. */
const utf8LabelName = (what: string) =>
  z.string().refine((s) => s !== "" && !LONE_SURROGATE.test(s), {
    error: (i) => `invalid label name ${JSON.stringify(i.input)} in ${what}`,
  });

const notSupported = (field: string, instead: string) =>
  z.never({ error: `${field} is not supported yet${instead === "" ? "" : ` (${instead})`}` }).optional();

/** Alertmanager fields lineops refuses by name rather than as unknown keys. */
function notSupportedFields<K extends string>(
  keys: readonly K[],
  instead: string,
): Record<K, ReturnType<typeof notSupported>> {
  return Object.fromEntries(keys.map((k) => [k, notSupported(k, instead)])) as Record<
    K,
    ReturnType<typeof notSupported>
  >;
}

/** Alertmanager's `matchers:` list: each string is a matcher list of its own (`a="b", c=~"d"` allowed). */
const matcherList = z.array(z.string()).transform((lines, ctx) => {
  const out: LabelMatcher[] = [];
  lines.forEach((line, i) => {
    try {
      out.push(...parseMatchers(line));
    } catch (e) {
      ctx.addIssue({ code: "custom", path: [i], message: (e as Error).message });
    }
  });
  return out;
});

/** Label names of match / match_re maps: classic names, as Alertmanager's model.LabelNameRE. */
const labelNameMap = z.record(z.string(), z.string()).superRefine((m, ctx) => {
  for (const name of Object.keys(m)) {
    if (!CLASSIC_LABEL_NAME.test(name)) {
      ctx.addIssue({ code: "custom", path: [name], message: `invalid label name ${JSON.stringify(name)}` });
    }
  }
});

/** `match:` — label name to exact value. */
const matchMap = labelNameMap.transform((m) =>
  Object.entries(m).map(([name, value]) => newMatcher("=", name, value)),
);

/**
 * `match_re:` — label name to a regex. The matcher's value is the anchored `^(?:re)$`, as Alertmanager
 * builds it from the compiled regexp: route keys print it that way (`{owner=~"^(?:team-(B|C))$"}`).
 */
const matchReMap = labelNameMap.transform((m, ctx) => {
  const out: LabelMatcher[] = [];
  for (const [name, value] of Object.entries(m)) {
    try {
      out.push(newMatcher("=~", name, `^(?:${value})$`));
    } catch (e) {
      ctx.addIssue({ code: "custom", path: [name], message: (e as Error).message });
    }
  }
  return out;
});

/** A duration; a YAML number (`group_wait: 0`) is read as its text, as Alertmanager's YAML library does. */
const amDuration = () => z.preprocess((v) => (typeof v === "number" ? String(v) : v), duration());

const nonZeroDuration = (field: string) =>
  amDuration().refine((ms) => ms !== 0, { error: `${field} cannot be zero` });

export type RouteConfig = {
  receiver?: string | undefined;
  /** Label names to group by; undefined inherits the parent's. */
  group_by?: string[] | undefined;
  /** `group_by: ['...']`: every label of the alert. */
  group_by_all: boolean;
  continue: boolean;
  match: LabelMatcher[];
  match_re: LabelMatcher[];
  matchers: LabelMatcher[];
  group_wait?: number | undefined;
  group_interval?: number | undefined;
  repeat_interval?: number | undefined;
  mute_time_intervals: string[];
  active_time_intervals: string[];
  routes: RouteConfig[];
};

export const routeSchema: z.ZodType<RouteConfig> = z.lazy(() =>
  z
    .strictObject({
      receiver: z.string().optional(),
      group_by: z.array(utf8LabelName("group_by list").or(z.literal("..."))).optional(),
      continue: z.boolean().default(false),
      matchers: matcherList.default([]),
      match: matchMap.default([]),
      match_re: matchReMap.default([]),
      group_wait: amDuration().optional(),
      group_interval: nonZeroDuration("group_interval").optional(),
      repeat_interval: nonZeroDuration("repeat_interval").optional(),
      mute_time_intervals: z.array(z.string()).default([]),
      active_time_intervals: z.array(z.string()).default([]),
      routes: z.array(routeSchema).default([]),
      labels: notSupported("labels", ""),
    })
    .superRefine((r, ctx) => {
      const names = r.group_by ?? [];
      if (names.includes("...") && names.length > 1) {
        ctx.addIssue({
          code: "custom",
          path: ["group_by"],
          message: "cannot have wildcard group_by (`...`) and other labels at the same time",
        });
      }
      const seen = new Set<string>();
      names.forEach((n, i) => {
        if (seen.has(n)) {
          ctx.addIssue({
            code: "custom",
            path: ["group_by", i],
            message: `duplicated label "${n}" in group_by`,
          });
        }
        seen.add(n);
      });
    })
    .transform(({ labels: _labels, group_by, ...r }): RouteConfig => {
      const all = group_by?.includes("...") ?? false;
      return { ...r, group_by: all ? undefined : group_by, group_by_all: all };
    }),
);

const authorization = z
  .strictObject({
    type: z.string().default("Bearer"),
    credentials: z.string().optional(),
    credentials_file: z.string().min(1).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type.toLowerCase() === "basic") {
      ctx.addIssue({
        code: "custom",
        path: ["type"],
        message: 'authorization type cannot be set to "basic", use "basic_auth" instead',
      });
    }
    if (a.credentials !== undefined && a.credentials_file !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: "at most one of authorization credentials & credentials_file must be configured",
      });
    }
  });

const basicAuth = z
  .strictObject({
    username: z.string().default(""),
    username_file: z.string().min(1).optional(),
    password: z.string().optional(),
    password_file: z.string().min(1).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.username !== "" && b.username_file !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: "at most one of basic_auth username & username_file must be configured",
      });
    }
    if (b.password !== undefined && b.password_file !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: "at most one of basic_auth password & password_file must be configured",
      });
    }
  });

const tlsConfig = z
  .strictObject({
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    server_name: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
    min_version: z.enum(["TLS10", "TLS11", "TLS12", "TLS13"]).optional(),
    ca: notSupported("ca", "use ca_file"),
    cert: notSupported("cert", "use cert_file"),
    key: notSupported("key", "use key_file"),
  })
  .superRefine((t, ctx) => {
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) {
      ctx.addIssue({ code: "custom", message: "cert_file and key_file must be configured together" });
    }
  });

/** Prometheus's common HTTP client config, the subset a webhook needs. */
export const httpConfigSchema = z
  .strictObject({
    authorization: authorization.optional(),
    basic_auth: basicAuth.optional(),
    tls_config: tlsConfig.optional(),
    follow_redirects: z.boolean().default(true),
    enable_http2: z.boolean().default(true),
    bearer_token: notSupported("bearer_token", "use authorization.credentials"),
    bearer_token_file: notSupported("bearer_token_file", "use authorization.credentials_file"),
    oauth2: notSupported("oauth2", ""),
    proxy_url: notSupported("proxy_url", ""),
    proxy_from_environment: notSupported("proxy_from_environment", ""),
    no_proxy: notSupported("no_proxy", ""),
    proxy_connect_header: notSupported("proxy_connect_header", ""),
    http_headers: notSupported("http_headers", ""),
  })
  .superRefine((h, ctx) => {
    if (h.authorization !== undefined && h.basic_auth !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: "at most one of basic_auth & authorization must be configured",
      });
    }
  });
export type HttpConfig = z.output<typeof httpConfigSchema>;

const webhookUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  },
  {
    error: (i) =>
      `unsupported scheme or invalid URL ${JSON.stringify(i.input)} (expected http:// or https://)`,
  },
);

export const webhookConfigSchema = z
  .strictObject({
    /** Alertmanager's webhook default: resolved notifications are sent. */
    send_resolved: z.boolean().default(true),
    url: webhookUrl.optional(),
    url_file: z.string().min(1).optional(),
    http_config: httpConfigSchema.optional(),
    /** At most this many alerts per notification; 0 = all. */
    max_alerts: z.number().int().min(0).default(0),
    /** Per-request timeout; 0 = none of its own (the notification's deadline still applies). */
    timeout: amDuration().default(0),
    /** lineops: HMAC-SHA256 key for the X-Lineops-Signature header (docs/channels.md). */
    signing_secret: z.string().min(1).optional(),
    signing_secret_file: z.string().min(1).optional(),
  })
  .superRefine((w, ctx) => {
    if (w.url === undefined && w.url_file === undefined) {
      ctx.addIssue({ code: "custom", message: "one of url or url_file must be configured" });
    }
    if (w.url !== undefined && w.url_file !== undefined) {
      ctx.addIssue({ code: "custom", message: "at most one of url & url_file must be configured" });
    }
    if (w.signing_secret !== undefined && w.signing_secret_file !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: "at most one of signing_secret & signing_secret_file must be configured",
      });
    }
  });
export type WebhookConfig = z.output<typeof webhookConfigSchema>;

/** `a` and `a_file` are alternatives: at most one; `required` also demands one of them. */
function oneOf<T extends Record<string, unknown>>(field: string, required: boolean) {
  return (c: T, ctx: z.core.$RefinementCtx<T>) => {
    const inline = c[field] !== undefined;
    const file = c[`${field}_file`] !== undefined;
    if (inline && file) {
      ctx.addIssue({ code: "custom", message: `at most one of ${field} & ${field}_file must be configured` });
    } else if (required && !inline && !file) {
      ctx.addIssue({ code: "custom", message: `one of ${field} or ${field}_file must be configured` });
    }
  };
}

const secretFile = () => z.string().min(1).optional();

/** Alertmanager's <slack_config>, with lineops's default Block Kit message (no custom templates yet). */
export const slackConfigSchema = z
  .strictObject({
    /** Alertmanager's slack default: resolved notifications are not sent. */
    send_resolved: z.boolean().default(false),
    /** The incoming webhook URL (a secret); global.slack_api_url when absent. */
    api_url: webhookUrl.optional(),
    api_url_file: secretFile(),
    channel: z.string().optional(),
    username: z.string().optional(),
    icon_emoji: z.string().optional(),
    icon_url: webhookUrl.optional(),
    http_config: httpConfigSchema.optional(),
    timeout: amDuration().default(0),
    ...notSupportedFields(
      [
        "title",
        "title_link",
        "text",
        "pretext",
        "fields",
        "actions",
        "color",
        "footer",
        "fallback",
        "callback_id",
        "short_fields",
        "link_names",
        "mrkdwn_in",
        "image_url",
        "thumb_url",
        "app_token",
        "app_token_file",
        "app_url",
        "message_text",
      ] as const,
      "lineops sends its own Block Kit message, see docs/channels.md",
    ),
  })
  .superRefine(oneOf("api_url", false));
export type SlackConfig = z.output<typeof slackConfigSchema>;

const smtpTlsConfig = z.strictObject({
  ca_file: z.string().min(1).optional(),
  server_name: z.string().optional(),
  insecure_skip_verify: z.boolean().default(false),
});

/** Alertmanager's <email_config>; smarthost, from and auth fall back to global.smtp_*. */
export const emailConfigSchema = z
  .strictObject({
    send_resolved: z.boolean().default(false),
    to: z.string().min(1, { error: "missing to address in email config" }),
    from: z.string().min(1).optional(),
    smarthost: z
      .string()
      .regex(/^(\[[^\]]+\]|[^:[\]]+):\d{1,5}$/, { error: "smarthost must be host:port" })
      .optional(),
    hello: z.string().optional(),
    auth_username: z.string().optional(),
    auth_password: z.string().optional(),
    auth_password_file: secretFile(),
    auth_identity: z.string().optional(),
    require_tls: z.boolean().optional(),
    tls_config: smtpTlsConfig.optional(),
    timeout: amDuration().default(0),
    ...notSupportedFields(
      ["auth_secret", "auth_secret_file", "html", "text", "headers", "threading"] as const,
      "lineops sends its own HTML and text parts, see docs/channels.md",
    ),
  })
  .superRefine(oneOf("auth_password", false));
export type EmailConfig = z.output<typeof emailConfigSchema>;

const pagerDutySeverity = z.enum(["critical", "error", "warning", "info"]);

/** Alertmanager's <pagerduty_config> for the Events API v2 (routing_key). */
export const pagerDutyConfigSchema = z
  .strictObject({
    send_resolved: z.boolean().default(true),
    routing_key: z.string().min(1).optional(),
    routing_key_file: secretFile(),
    /** global.pagerduty_url, else PagerDuty's own Events API v2 URL. */
    url: webhookUrl.optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
    source: z.string().optional(),
    severity: pagerDutySeverity.optional(),
    class: z.string().optional(),
    component: z.string().optional(),
    group: z.string().optional(),
    http_config: httpConfigSchema.optional(),
    timeout: amDuration().default(0),
    service_key: notSupported("service_key", "Events API v1; use routing_key (Events API v2)"),
    service_key_file: notSupported("service_key_file", "Events API v1; use routing_key_file"),
    ...notSupportedFields(
      ["description", "details", "images", "links"] as const,
      "lineops fills these from the incident, see docs/channels.md",
    ),
  })
  .superRefine(oneOf("routing_key", true));
export type PagerDutyConfig = z.output<typeof pagerDutyConfigSchema>;

const mqttUrl = z.string().refine(
  (s) => {
    try {
      return ["mqtt:", "mqtts:", "ws:", "wss:"].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  },
  { error: "invalid MQTT broker URL (expected mqtt://, mqtts://, ws:// or wss://)" },
);

/** lineops: an MQTT broker feeding andon boards (docs/channels.md). */
export const mqttConfigSchema = z
  .strictObject({
    send_resolved: z.boolean().default(true),
    url: mqttUrl,
    topic_prefix: z
      .string()
      .min(1)
      .refine((s) => !/[#+]/.test(s), { error: "topic_prefix must not contain the wildcards # or +" })
      .default("lineops/andon"),
    client_id: z.string().min(1).max(64).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    password_file: secretFile(),
    message_expiry: nonZeroDuration("message_expiry").default(3600_000),
    timeout: amDuration().default(0),
    tls_config: smtpTlsConfig.optional(),
  })
  .superRefine(oneOf("password", false));
export type MqttConfig = z.output<typeof mqttConfigSchema>;

/** lineops: SMS through a Twilio-compatible HTTP gateway (docs/channels.md). */
export const smsConfigSchema = z
  .strictObject({
    send_resolved: z.boolean().default(true),
    /** Gateway base URL; Twilio's API when absent. */
    url: webhookUrl.optional(),
    account_sid: z.string().regex(/^[A-Za-z0-9]+$/, { error: "account_sid must be letters and digits" }),
    auth_token: z.string().min(1).optional(),
    auth_token_file: secretFile(),
    from: z.string().min(1),
    to: z.string().min(1),
    http_config: httpConfigSchema.optional(),
    timeout: amDuration().default(0),
  })
  .superRefine(oneOf("auth_token", true));
export type SmsConfig = z.output<typeof smsConfigSchema>;

const OTHER_RECEIVERS = [
  "discord_configs",
  "incidentio_configs",
  "opsgenie_configs",
  "wechat_configs",
  "pushover_configs",
  "victorops_configs",
  "sns_configs",
  "telegram_configs",
  "webex_configs",
  "msteams_configs",
  "msteamsv2_configs",
  "jira_configs",
  "rocketchat_configs",
  "mattermost_configs",
] as const;

export const receiverSchema = z.strictObject({
  name: z.string().min(1, { error: "missing name in receiver" }),
  webhook_configs: z.array(webhookConfigSchema).default([]),
  slack_configs: z.array(slackConfigSchema).default([]),
  email_configs: z.array(emailConfigSchema).default([]),
  pagerduty_configs: z.array(pagerDutyConfigSchema).default([]),
  mqtt_configs: z.array(mqttConfigSchema).default([]),
  sms_configs: z.array(smsConfigSchema).default([]),
  /** lineops: how hard the outbox tries this receiver's channels (docs/delivery.md). */
  delivery: channelPolicySchema.optional(),
  ...notSupportedFields(
    OTHER_RECEIVERS,
    "lineops sends webhook, slack, email, pagerduty, mqtt and sms configs; bridge other channels through a webhook",
  ),
});
export type ReceiverConfig = {
  name: string;
  webhook_configs: WebhookConfig[];
  slack_configs: SlackConfig[];
  email_configs: EmailConfig[];
  pagerduty_configs: PagerDutyConfig[];
  mqtt_configs: MqttConfig[];
  sms_configs: SmsConfig[];
  delivery?: z.output<typeof channelPolicySchema> | undefined;
};

/** Each string a matcher list, as route matchers; plus the older exact/regex maps. */
export const inhibitRuleSchema = z
  .strictObject({
    source_matchers: matcherList.default([]),
    target_matchers: matcherList.default([]),
    source_match: matchMap.default([]),
    source_match_re: matchReMap.default([]),
    target_match: matchMap.default([]),
    target_match_re: matchReMap.default([]),
    equal: z.array(utf8LabelName("equal")).default([]),
  })
  .transform((r) => ({
    /** Alertmanager's order: match, match_re, then matchers. */
    sourceMatchers: [...r.source_match, ...r.source_match_re, ...r.source_matchers],
    targetMatchers: [...r.target_match, ...r.target_match_re, ...r.target_matchers],
    equal: r.equal,
  }));
export type InhibitRuleConfig = z.output<typeof inhibitRuleSchema>;

/** Range strings; a YAML number (`years: [2026]`) is read as its text, as Alertmanager's YAML library does. */
const rangeList = z.array(z.union([z.string(), z.number().transform(String)])).optional();

const timeIntervalSpecSchema = z
  .strictObject({
    times: z
      .array(z.strictObject({ start_time: z.string().optional(), end_time: z.string().optional() }))
      .optional(),
    weekdays: rangeList,
    days_of_month: rangeList,
    months: rangeList,
    years: rangeList,
    location: z.string().optional(),
  })
  .transform((spec, ctx): TimeInterval => {
    try {
      return compileTimeInterval(spec);
    } catch (e) {
      if (!(e instanceof TimeIntervalError)) {
        throw e;
      }
      ctx.addIssue({
        code: "custom",
        path: e.index === undefined ? [e.field] : [e.field, e.index],
        message: e.message,
      });
      return z.NEVER;
    }
  });

const namedTimeIntervalSchema = z.strictObject({
  name: z.string().min(1, { error: "missing name in time interval" }),
  time_intervals: z.array(timeIntervalSpecSchema).default([]),
});
export type NamedTimeIntervalConfig = z.output<typeof namedTimeIntervalSchema>;

const OTHER_GLOBALS = [
  "smtp_auth_secret",
  "smtp_auth_secret_file",
  "smtp_tls_config",
  "opsgenie_api_url",
  "opsgenie_api_key",
  "opsgenie_api_key_file",
  "wechat_api_url",
  "wechat_api_secret",
  "wechat_api_corp_id",
  "victorops_api_url",
  "victorops_api_key",
  "victorops_api_key_file",
  "telegram_api_url",
  "webex_api_url",
  "jira_api_url",
  "rocketchat_api_url",
  "rocketchat_token",
  "rocketchat_token_id",
  "mattermost_webhook_url",
] as const;

export const globalSchema = z.strictObject({
  /** How long an alert posted without endsAt stays firing without being posted again. */
  resolve_timeout: amDuration().default(ALERTING_DEFAULTS.resolveTimeoutMs),
  /** Default http_config of every webhook that has none of its own. */
  http_config: httpConfigSchema.optional(),
  /** Defaults of every email_config that leaves them out, as Alertmanager's global smtp_*. */
  smtp_from: z.string().min(1).optional(),
  smtp_hello: z.string().default("localhost"),
  smtp_smarthost: z
    .string()
    .regex(/^(\[[^\]]+\]|[^:[\]]+):\d{1,5}$/, { error: "smtp_smarthost must be host:port" })
    .optional(),
  smtp_auth_username: z.string().optional(),
  smtp_auth_password: z.string().optional(),
  smtp_auth_password_file: z.string().min(1).optional(),
  smtp_auth_identity: z.string().optional(),
  /** Alertmanager's default: STARTTLS required. */
  smtp_require_tls: z.boolean().default(true),
  slack_api_url: webhookUrl.optional(),
  slack_api_url_file: z.string().min(1).optional(),
  pagerduty_url: webhookUrl.optional(),
  ...notSupportedFields(OTHER_GLOBALS, "not used by lineops's channels"),
});

/** The alerting configuration: an Alertmanager file, or lineops.yaml's `alerting:` section. */
export const alertingConfigSchema = z.strictObject({
  global: globalSchema.prefault({}),
  route: routeSchema.optional(),
  receivers: z.array(receiverSchema).default([]),
  inhibit_rules: z.array(inhibitRuleSchema).default([]),
  time_intervals: z.array(namedTimeIntervalSchema).default([]),
  /** The older name of time_intervals (deprecated in Alertmanager, still read). */
  mute_time_intervals: z.array(namedTimeIntervalSchema).default([]),
  /** Notification template files; checked to be a list of paths, not read yet. */
  templates: z.array(z.string().min(1)).default([]),
  tracing: notSupported("tracing", ""),
  /** lineops: escalation (docs/escalation.md): how people are reached, how long an acknowledgement holds. */
  escalation: z
    .strictObject({
      /** An acknowledgement holds this long unless the policy says otherwise; absent: until resolved. */
      ack_timeout: duration().optional(),
      /** The receivers whose first email/sms/slack config reaches a person at their own address. */
      contacts: z
        .strictObject({
          email: z.string().min(1).optional(),
          sms: z.string().min(1).optional(),
          chat: z.string().min(1).optional(),
        })
        .default({}),
    })
    .prefault({}),
});

/** The parsed file before whole-file validation (route may still be missing). */
export type AlertingConfigInput = z.output<typeof alertingConfigSchema>;
