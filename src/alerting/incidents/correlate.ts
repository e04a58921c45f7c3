// Correlation: which open incident an alert belongs to, and which of an incident's alerts is its
// probable root cause, with the reasoning in words. An alert belongs with an incident when the
// topology relates them (the same service, or one upstream of the other through dependsOn, with
// stations, devices and the line mapped to the services that serve them) or, failing that, when
// they share the values of the configured group_by labels (as Alertmanager groups).
import type { Labels } from "../../model/labels.js";
import type { IncidentRecord, RootCause } from "../../store/incidents.js";
import { LEVEL_RANK, type AlertScope, type TopologyIndex } from "./topology.js";

/** What correlation reads of an alert. */
export type MemberAlert = {
  fingerprint: string;
  labels: Labels;
  startsAt: number;
};

/** The group_by key of an alert: its values of those labels ("..." groups every alert in one, as Alertmanager). */
export function groupKeyOf(labels: Labels, groupBy: readonly string[]): string {
  if (groupBy.includes("...")) {
    return "{}";
  }
  const key: Record<string, string> = {};
  for (const name of [...groupBy].sort()) {
    key[name] = labels[name] ?? "";
  }
  return JSON.stringify(key);
}

/** Whether an alert belongs with an incident's members: related by topology, else the same group key. */
export function belongs(
  alert: MemberAlert,
  members: readonly MemberAlert[],
  incidentGroupKey: string,
  groupBy: readonly string[],
  topology: TopologyIndex,
): "topology" | "group" | undefined {
  const scope = topology.scope(alert.labels);
  if (scope !== undefined) {
    for (const m of members) {
      const other = topology.scope(m.labels);
      if (other !== undefined && topology.related(scope, other)) {
        return "topology";
      }
    }
  }
  return groupKeyOf(alert.labels, groupBy) === incidentGroupKey ? "group" : undefined;
}

const alertname = (a: MemberAlert) => a.labels.alertname ?? a.fingerprint;
const iso = (ms: number) => new Date(ms).toISOString();

/** "1..20" for a run of consecutive numbers, else the list. */
export function stationList(stations: readonly string[]): string {
  const sorted = [...new Set(stations)].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const nums = sorted.map(Number);
  const consecutive =
    sorted.length > 2 &&
    nums.every((n, i) => Number.isInteger(n) && (i === 0 || n === (nums[i - 1] as number) + 1));
  return consecutive ? `${sorted[0]}..${sorted[sorted.length - 1]}` : sorted.join(", ");
}

/**
 * The probable root cause among an incident's alerts: of the alerts about one service, those no
 * other alert's services are upstream of; of those the earliest to start (then the narrowest scope,
 * then the fingerprint, so the answer is stable). Undefined when no alert names one service.
 */
export function rootCauseOf(members: readonly MemberAlert[], topology: TopologyIndex): RootCause | undefined {
  const scoped = members
    .map((m) => ({ m, scope: topology.scope(m.labels) }))
    .filter((x): x is { m: MemberAlert; scope: AlertScope } => x.scope !== undefined);
  const candidates = scoped.filter(({ m, scope }) => {
    if (scope.services.size !== 1) {
      return false;
    }
    const above = topology.upstreamOfAll(scope.services);
    return !scoped.some((o) => o.m !== m && [...o.scope.services].some((s) => above.has(s)));
  });
  candidates.sort(
    (a, b) =>
      a.m.startsAt - b.m.startsAt ||
      LEVEL_RANK[a.scope.level] - LEVEL_RANK[b.scope.level] ||
      (a.m.fingerprint < b.m.fingerprint ? -1 : 1),
  );
  const root = candidates[0];
  if (root === undefined) {
    return undefined;
  }
  const service = [...root.scope.services][0] as string;
  const others = scoped.filter((o) => o.m !== root.m);
  const reasons: string[] = [];
  const downstream = [
    ...new Set(others.flatMap((o) => [...o.scope.services].filter((s) => s !== service))),
  ].filter((s) => topology.upstream(s).has(service));
  if (downstream.length > 0) {
    const chains = downstream
      .map((s) => topology.path(s, service))
      .filter((p): p is string[] => p !== undefined && p.length > 2)
      .map((p) => p.join(" -> "));
    reasons.push(
      `${service} is upstream of ${downstream.sort().join(", ")} (dependsOn${chains.length > 0 ? `: ${chains.join("; ")}` : ""})`,
    );
  }
  const stations = others
    .filter((o) => o.m.labels.station !== undefined)
    .map((o) => o.m.labels.station as string);
  if (stations.length > 0) {
    const serving = [...new Set(stations.flatMap((s) => topology.servingStation(s)))].sort();
    reasons.push(
      `station${new Set(stations).size > 1 ? "s" : ""} ${stationList(stations)} ${
        serving.length > 0
          ? `${new Set(stations).size > 1 ? "are" : "is"} served by ${serving.join(", ")}`
          : "alerting"
      }`,
    );
  }
  if (others.some((o) => o.scope.level === "line")) {
    reasons.push(`the line ${topology.topology.line ?? ""} runs on every service`.replace("  ", " "));
  }
  const firstOther = others.reduce<MemberAlert | undefined>(
    (f, o) => (f === undefined || o.m.startsAt < f.startsAt ? o.m : f),
    undefined,
  );
  if (firstOther === undefined) {
    reasons.push(`${alertname(root.m)} is the only alert`);
  } else if (root.m.startsAt <= firstOther.startsAt) {
    reasons.push(`its alert ${alertname(root.m)} started first (${iso(root.m.startsAt)})`);
  } else {
    reasons.push(
      `its alert ${alertname(root.m)} started at ${iso(root.m.startsAt)}, ${Math.round((root.m.startsAt - firstOther.startsAt) / 1000)} s after ${alertname(firstOther)}, but nothing alerting is upstream of it`,
    );
  }
  return {
    service,
    fingerprint: root.m.fingerprint,
    alertname: alertname(root.m),
    reason: reasons.join("; "),
  };
}

const SEVERITY_RANK = ["critical", "page", "error", "high", "warning", "medium", "info", "low", "none"];

/** The most severe `severity` label among the alerts (unknown values rank last). */
export function severityOf(members: readonly MemberAlert[]): string {
  const rank = (s: string) => {
    const i = SEVERITY_RANK.indexOf(s);
    return i < 0 ? SEVERITY_RANK.length : i;
  };
  let best = "none";
  for (const m of members) {
    const s = m.labels.severity ?? "none";
    if (rank(s) < rank(best)) {
      best = s;
    }
  }
  return best;
}

const PRIORITY_RANK: IncidentRecord["priority"][] = ["low", "medium", "high", "critical"];

/** An alert's ISA-18.2 priority: its `priority` label, else from its severity. */
export function priorityOfAlert(labels: Labels): IncidentRecord["priority"] {
  const p = labels.priority as IncidentRecord["priority"] | undefined;
  if (p !== undefined && PRIORITY_RANK.includes(p)) {
    return p;
  }
  switch (labels.severity) {
    case "critical":
    case "page":
      return "critical";
    case "error":
    case "high":
      return "high";
    case "warning":
    case "medium":
      return "medium";
    default:
      return "low";
  }
}

export function priorityOf(members: readonly MemberAlert[]): IncidentRecord["priority"] {
  return members.reduce<IncidentRecord["priority"]>((best, m) => {
    const p = priorityOfAlert(m.labels);
    return PRIORITY_RANK.indexOf(p) > PRIORITY_RANK.indexOf(best) ? p : best;
  }, "low");
}

/** "PLCDisconnected on plc-gateway (+24 related alerts)". */
export function titleOf(members: readonly MemberAlert[], root: RootCause | undefined): string {
  const first = members.find((m) => m.fingerprint === root?.fingerprint) ?? members[0];
  if (first === undefined) {
    return "incident";
  }
  const where =
    root?.service ?? first.labels.service ?? first.labels.job ?? first.labels.station ?? first.labels.line;
  const head = `${alertname(first)}${where === undefined ? "" : ` on ${where}`}`;
  const more = members.length - 1;
  return more > 0 ? `${head} (+${more} related alert${more === 1 ? "" : "s"})` : head;
}
