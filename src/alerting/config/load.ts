// Loads an Alertmanager configuration (a file, or lineops.yaml's `alerting:` section) through the
// config layer's YAML loader, so every problem reads file:line:col: key.path: message, and applies
// Alertmanager's whole-file checks: the root route, receivers and time intervals that routes name.
import { loadYamlFile, parseYaml } from "../../config/load.js";
import { formatDuration } from "../../model/duration.js";
import { buildRouteTree, type Route } from "../routing/route-tree.js";
import type { TimeInterval } from "../routing/time-intervals.js";
import {
  ALERTING_DEFAULTS,
  alertingConfigSchema,
  type AlertingConfigInput,
  type ReceiverConfig,
  type RouteConfig,
} from "./schema.js";

type Path = (string | number)[];
export type ConfigProblem = { path: Path; message: string };

/** A valid alerting configuration, ready for the dispatcher. */
export type AlertingConfig = Omit<AlertingConfigInput, "route" | "receivers"> & {
  route: RouteConfig;
  /** Webhooks without http_config carry global.http_config, as Alertmanager fills them in. */
  receivers: ReceiverConfig[];
  /** time_intervals and the older mute_time_intervals, by name. */
  timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
  /** What Alertmanager logs as warnings at load (the config is still used), each naming the route. */
  warnings: string[];
};

/**
 * Alertmanager's whole-file checks, in its order. `prefix` is where the section sits in its file
 * (["alerting"] inside lineops.yaml) so the problems point at the right line.
 */
export function validateAlertingConfig(c: AlertingConfigInput, prefix: Path = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: Path, message: string) => problems.push({ path: [...prefix, ...path], message });

  const receivers = new Set<string>();
  c.receivers.forEach((r, i) => {
    if (receivers.has(r.name)) {
      at(["receivers", i, "name"], `notification config name "${r.name}" is not unique`);
    }
    receivers.add(r.name);
  });

  // Alertmanager fills these from global and refuses the file when neither has them.
  c.receivers.forEach((r, i) => {
    r.email_configs.forEach((e, j) => {
      if (e.smarthost === undefined && c.global.smtp_smarthost === undefined) {
        at(["receivers", i, "email_configs", j], "no global SMTP smarthost set");
      }
      if (e.from === undefined && c.global.smtp_from === undefined) {
        at(["receivers", i, "email_configs", j], "no global mail from address set");
      }
    });
    r.slack_configs.forEach((s, j) => {
      const global = c.global.slack_api_url !== undefined || c.global.slack_api_url_file !== undefined;
      if (s.api_url === undefined && s.api_url_file === undefined && !global) {
        at(["receivers", i, "slack_configs", j], "no global Slack API URL set either inline or in a file");
      }
    });
  });
  // lineops's delivery and escalation settings name receivers (or one `<receiver>/<type>/<index>`).
  const channelNames = new Set(
    c.receivers.flatMap((r) =>
      (["webhook", "slack", "email", "pagerduty", "mqtt", "sms"] as const).flatMap((type) =>
        (r[`${type}_configs`] as unknown[]).map((_, i) => `${r.name}/${type}/${i}`),
      ),
    ),
  );
  c.receivers.forEach((r, i) => {
    const fallback = r.delivery?.fallback;
    if (fallback !== undefined && !receivers.has(fallback) && !channelNames.has(fallback)) {
      at(["receivers", i, "delivery", "fallback"], `"${fallback}" is neither a receiver nor a channel`);
    }
    if (fallback === r.name) {
      at(["receivers", i, "delivery", "fallback"], "a receiver cannot be its own fallback");
    }
  });
  const contactConfigs = { email: "email_configs", sms: "sms_configs", chat: "slack_configs" } as const;
  for (const [method, receiver] of Object.entries(c.escalation.contacts)) {
    const r = c.receivers.find((x) => x.name === receiver);
    const field = contactConfigs[method as keyof typeof contactConfigs];
    if (r === undefined) {
      at(["escalation", "contacts", method], `undefined receiver "${receiver}"`);
    } else if (r[field].length === 0) {
      at(["escalation", "contacts", method], `receiver "${receiver}" has no ${field}`);
    }
  }
  if (c.global.slack_api_url !== undefined && c.global.slack_api_url_file !== undefined) {
    at(["global"], "at most one of slack_api_url & slack_api_url_file must be configured");
  }
  if (c.global.smtp_auth_password !== undefined && c.global.smtp_auth_password_file !== undefined) {
    at(["global"], "at most one of smtp_auth_password & smtp_auth_password_file must be configured");
  }

  const root = c.route;
  if (root === undefined) {
    at([], "no route provided in config");
    return problems;
  }
  if (root.continue) {
    at(["route", "continue"], "cannot have continue in root route");
  }
  if (root.receiver === undefined || root.receiver === "") {
    at(["route"], "root route must specify a default receiver");
  }
  if (root.match.length > 0 || root.match_re.length > 0 || root.matchers.length > 0) {
    const key = root.matchers.length > 0 ? "matchers" : root.match.length > 0 ? "match" : "match_re";
    at(["route", key], "root route must not have any matchers");
  }
  if (root.mute_time_intervals.length > 0) {
    at(["route", "mute_time_intervals"], "root route must not have any mute time intervals");
  }
  if (root.active_time_intervals.length > 0) {
    at(["route", "active_time_intervals"], "root route must not have any active time intervals");
  }

  const intervals = new Set<string>();
  c.mute_time_intervals.forEach((t, i) => {
    if (intervals.has(t.name)) {
      at(["mute_time_intervals", i, "name"], `mute time interval "${t.name}" is not unique`);
    }
    intervals.add(t.name);
  });
  c.time_intervals.forEach((t, i) => {
    if (intervals.has(t.name)) {
      at(["time_intervals", i, "name"], `time interval "${t.name}" is not unique`);
    }
    intervals.add(t.name);
  });

  const walk = (r: RouteConfig, path: Path) => {
    if (r.receiver !== undefined && r.receiver !== "" && !receivers.has(r.receiver)) {
      at([...path, "receiver"], `undefined receiver "${r.receiver}" used in route`);
    }
    for (const key of ["mute_time_intervals", "active_time_intervals"] as const) {
      r[key].forEach((name, i) => {
        if (!intervals.has(name)) {
          at([...path, key, i], `undefined time interval "${name}" used in route`);
        }
      });
    }
    r.routes.forEach((child, i) => walk(child, [...path, "routes", i]));
  };
  walk(root, ["route"]);
  return problems;
}

/** The route tree of a valid config, with lineops's defaults for timers the root leaves out. */
export function routeTreeOf(config: Pick<AlertingConfig, "route">): Route {
  return buildRouteTree(config.route, {
    groupWaitMs: ALERTING_DEFAULTS.groupWaitMs,
    groupIntervalMs: ALERTING_DEFAULTS.groupIntervalMs,
    repeatIntervalMs: ALERTING_DEFAULTS.repeatIntervalMs,
  });
}

/** Turns a schema-valid, validateAlertingConfig-clean section into the config the dispatcher uses. */
export function resolveAlertingConfig(c: AlertingConfigInput): AlertingConfig {
  if (c.route === undefined) {
    throw new Error("resolveAlertingConfig: validate the config first (no route)");
  }
  const timeIntervals = new Map<string, readonly TimeInterval[]>();
  for (const t of [...c.mute_time_intervals, ...c.time_intervals]) {
    timeIntervals.set(t.name, t.time_intervals);
  }
  const g = c.global;
  const globalHttp = g.http_config;
  /** Every HTTP notifier without an http_config of its own takes the global one, as in Alertmanager. */
  const withHttp = <T extends { http_config?: unknown }>(x: T): T =>
    x.http_config === undefined && globalHttp !== undefined ? { ...x, http_config: globalHttp } : x;
  const receivers = c.receivers.map((r): ReceiverConfig => ({
    name: r.name,
    webhook_configs: r.webhook_configs.map(withHttp),
    slack_configs: r.slack_configs.map((s) =>
      withHttp(
        s.api_url === undefined && s.api_url_file === undefined
          ? {
              ...s,
              ...(g.slack_api_url !== undefined ? { api_url: g.slack_api_url } : {}),
              ...(g.slack_api_url_file !== undefined ? { api_url_file: g.slack_api_url_file } : {}),
            }
          : s,
      ),
    ),
    // Each field falls back to its global on its own, as Alertmanager fills them in.
    email_configs: r.email_configs.map((e) => {
      const ownPassword = e.auth_password !== undefined || e.auth_password_file !== undefined;
      return {
        ...e,
        smarthost: e.smarthost ?? g.smtp_smarthost,
        from: e.from ?? g.smtp_from,
        hello: e.hello ?? g.smtp_hello,
        require_tls: e.require_tls ?? g.smtp_require_tls,
        ...(e.auth_username === undefined && g.smtp_auth_username !== undefined
          ? { auth_username: g.smtp_auth_username }
          : {}),
        ...(e.auth_identity === undefined && g.smtp_auth_identity !== undefined
          ? { auth_identity: g.smtp_auth_identity }
          : {}),
        ...(!ownPassword && g.smtp_auth_password !== undefined
          ? { auth_password: g.smtp_auth_password }
          : {}),
        ...(!ownPassword && g.smtp_auth_password_file !== undefined
          ? { auth_password_file: g.smtp_auth_password_file }
          : {}),
      };
    }),
    pagerduty_configs: r.pagerduty_configs.map((p) =>
      withHttp(p.url === undefined && g.pagerduty_url !== undefined ? { ...p, url: g.pagerduty_url } : p),
    ),
    mqtt_configs: r.mqtt_configs,
    sms_configs: r.sms_configs.map(withHttp),
    ...(r.delivery === undefined ? {} : { delivery: r.delivery }),
  }));
  const warnings: string[] = [];
  routeTreeOf({ route: c.route }).walk((r) => {
    if (r.opts.repeatIntervalMs < r.opts.groupIntervalMs) {
      warnings.push(
        `route ${r.key()}: repeat_interval (${formatDuration(r.opts.repeatIntervalMs)}) is less than ` +
          `group_interval (${formatDuration(r.opts.groupIntervalMs)}); notifications will not repeat until the next group_interval`,
      );
    }
  });
  return { ...c, route: c.route, receivers, timeIntervals, warnings };
}

/** Parses an Alertmanager configuration text (`source` names it in errors). Throws ConfigError. */
export function parseAlertingConfig(text: string, source = "alertmanager.yml"): AlertingConfig {
  return resolveAlertingConfig(
    parseYaml(text, source, alertingConfigSchema, (c) => validateAlertingConfig(c)),
  );
}

/** Reads and parses an Alertmanager configuration file. Throws ConfigError. */
export function loadAlertingConfig(file: string): AlertingConfig {
  return resolveAlertingConfig(loadYamlFile(file, alertingConfigSchema, (c) => validateAlertingConfig(c)));
}
