// The Alerts page's filters, kept in the URL (/alerts?filter=…&state=firing&severity=critical&
// receiver=…) so a filtered view can be shared and reloaded, and what they mean for each list.
import type { Labels } from "../../api/prometheus.js";
import type { GroupQuery } from "./api.js";
import { formatMatcher, matches, parseMatchers, type ParsedMatcher } from "./matchers.js";

/** "" is every state; suppressed: silenced or inhibited in the dispatcher. */
export type StateFilter = "" | "pending" | "firing" | "suppressed";
export const STATES: readonly StateFilter[] = ["", "pending", "firing", "suppressed"];

export type Filters = {
  /** Matchers as typed (Alertmanager's syntax). */
  matchers: string;
  state: StateFilter;
  severity: string;
  /** A receiver name (sent as Alertmanager's anchored regex, so a name matches itself). */
  receiver: string;
  /** Silences: show expired ones too. */
  expired: boolean;
};

export const NO_FILTERS: Filters = { matchers: "", state: "", severity: "", receiver: "", expired: false };

export function readFilters(search: URLSearchParams): Filters {
  const state = search.get("state") ?? "";
  return {
    matchers: (search.get("filter") ?? "").slice(0, 4096),
    state: (STATES as readonly string[]).includes(state) ? (state as StateFilter) : "",
    severity: (search.get("severity") ?? "").slice(0, 256),
    receiver: (search.get("receiver") ?? "").slice(0, 256),
    expired: search.get("expired") === "1",
  };
}

export function writeFilters(f: Filters): string {
  const p = new URLSearchParams();
  if (f.matchers.trim() !== "") {
    p.set("filter", f.matchers.trim());
  }
  if (f.state !== "") {
    p.set("state", f.state);
  }
  if (f.severity !== "") {
    p.set("severity", f.severity);
  }
  if (f.receiver !== "") {
    p.set("receiver", f.receiver);
  }
  if (f.expired) {
    p.set("expired", "1");
  }
  const qs = p.toString();
  return qs === "" ? "/alerts" : `/alerts?${qs}`;
}

/** The regex metacharacters of RE2, escaped: a receiver name as a regex matching only itself. */
export function literalRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

export type Plan =
  | { error: string }
  | {
      matchers: ParsedMatcher[];
      /** The groups call; undefined when the state filter leaves no dispatched alert (pending). */
      groups: GroupQuery | undefined;
    };

/** What to ask the API and how to filter the rule alerts, or the matcher error to show. */
export function plan(f: Filters): Plan {
  const parsed = parseMatchers(f.matchers);
  if ("error" in parsed) {
    return parsed;
  }
  const ms = [...parsed.matchers];
  if (f.severity !== "") {
    ms.push({ name: "severity", op: "=", value: f.severity });
  }
  if (f.state === "pending") {
    return { matchers: ms, groups: undefined }; // pending alerts are not sent to the dispatcher
  }
  return {
    matchers: ms,
    groups: {
      filter: ms.map(formatMatcher),
      ...(f.receiver === "" ? {} : { receiver: literalRegex(f.receiver) }),
      active: f.state !== "suppressed",
      silenced: f.state !== "firing",
      inhibited: f.state !== "firing",
    },
  };
}

export type DispatchState = { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[] };

/** A label set as one key, independent of label order. */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** Whether a rule alert passes the filters, given its dispatched copy (undefined: none found). */
export function keepRuleAlert(
  a: { labels: Labels; state: "pending" | "firing" },
  dispatched: DispatchState | undefined,
  f: Filters,
  ms: readonly ParsedMatcher[],
): boolean {
  if (!matches(a.labels, ms)) {
    return false;
  }
  if (f.receiver !== "" && dispatched === undefined) {
    return false; // the groups answer is already filtered by receiver: not sent there
  }
  switch (f.state) {
    case "":
      return true;
    case "pending":
      return a.state === "pending";
    case "firing":
      return a.state === "firing" && dispatched?.state !== "suppressed";
    case "suppressed":
      return dispatched?.state === "suppressed";
  }
}
