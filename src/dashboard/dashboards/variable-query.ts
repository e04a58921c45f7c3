// The values of a dashboard variable: Grafana's Prometheus variable queries (label_names(),
// label_values(), metrics(), query_result()) answered by lineops's own series index and PromQL,
// and custom/interval/constant lists. Bounded: at most MAX_VALUES values, regexes through RE2.
import type { Labels } from "../../model/labels.js";
import { compileSearchRegex, type Regex } from "../../model/regexp.js";
import type { DashboardVariable } from "./model.js";

export const MAX_VALUES = 10_000;

/** What resolving a query variable needs from the MonitoringEngine. */
export type SeriesIndex = {
  labelNames(match: string[], startMs: number, endMs: number, limit?: number): string[];
  labelValues(name: string, match: string[], startMs: number, endMs: number, limit?: number): string[];
  series(match: string[], startMs: number, endMs: number, limit?: number): Labels[];
  /** An instant query's samples (query_result). */
  instant(expr: string, t: number): Promise<{ labels: Labels; value: number; t: number }[]>;
};

export class VariableQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VariableQueryError";
  }
}

type Parsed =
  | { fn: "label_names"; match?: string }
  | { fn: "label_values"; label: string; match?: string }
  | { fn: "metrics"; pattern: string }
  | { fn: "query_result"; expr: string };

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses a Prometheus variable query; anything else is refused with what was expected. */
export function parseVariableQuery(query: string): Parsed {
  const q = query.trim();
  const call = /^(label_names|label_values|metrics|query_result)\s*\(([\s\S]*)\)$/.exec(q);
  if (!call) {
    throw new VariableQueryError(
      `variable query ${JSON.stringify(q.slice(0, 80))}: expected label_names(), label_values([series,] label), metrics(regex) or query_result(expr)`,
    );
  }
  const fn = call[1] as Parsed["fn"];
  const args = (call[2] ?? "").trim();
  switch (fn) {
    case "label_names":
      return args === "" ? { fn } : { fn, match: args };
    case "metrics":
      return { fn, pattern: args };
    case "query_result":
      if (args === "") {
        throw new VariableQueryError("query_result() needs a PromQL expression");
      }
      return { fn, expr: args };
    case "label_values": {
      // The label is the last argument; the series selector before it may itself hold commas.
      const comma = args.lastIndexOf(",");
      const label = (comma < 0 ? args : args.slice(comma + 1)).trim();
      const match = comma < 0 ? undefined : args.slice(0, comma).trim();
      if (!LABEL_NAME.test(label)) {
        throw new VariableQueryError(`label_values(): ${JSON.stringify(label)} is not a label name`);
      }
      return match ? { fn, label, match } : { fn, label };
    }
  }
}

/** Grafana's query_result line: {labels} value timestamp-ms. */
function resultLine(s: { labels: Labels; value: number; t: number }): string {
  const { __name__: name = "", ...rest } = s.labels;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}="${v}"`)
    .join(", ");
  return `${name}{${inner}} ${s.value} ${s.t}`;
}

/** Grafana applies a variable's regex to each value; a capture group (or one named "value") picks part of it. */
function applyRegex(values: string[], regex: string | undefined, where: string): string[] {
  if (!regex) {
    return values;
  }
  // Grafana writes regexes as /pattern/flags; of the flags only i changes what matches.
  const slashed = /^\/([\s\S]*)\/([gimsuy]*)$/.exec(regex);
  const pattern = slashed ? `${slashed[2]?.includes("i") ? "(?i)" : ""}${slashed[1] ?? ""}` : regex;
  const re = compile(pattern, `${where}: regex ${JSON.stringify(regex)}`);
  const out: string[] = [];
  for (const v of values) {
    const m = re.exec(v);
    if (m) {
      out.push(m.groups?.value ?? (m.length > 1 ? (m[1] ?? "") : v));
    }
  }
  return out;
}

function compile(pattern: string, where: string): Regex {
  try {
    return compileSearchRegex(pattern);
  } catch (err) {
    throw new VariableQueryError(`${where}: ${(err as Error).message}`);
  }
}

/** The distinct values of `variable` over [startMs, endMs], sorted, regex applied, at most MAX_VALUES. */
export async function variableValues(
  variable: DashboardVariable,
  index: SeriesIndex,
  startMs: number,
  endMs: number,
): Promise<string[]> {
  const where = `variable ${variable.name}`;
  let values: string[];
  switch (variable.type) {
    case "custom":
    case "interval":
      values = variable.query
        .split(/(?<!\\),/)
        .map((v) => v.replace(/\\,/g, ",").trim())
        .filter((v) => v !== "");
      break;
    case "constant":
    case "textbox":
      values = [variable.query];
      break;
    case "query":
      values = await queryValues(parseVariableQuery(variable.query), index, startMs, endMs);
      break;
  }
  const unique = [...new Set(applyRegex(values, variable.regex, where))];
  return variable.type === "query" ? unique.sort().slice(0, MAX_VALUES) : unique.slice(0, MAX_VALUES);
}

async function queryValues(p: Parsed, index: SeriesIndex, startMs: number, endMs: number): Promise<string[]> {
  switch (p.fn) {
    case "label_names":
      return index.labelNames(p.match ? [p.match] : [], startMs, endMs, MAX_VALUES);
    case "label_values":
      return index.labelValues(p.label, p.match ? [p.match] : [], startMs, endMs, MAX_VALUES);
    case "metrics": {
      const names = index.labelValues("__name__", [], startMs, endMs, MAX_VALUES);
      const re = compile(p.pattern, "metrics()");
      return names.filter((n) => re.matches(n));
    }
    case "query_result":
      return (await index.instant(p.expr, endMs)).slice(0, MAX_VALUES).map(resultLine);
  }
}
