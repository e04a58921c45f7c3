// What makes an alert an alarm: its priority (an explicit `priority` label, else its severity
// mapped), the operator position it belongs to (line/station labels), and whether the line's state
// suppresses it by design (a stopped or changeover line makes starvation alarms meaningless).
import type { Labels } from "../../model/labels.js";
import type { AlarmPriorityName } from "../../store/alarms.js";
import { matchesAll } from "../routing/matchers.js";
import type { AlarmConfig } from "./config.js";

const PRIORITIES: ReadonlySet<string> = new Set(["low", "medium", "high", "critical"]);

export function priorityOf(labels: Labels, config: AlarmConfig): AlarmPriorityName {
  const explicit = labels[config.priorityLabel]?.toLowerCase();
  if (explicit !== undefined && PRIORITIES.has(explicit)) {
    return explicit as AlarmPriorityName;
  }
  const severity = labels.severity?.toLowerCase();
  return (severity === undefined ? undefined : config.severityPriorities[severity]) ?? config.defaultPriority;
}

/** The position's name: the values of the position labels present, joined by "/"; "plant" if none. */
export function positionOf(labels: Labels, config: AlarmConfig): string {
  const parts = config.positionLabels
    .map((n) => labels[n])
    .filter((v): v is string => v !== undefined && v !== "");
  return parts.length === 0 ? "plant" : parts.join("/");
}

/** One reading of line_state / station_state: which line (and station) is in which state. */
export type LineStateSample = { line?: string; station?: string; state: string };

/** A reading applies to an alarm on the same line (or any, if either names none) and station. */
function applies(s: LineStateSample, labels: Labels): boolean {
  return (
    (s.line === undefined || labels.line === undefined || s.line === labels.line) &&
    (s.station === undefined || s.station === labels.station)
  );
}

/** The state that suppresses this alarm by design now, if any. */
export function suppressingState(
  labels: Labels,
  states: readonly LineStateSample[],
  config: AlarmConfig,
): string | undefined {
  for (const rule of config.suppressionRules) {
    if (!matchesAll(rule.matchers, labels)) {
      continue;
    }
    const s = states.find((x) => rule.states.has(x.state) && applies(x, labels));
    if (s !== undefined) {
      return s.state;
    }
  }
  return undefined;
}
