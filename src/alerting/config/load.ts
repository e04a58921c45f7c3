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
  const globalHttp = c.global.http_config;
  const receivers = c.receivers.map((r) => ({
    name: r.name,
    webhook_configs: r.webhook_configs.map((w) =>
      w.http_config === undefined && globalHttp !== undefined ? { ...w, http_config: globalHttp } : w,
    ),
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
