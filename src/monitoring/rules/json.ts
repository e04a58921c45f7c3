// /api/v1/rules and /api/v1/alerts in Prometheus's JSON shapes (web/api/v1/api.go), which Grafana
// and promtool read: Go's time format, durations in float seconds, alert values as Go's 'e' format,
// lastError omitted when empty, groups left out when a filter leaves them no rule.
import { MonitoringErrors } from "../errors.js";
import type { Alert } from "./alert.js";
import { formatAlertValue, formatGoTime } from "./alert.js";
import type { GroupHealth } from "./manager.js";

export type RulesFilter = {
  type?: string | undefined;
  ruleName?: string[];
  ruleGroup?: string[];
  file?: string[];
  excludeAlerts?: string | undefined;
};

/** An alert in /api/v1/alerts and in an alerting rule's `alerts` (times RFC 3339, value Go's %e). */
export type ApiAlert = {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
  keepFiringSince?: string;
  value: string;
};

type RuleCommon = {
  name: string;
  query: string;
  labels: Record<string, string>;
  health: "ok" | "err" | "unknown";
  /** Absent when the last evaluation succeeded. */
  lastError?: string;
  /** Seconds. */
  evaluationTime: number;
  lastEvaluation: string;
};

export type ApiAlertingRule = RuleCommon & {
  state: "inactive" | "pending" | "firing";
  /** `for` and keep_firing_for in seconds. */
  duration: number;
  keepFiringFor: number;
  annotations: Record<string, string>;
  /** null with exclude_alerts=true. */
  alerts: ApiAlert[] | null;
  type: "alerting";
};

export type ApiRecordingRule = RuleCommon & { type: "recording" };

export type ApiRuleGroup = {
  name: string;
  file: string;
  rules: (ApiAlertingRule | ApiRecordingRule)[];
  /** Seconds. */
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
};

/** The `data` of GET /api/v1/rules. */
export type RulesData = { groups: ApiRuleGroup[] };
/** The `data` of GET /api/v1/alerts. */
export type AlertsData = { alerts: ApiAlert[] };

export function apiAlert(a: Alert & { state: "pending" | "firing" }): ApiAlert {
  return {
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    state: a.state,
    activeAt: formatGoTime(a.activeAt),
    ...(a.keepFiringSince !== undefined ? { keepFiringSince: formatGoTime(a.keepFiringSince) } : {}),
    value: formatAlertValue(a.value),
  };
}

/** The `data` of GET /api/v1/alerts: every pending and firing alert of every alerting rule. */
export function alertsJson(groups: GroupHealth[]): AlertsData {
  return {
    alerts: groups.flatMap((g) => g.rules.flatMap((r) => (r.alerting?.activeAlerts() ?? []).map(apiAlert))),
  };
}

/** The `data` of GET /api/v1/rules; throws bad_data (400) for a bad type= or exclude_alerts=. */
export function rulesJson(groups: GroupHealth[], f: RulesFilter = {}): RulesData {
  const type = (f.type ?? "").toLowerCase();
  if (type !== "" && type !== "alert" && type !== "record") {
    throw MonitoringErrors.badParameter(`invalid parameter "type": not supported value "${f.type}"`);
  }
  const excludeRaw = (f.excludeAlerts ?? "").toLowerCase();
  const bools: Record<string, boolean> = {
    "": false,
    "1": true,
    t: true,
    true: true,
    "0": false,
    f: false,
    false: false,
  };
  const excludeAlerts = bools[excludeRaw];
  if (excludeAlerts === undefined) {
    throw MonitoringErrors.badParameter(
      `invalid parameter "exclude_alerts": error converting exclude_alerts: strconv.ParseBool: parsing "${f.excludeAlerts}": invalid syntax`,
    );
  }
  const only = (list: string[] | undefined) => (list && list.length > 0 ? new Set(list) : undefined);
  const names = only(f.ruleName);
  const groupNames = only(f.ruleGroup);
  const files = only(f.file);
  const out: ApiRuleGroup[] = [];
  for (const g of groups) {
    if ((groupNames && !groupNames.has(g.name)) || (files && !files.has(g.file))) {
      continue;
    }
    const rules: ApiRuleGroup["rules"] = [];
    for (const r of g.rules) {
      if (names && !names.has(r.name)) {
        continue;
      }
      const common = {
        health: r.health,
        ...(r.lastError !== "" ? { lastError: r.lastError } : {}),
        evaluationTime: r.evaluationTimeMs / 1000,
        lastEvaluation: formatGoTime(r.lastEvaluation),
      };
      if (r.alerting) {
        if (type === "record") {
          continue;
        }
        const c = r.alerting.config;
        rules.push({
          state: r.alerting.state(),
          name: r.name,
          query: r.query,
          duration: c.holdMs / 1000,
          keepFiringFor: c.keepFiringForMs / 1000,
          labels: { ...c.labels },
          annotations: { ...c.annotations },
          alerts: excludeAlerts ? null : r.alerting.activeAlerts().map(apiAlert),
          ...common,
          type: "alerting",
        });
      } else {
        if (type === "alert") {
          continue;
        }
        rules.push({ name: r.name, query: r.query, labels: { ...r.labels }, ...common, type: "recording" });
      }
    }
    if (rules.length > 0) {
      out.push({
        name: g.name,
        file: g.file,
        rules,
        interval: g.intervalMs / 1000,
        limit: g.limit,
        evaluationTime: g.evaluationTimeMs / 1000,
        lastEvaluation: formatGoTime(g.lastEvaluation),
      });
    }
  }
  return { groups: out };
}
