// Template variables on the page: which values are selected (the URL's, else the dashboard's
// default, else the first value), and the map interpolate.ts substitutes into queries.
import { interpolate, type VariableValue } from "../../../../src/dashboard/dashboards/interpolate.js";
import type { Variable } from "./api.js";
import { ALL } from "./url-state.js";

/** The selection to use: the URL's if it still names known values (or All), else the default. */
export function selectionOf(
  v: Variable,
  options: readonly string[],
  fromUrl: readonly string[] | undefined,
): string[] {
  const known = (x: string) => options.includes(x) || (x === ALL && v.includeAll) || v.type === "textbox";
  const urlPick = (fromUrl ?? []).filter(known);
  if (urlPick.length > 0) {
    return v.multi ? urlPick : urlPick.slice(0, 1);
  }
  const def = v.default === undefined ? [] : Array.isArray(v.default) ? v.default : [v.default];
  const defPick = def.map((d) => (d === "$__all" || d === "All" ? ALL : d)).filter(known);
  if (defPick.length > 0) {
    return v.multi ? defPick : defPick.slice(0, 1);
  }
  if (v.includeAll) {
    return [ALL];
  }
  return options.length > 0 ? [options[0]!] : [];
}

export type Substitutions = {
  /** Escaped by interpolate.ts as the Prometheus data source escapes them. */
  vars: Record<string, VariableValue>;
  /**
   * Inserted as written: a custom "All" value (".*") is a regex the author wrote, and Grafana leaves
   * it unescaped. interpolate.ts inserts built-ins verbatim, so these ride along with them.
   */
  raw: Record<string, string>;
};

export function substitutions(
  variables: readonly Variable[],
  selection: Readonly<Record<string, string[]>>,
  options: Readonly<Record<string, readonly string[]>>,
): Substitutions {
  const vars: Record<string, VariableValue> = {};
  const raw: Record<string, string> = {};
  for (const v of variables) {
    const picked = selection[v.name] ?? [];
    const multi = v.multi || v.includeAll;
    if (picked.includes(ALL)) {
      if (v.allValue !== undefined && v.allValue !== "") {
        raw[v.name] = v.allValue;
      } else {
        vars[v.name] = { value: [...(options[v.name] ?? [])], multi: true };
      }
      continue;
    }
    vars[v.name] = { value: multi ? picked : (picked[0] ?? ""), multi };
  }
  return { vars, raw };
}

/** A panel title with its variables' values, as people read them (no PromQL escaping, several joined by ", "). */
export function displayText(text: string, subs: Substitutions): string {
  const plain: Record<string, string> = { ...subs.raw };
  for (const [name, v] of Object.entries(subs.vars)) {
    plain[name] = Array.isArray(v.value) ? v.value.join(", ") : v.value;
  }
  return interpolate(text, {}, plain);
}
