// Imports a Grafana dashboard JSON (as exported by Grafana's "Export" or its HTTP API) into lineops's
// dashboard model: time series, stat, gauge, bar gauge, table and state timeline panels with
// Prometheus queries, template variables, time range and refresh. What has no counterpart is left out
// and named in a warning, never silently dropped.
import { ZodError } from "zod";
import type { REDUCERS } from "./model.js";
import {
  DASHBOARD_LIMITS,
  dashboardSchema,
  UID_PATTERN,
  VARIABLE_TYPES,
  type Dashboard,
  type DashboardInput,
  type PanelType,
} from "./model.js";

export type GrafanaImport = { dashboard: Dashboard; warnings: string[] };

export class GrafanaImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GrafanaImportError";
  }
}

/** Grafana panel types and the lineops panel each becomes (the old Angular ones included). */
const PANEL_TYPE_OF: Record<string, PanelType> = {
  timeseries: "timeseries",
  graph: "timeseries",
  stat: "stat",
  singlestat: "stat",
  gauge: "gauge",
  bargauge: "bargauge",
  table: "table",
  "table-old": "table",
  "state-timeline": "state-timeline",
};

/** Grafana's reducer ids that lineops's panels compute; others fall back to lastNotNull with a warning. */
const REDUCER_OF: Record<string, (typeof REDUCERS)[number]> = {
  lastNotNull: "lastNotNull",
  last: "last",
  firstNotNull: "first",
  first: "first",
  mean: "mean",
  max: "max",
  min: "min",
  sum: "sum",
  // singlestat's valueName
  current: "lastNotNull",
  avg: "mean",
  total: "sum",
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * Converts `input` (a Grafana dashboard, or the {dashboard, meta} envelope of Grafana's API).
 * Throws GrafanaImportError when it is not a dashboard at all, or when the converted dashboard breaks
 * lineops's limits (the message names the field).
 */
export function importGrafanaDashboard(input: unknown): GrafanaImport {
  const source = isObject(input) && isObject(input.dashboard) ? input.dashboard : input;
  if (!isObject(source)) {
    throw new GrafanaImportError("not a Grafana dashboard: expected a JSON object");
  }
  const title = str(source.title)?.trim();
  if (!title) {
    throw new GrafanaImportError("not a Grafana dashboard: title is missing");
  }
  const warnings: string[] = [];
  const out: DashboardInput = {
    uid: uidOf(source.uid, title, warnings),
    title: title.slice(0, 200),
    tags: Array.isArray(source.tags)
      ? source.tags.filter((t): t is string => typeof t === "string").slice(0, 20)
      : [],
    variables: [],
    panels: [],
  };
  const description = str(source.description);
  if (description) {
    out.description = description.slice(0, DASHBOARD_LIMITS.textChars);
  }
  if (isObject(source.time) && str(source.time.from) && str(source.time.to)) {
    out.time = { from: str(source.time.from) as string, to: str(source.time.to) as string };
  }
  const refresh = str(source.refresh);
  if (refresh) {
    out.refresh = refresh;
  }
  out.variables = variablesOf(source, warnings);
  out.panels = panelsOf(source, warnings);
  if (isObject(source.annotations) && Array.isArray(source.annotations.list)) {
    const custom = source.annotations.list.filter((a) => isObject(a) && a.builtIn !== 1);
    if (custom.length > 0) {
      warnings.push(
        `annotations: ${custom.length} annotation queries left out (lineops annotates deployments and incidents itself)`,
      );
    }
  }
  try {
    return { dashboard: dashboardSchema.parse(out), warnings };
  } catch (err) {
    if (err instanceof ZodError) {
      const first = err.issues[0];
      throw new GrafanaImportError(
        `the converted dashboard is not valid: ${first?.path.join(".") ?? ""}: ${first?.message ?? err.message}`,
      );
    }
    throw err;
  }
}

function uidOf(uid: unknown, title: string, warnings: string[]): string {
  const given = str(uid);
  if (given !== undefined && UID_PATTERN.test(given)) {
    return given;
  }
  const slug =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "dashboard";
  if (given !== undefined) {
    warnings.push(`uid ${JSON.stringify(given.slice(0, 60))} is not a valid lineops uid: using ${slug}`);
  }
  return slug;
}

/**
 * Panels of the dashboard in reading order with their JSON path (for warnings), rows flattened
 * (collapsed rows keep theirs inside); schemaVersion < 16 keeps panels inside rows[].
 */
function flatPanels(source: Json): { path: string; panel: Json }[] {
  const list: { path: string; panel: Json }[] = [];
  const visit = (panels: unknown, at: string) => {
    if (!Array.isArray(panels)) {
      return;
    }
    panels.forEach((p, i) => {
      if (!isObject(p)) {
        return;
      }
      const path = `${at}[${i}]`;
      list.push({ path, panel: p });
      if (p.type === "row") {
        visit(p.panels, `${path}.panels`);
      }
    });
  };
  visit(source.panels, "panels");
  if (Array.isArray(source.rows)) {
    source.rows.forEach((row, i) => {
      if (isObject(row)) {
        visit(row.panels, `rows[${i}].panels`);
      }
    });
  }
  return list;
}

function panelsOf(source: Json, warnings: string[]): DashboardInput["panels"] {
  const panels: NonNullable<DashboardInput["panels"]> = [];
  const usedIds = new Set<number>();
  let legacyY = 0;
  for (const { path, panel: p } of flatPanels(source)) {
    const grafanaType = str(p.type) ?? "?";
    const name = `${path} ${JSON.stringify(str(p.title) ?? "")} (${grafanaType})`;
    if (grafanaType === "row") {
      continue;
    }
    const type = PANEL_TYPE_OF[grafanaType];
    if (type === undefined) {
      warnings.push(`${name}: panel type not supported, left out`);
      continue;
    }
    if (panels.length >= DASHBOARD_LIMITS.panels) {
      warnings.push(`${name}: more than ${DASHBOARD_LIMITS.panels} panels, left out`);
      continue;
    }
    let id =
      num(p.id) !== undefined && Number.isInteger(p.id) && (p.id as number) >= 1 ? (p.id as number) : 1;
    while (usedIds.has(id) || id > 1_000_000) {
      id = id > 1_000_000 ? 1 : id + 1;
    }
    usedIds.add(id);
    const grid = gridOf(p, legacyY);
    legacyY = Math.max(legacyY, grid.y + grid.h);
    const defaults =
      isObject(p.fieldConfig) && isObject(p.fieldConfig.defaults) ? p.fieldConfig.defaults : {};
    const panel: NonNullable<DashboardInput["panels"]>[number] = {
      id,
      type,
      title: (str(p.title) ?? "").slice(0, 200),
      grid,
      queries: queriesOf(p, name, type, warnings),
      thresholds: thresholdsOf(defaults, name, warnings),
    };
    const description = str(p.description);
    if (description) {
      panel.description = description.slice(0, DASHBOARD_LIMITS.textChars);
    }
    const unit = str(defaults.unit) ?? str(p.format);
    if (unit) {
      panel.unit = unit.slice(0, 50);
    }
    for (const key of ["min", "max"] as const) {
      const v = num(defaults[key]);
      if (v !== undefined) {
        panel[key] = v;
      }
    }
    const decimals = num(defaults.decimals);
    if (decimals !== undefined && Number.isInteger(decimals) && decimals >= 0 && decimals <= 10) {
      panel.decimals = decimals;
    }
    const reduce = reducerOf(p, name, warnings);
    if (reduce) {
      panel.reduce = reduce;
    }
    panels.push(panel);
  }
  return panels;
}

function gridOf(p: Json, legacyY: number): { x: number; y: number; w: number; h: number } {
  const g = isObject(p.gridPos) ? p.gridPos : undefined;
  const int = (v: unknown, min: number, max: number, fallback: number) => {
    const n = num(v);
    return n === undefined ? fallback : Math.min(max, Math.max(min, Math.round(n)));
  };
  if (g === undefined) {
    // Old row layout: span of 12 columns; Grafana 4 heights were pixels (about 30 px a grid unit).
    const w = int(typeof p.span === "number" ? p.span * 2 : undefined, 1, 24, 24);
    return { x: 0, y: legacyY, w, h: 8 };
  }
  const w = int(g.w, 1, 24, 12);
  return { x: int(g.x, 0, 24 - w, 0), y: int(g.y, 0, 10_000, legacyY), w, h: int(g.h, 1, 100, 8) };
}

/** A target's data source, if it names one that is not Prometheus (or lineops, which speaks PromQL). */
function foreignDatasource(ds: unknown): string | undefined {
  if (isObject(ds)) {
    const type = str(ds.type);
    return type !== undefined && type !== "prometheus" && type !== "datasource" ? type : undefined;
  }
  return undefined;
}

function queriesOf(
  p: Json,
  name: string,
  type: PanelType,
  warnings: string[],
): NonNullable<DashboardInput["panels"]>[number]["queries"] {
  const queries: NonNullable<NonNullable<DashboardInput["panels"]>[number]["queries"]> = [];
  const panelForeign = foreignDatasource(p.datasource);
  const targets = Array.isArray(p.targets) ? p.targets : [];
  targets.forEach((t, i) => {
    if (!isObject(t) || t.hide === true) {
      return;
    }
    const foreign = foreignDatasource(t.datasource) ?? panelForeign;
    const expr = str(t.expr)?.trim();
    if (foreign !== undefined || expr === undefined) {
      warnings.push(
        `${name}: targets[${i}] is not a Prometheus query${foreign ? ` (data source ${foreign})` : ""}, left out`,
      );
      return;
    }
    if (expr === "") {
      return;
    }
    if (expr.length > DASHBOARD_LIMITS.exprChars) {
      warnings.push(
        `${name}: targets[${i}] is longer than ${DASHBOARD_LIMITS.exprChars} characters, left out`,
      );
      return;
    }
    if (queries.length >= DASHBOARD_LIMITS.queriesPerPanel) {
      warnings.push(
        `${name}: targets[${i}]: more than ${DASHBOARD_LIMITS.queriesPerPanel} queries, left out`,
      );
      return;
    }
    const query: (typeof queries)[number] = {
      expr,
      // Grafana's table panels default to range queries too; "instant" is what the target says.
      instant: t.instant === true && t.range !== true,
    };
    const legend = str(t.legendFormat);
    if (legend && legend !== "__auto") {
      query.legend = legend.slice(0, 500);
    }
    queries.push(query);
  });
  if (queries.length === 0 && type !== "table") {
    warnings.push(`${name}: no Prometheus query, imported empty`);
  }
  return queries;
}

function thresholdsOf(
  defaults: Json,
  name: string,
  warnings: string[],
): { value: number | null; color: string }[] {
  const t = isObject(defaults.thresholds) ? defaults.thresholds : undefined;
  if (t === undefined || !Array.isArray(t.steps)) {
    return [];
  }
  if (t.mode === "percentage") {
    warnings.push(`${name}: percentage thresholds are not supported, thresholds left out`);
    return [];
  }
  const steps: { value: number | null; color: string }[] = [];
  for (const s of t.steps.slice(0, 20)) {
    if (!isObject(s)) {
      continue;
    }
    const color = colorOf(str(s.color));
    if (color === undefined) {
      warnings.push(`${name}: threshold colour ${JSON.stringify(s.color)} not understood, step left out`);
      continue;
    }
    steps.push({ value: num(s.value) ?? null, color });
  }
  return steps;
}

/** Grafana's named colours map onto CSS names; rgb()/rgba() become hex (alpha dropped). */
function colorOf(c: string | undefined): string | undefined {
  if (c === undefined) {
    return undefined;
  }
  const named = /^(?:(?:semi-)?dark-|light-|super-light-)?([a-z]+)$/.exec(c);
  if (named?.[1]) {
    return named[1] === "text" ? "gray" : named[1];
  }
  if (/^#[0-9a-fA-F]{3,8}$/.test(c)) {
    return c;
  }
  const rgb = /^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*[\d.]+\s*)?\)$/.exec(c);
  if (rgb) {
    const hex = rgb.slice(1, 4).map((v) => Math.min(255, Number(v)).toString(16).padStart(2, "0"));
    return `#${hex.join("")}`;
  }
  return undefined;
}

function reducerOf(p: Json, name: string, warnings: string[]): (typeof REDUCERS)[number] | undefined {
  const options = isObject(p.options) ? p.options : {};
  const calcs = isObject(options.reduceOptions) ? options.reduceOptions.calcs : undefined;
  const id = Array.isArray(calcs) ? str(calcs[0]) : str(p.valueName);
  if (id === undefined) {
    return undefined;
  }
  const reduce = REDUCER_OF[id];
  if (reduce === undefined) {
    warnings.push(`${name}: reducer ${JSON.stringify(id)} not supported, using lastNotNull`);
  }
  return reduce;
}

function variablesOf(source: Json, warnings: string[]): DashboardInput["variables"] {
  const list =
    isObject(source.templating) && Array.isArray(source.templating.list) ? source.templating.list : [];
  const variables: NonNullable<DashboardInput["variables"]> = [];
  list.forEach((v, i) => {
    if (!isObject(v)) {
      return;
    }
    const name = str(v.name) ?? "";
    const where = `templating.list[${i}] ${JSON.stringify(name)}`;
    const type = str(v.type) ?? "";
    if (type === "datasource") {
      // lineops is the one data source: ${DS...} references resolve to it.
      return;
    }
    if (!(VARIABLE_TYPES as readonly string[]).includes(type)) {
      warnings.push(`${where}: variable type ${JSON.stringify(type)} not supported, left out`);
      return;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
      warnings.push(`${where}: not a valid variable name, left out`);
      return;
    }
    if (variables.length >= DASHBOARD_LIMITS.variables) {
      warnings.push(`${where}: more than ${DASHBOARD_LIMITS.variables} variables, left out`);
      return;
    }
    // Prometheus variable queries are a string, or {query, refId} since Grafana 9.
    const query =
      str(v.query) ?? (isObject(v.query) ? str(v.query.query) : undefined) ?? str(v.definition) ?? "";
    const variable: NonNullable<DashboardInput["variables"]>[number] = {
      name,
      type: type as (typeof VARIABLE_TYPES)[number],
      query: query.slice(0, DASHBOARD_LIMITS.exprChars),
      multi: v.multi === true,
      includeAll: v.includeAll === true,
    };
    const label = str(v.label);
    if (label) {
      variable.label = label.slice(0, 100);
    }
    const regex = str(v.regex);
    if (regex) {
      variable.regex = regex.slice(0, 500);
    }
    const allValue = str(v.allValue);
    if (allValue) {
      variable.allValue = allValue.slice(0, 500);
    }
    const current = isObject(v.current) ? v.current.value : undefined;
    if (typeof current === "string") {
      variable.default = current.slice(0, 500);
    } else if (Array.isArray(current)) {
      variable.default = current.filter((c): c is string => typeof c === "string").slice(0, 100);
    }
    variables.push(variable);
  });
  return variables;
}
