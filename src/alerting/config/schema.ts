// The supported subset of Alertmanager's configuration file as a zod schema: global, route (the
// routing tree), inhibit_rules, receivers (webhook), time_intervals and templates. Field names and
// per-field checks follow Alertmanager's config/config.go; whole-file checks (receivers and intervals
// that routes name) are in validate.ts. Fields Alertmanager has and lineops does not are refused as
// "not supported yet" by name, fields nobody has as unknown keys.
import { z } from "zod";
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
  })
  .superRefine((w, ctx) => {
    if (w.url === undefined && w.url_file === undefined) {
      ctx.addIssue({ code: "custom", message: "one of url or url_file must be configured" });
    }
    if (w.url !== undefined && w.url_file !== undefined) {
      ctx.addIssue({ code: "custom", message: "at most one of url & url_file must be configured" });
    }
  });
export type WebhookConfig = z.output<typeof webhookConfigSchema>;

const OTHER_RECEIVERS = [
  "discord_configs",
  "email_configs",
  "incidentio_configs",
  "pagerduty_configs",
  "slack_configs",
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
  ...notSupportedFields(
    OTHER_RECEIVERS,
    "lineops sends webhook_configs; bridge other channels through a webhook",
  ),
});
export type ReceiverConfig = { name: string; webhook_configs: WebhookConfig[] };

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
  "smtp_from",
  "smtp_hello",
  "smtp_smarthost",
  "smtp_auth_username",
  "smtp_auth_password",
  "smtp_auth_password_file",
  "smtp_auth_secret",
  "smtp_auth_identity",
  "smtp_require_tls",
  "smtp_tls_config",
  "slack_api_url",
  "slack_api_url_file",
  "pagerduty_url",
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
  ...notSupportedFields(OTHER_GLOBALS, "only webhook receivers are supported"),
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
});

/** The parsed file before whole-file validation (route may still be missing). */
export type AlertingConfigInput = z.output<typeof alertingConfigSchema>;
