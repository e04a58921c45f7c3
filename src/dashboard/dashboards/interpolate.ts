// Grafana's template-variable syntax in panel queries and titles ($var, ${var}, ${var:format},
// [[var]]) and its built-in interval variables, escaped the way Grafana's Prometheus data source
// escapes them. Pure: the web app runs the same code to draw a panel as the server does to check it.

/** The selected value(s) of one variable and whether it is multi-value (or has an "All" option). */
export type VariableValue = { value: string | string[]; multi: boolean };

/** The time context of a panel: $__interval and friends. */
export type IntervalContext = { rangeMs: number; intervalMs: number; scrapeIntervalMs: number };

// $var, ${var}, ${var:fmt}, [[var]], [[var:fmt]]; names as Grafana's variable regex allows.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

/** The names of the variables `text` refers to ($a, ${a}, ${a:csv}, [[a]]), in order, repeats included. */
export function referencedNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(VARIABLE)) {
    out.push(m[1] ?? m[2] ?? m[4] ?? "");
  }
  return out;
}

/** Escapes a value for a PromQL string (Grafana's prometheusRegularEscape). */
export function promStringEscape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/'/g, "\\\\'");
}

/** Escapes a value for a regular expression inside a PromQL string (prometheusSpecialRegexEscape). */
export function promRegexEscape(v: string): string {
  return v.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]'+?.()|]/g, "\\\\$&");
}

/** The Prometheus data source's default formatting: single values escaped, several as (a|b). */
function prometheusFormat(v: VariableValue): string {
  if (!v.multi) {
    return promStringEscape(Array.isArray(v.value) ? (v.value[0] ?? "") : v.value);
  }
  const values = (Array.isArray(v.value) ? v.value : [v.value]).map(promRegexEscape);
  return values.length === 1 ? (values[0] as string) : `(${values.join("|")})`;
}

const FORMATS: Record<string, (values: string[]) => string> = {
  raw: (vs) => vs.join(","),
  csv: (vs) => vs.join(","),
  pipe: (vs) => vs.join("|"),
  regex: (vs) => {
    const escaped = vs.map((v) => v.replace(/[\\^$*+?.()|{}[\]/]/g, "\\$&"));
    return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join("|")})`;
  },
  glob: (vs) => (vs.length === 1 ? (vs[0] as string) : `{${vs.join(",")}}`),
  json: (vs) => JSON.stringify(vs.length === 1 ? vs[0] : vs),
  text: (vs) => vs.join(" + "),
  singlequote: (vs) => vs.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(","),
  doublequote: (vs) => vs.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(","),
};

/** Grafana's interval rendering: the largest whole unit (ms, s, m, h, d). */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) {
      return `${ms / size}${unit}`;
    }
  }
  return ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${Math.max(1, Math.round(ms))}ms`;
}

/** The built-in variables of a panel's time context. */
export function builtinVariables(c: IntervalContext): Record<string, string> {
  // $__rate_interval: max($__interval + scrape interval, 4 × scrape interval), as Grafana defines it.
  const rate = Math.max(c.intervalMs + c.scrapeIntervalMs, 4 * c.scrapeIntervalMs);
  const rangeS = Math.max(1, Math.round(c.rangeMs / 1000));
  return {
    __interval: formatInterval(c.intervalMs),
    __interval_ms: String(Math.round(c.intervalMs)),
    __rate_interval: formatInterval(rate),
    __range: `${rangeS}s`,
    __range_s: String(rangeS),
    __range_ms: String(Math.round(c.rangeMs)),
  };
}

/**
 * Replaces every variable reference in `text`. References to unknown variables are left as they are,
 * as Grafana does (the query then fails with PromQL's own message naming them).
 */
export function interpolate(
  text: string,
  variables: Readonly<Record<string, VariableValue>>,
  builtins: Readonly<Record<string, string>> = {},
): string {
  return text.replace(
    VARIABLE,
    (whole, plain?: string, bracket?: string, bracketFmt?: string, braced?: string, bracedFmt?: string) => {
      const name = plain ?? bracket ?? braced ?? "";
      const format = bracketFmt ?? bracedFmt;
      const builtin = Object.hasOwn(builtins, name) ? builtins[name] : undefined;
      if (builtin !== undefined) {
        return builtin;
      }
      const v = Object.hasOwn(variables, name) ? variables[name] : undefined;
      if (v === undefined) {
        return whole;
      }
      if (format === undefined) {
        return prometheusFormat(v);
      }
      const apply = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
      return apply ? apply(Array.isArray(v.value) ? v.value : [v.value]) : prometheusFormat(v);
    },
  );
}

/** Grafana's legendFormat: {{label}} replaced by the series' label value (absent labels give ""). */
export function legendOf(format: string | undefined, labels: Readonly<Record<string, string>>): string {
  if (format === undefined || format === "") {
    const { __name__: name = "", ...rest } = labels;
    const inner = Object.entries(rest)
      .map(([k, v]) => `${k}="${v}"`)
      .join(", ");
    return inner ? `${name}{${inner}}` : name || "{}";
  }
  return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, k: string) => labels[k] ?? "");
}
