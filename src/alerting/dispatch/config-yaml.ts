// The running alerting configuration as GET /api/v2/status shows it (config.original): YAML with
// every secret replaced by `<secret>`, as Alertmanager prints its Secret fields. The parsed config
// no longer holds the text it came from (it may be a section of lineops.yaml), so it is printed
// back from its parsed form: matchers in `matchers:` form, durations as Prometheus prints them,
// time intervals by name with their windows left out (they are compiled at load).
import { stringify } from "yaml";
import { formatDuration } from "../../model/duration.js";
import type { AlertingConfig } from "../config/load.js";
import type { HttpConfig, RouteConfig } from "../config/schema.js";
import { formatMatcher } from "../routing/matchers.js";

const SECRET = "<secret>";

function routeYaml(r: RouteConfig): Record<string, unknown> {
  const matchers = [...r.match, ...r.match_re, ...r.matchers].map(formatMatcher);
  return {
    ...(r.receiver !== undefined ? { receiver: r.receiver } : {}),
    ...(r.group_by_all ? { group_by: ["..."] } : r.group_by !== undefined ? { group_by: r.group_by } : {}),
    ...(matchers.length > 0 ? { matchers } : {}),
    ...(r.continue ? { continue: true } : {}),
    ...(r.group_wait !== undefined ? { group_wait: formatDuration(r.group_wait) } : {}),
    ...(r.group_interval !== undefined ? { group_interval: formatDuration(r.group_interval) } : {}),
    ...(r.repeat_interval !== undefined ? { repeat_interval: formatDuration(r.repeat_interval) } : {}),
    ...(r.mute_time_intervals.length > 0 ? { mute_time_intervals: r.mute_time_intervals } : {}),
    ...(r.active_time_intervals.length > 0 ? { active_time_intervals: r.active_time_intervals } : {}),
    ...(r.routes.length > 0 ? { routes: r.routes.map(routeYaml) } : {}),
  };
}

function httpYaml(h: HttpConfig): Record<string, unknown> {
  return {
    ...(h.authorization
      ? {
          authorization: {
            type: h.authorization.type,
            ...(h.authorization.credentials !== undefined ? { credentials: SECRET } : {}),
            ...(h.authorization.credentials_file !== undefined
              ? { credentials_file: h.authorization.credentials_file }
              : {}),
          },
        }
      : {}),
    ...(h.basic_auth
      ? {
          basic_auth: {
            username: h.basic_auth.username,
            ...(h.basic_auth.username_file !== undefined
              ? { username_file: h.basic_auth.username_file }
              : {}),
            ...(h.basic_auth.password !== undefined ? { password: SECRET } : {}),
            ...(h.basic_auth.password_file !== undefined
              ? { password_file: h.basic_auth.password_file }
              : {}),
          },
        }
      : {}),
    ...(h.tls_config ? { tls_config: h.tls_config } : {}),
    follow_redirects: h.follow_redirects,
    enable_http2: h.enable_http2,
  };
}

/**
 * The P10 channel configs: every field printed except secrets, which become `<secret>` (file
 * paths stay, as Alertmanager prints them). Durations print as Prometheus writes them.
 */
const CHANNEL_SECRETS = new Set(["api_url", "auth_password", "routing_key", "password", "auth_token"]);
function channelsYaml(r: AlertingConfig["receivers"][number]): Record<string, unknown> {
  const print = (c: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(c)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => {
          if (CHANNEL_SECRETS.has(k)) {
            return [k, SECRET];
          }
          if (k === "http_config") {
            return [k, httpYaml(v as HttpConfig)];
          }
          if (k === "timeout" || k === "message_expiry") {
            return [k, formatDuration(v as number)];
          }
          return [k, v];
        }),
    );
  const out: Record<string, unknown> = {};
  for (const key of [
    "slack_configs",
    "email_configs",
    "pagerduty_configs",
    "mqtt_configs",
    "sms_configs",
  ] as const) {
    const list = (r[key] ?? []) as Record<string, unknown>[];
    if (list.length > 0) {
      out[key] = list.map(print);
    }
  }
  return out;
}

export function alertingConfigYaml(c: AlertingConfig): string {
  const doc = {
    global: {
      resolve_timeout: formatDuration(c.global.resolve_timeout),
      ...(c.global.http_config ? { http_config: httpYaml(c.global.http_config) } : {}),
    },
    route: routeYaml(c.route),
    ...(c.inhibit_rules.length > 0
      ? {
          inhibit_rules: c.inhibit_rules.map((r) => ({
            source_matchers: r.sourceMatchers.map(formatMatcher),
            target_matchers: r.targetMatchers.map(formatMatcher),
            ...(r.equal.length > 0 ? { equal: r.equal } : {}),
          })),
        }
      : {}),
    receivers: c.receivers.map((r) => ({
      name: r.name,
      ...(r.webhook_configs.length > 0
        ? {
            webhook_configs: r.webhook_configs.map((w) => ({
              send_resolved: w.send_resolved,
              ...(w.url !== undefined ? { url: SECRET } : {}),
              ...(w.url_file !== undefined ? { url_file: w.url_file } : {}),
              ...(w.http_config ? { http_config: httpYaml(w.http_config) } : {}),
              max_alerts: w.max_alerts,
              timeout: formatDuration(w.timeout),
              ...(w.signing_secret !== undefined ? { signing_secret: SECRET } : {}),
              ...(w.signing_secret_file !== undefined ? { signing_secret_file: w.signing_secret_file } : {}),
            })),
          }
        : {}),
      ...channelsYaml(r),
    })),
    ...(c.time_intervals.length + c.mute_time_intervals.length > 0
      ? { time_intervals: [...c.mute_time_intervals, ...c.time_intervals].map((t) => ({ name: t.name })) }
      : {}),
    ...(c.templates.length > 0 ? { templates: c.templates } : {}),
  };
  return stringify(doc);
}
