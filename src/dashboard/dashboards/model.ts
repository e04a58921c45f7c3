// The stored form of a user dashboard (JSON or YAML): panels of PromQL queries on a 24-column grid,
// template variables and a default time range. One schema serves files, the API and Grafana imports.
import { z } from "zod";
import { variableOrder } from "./variable-deps.js";

export const PANEL_TYPES = ["timeseries", "stat", "gauge", "bargauge", "table", "state-timeline"] as const;
export const VARIABLE_TYPES = ["query", "custom", "interval", "constant", "textbox"] as const;
export const REDUCERS = ["lastNotNull", "last", "first", "mean", "max", "min", "sum"] as const;

/** Bounds that keep one dashboard from costing the server or a browser without limit. */
export const DASHBOARD_LIMITS = {
  panels: 100,
  queriesPerPanel: 10,
  variables: 30,
  exprChars: 10_000,
  textChars: 2_000,
} as const;

export const UID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** CSS colour names and hex colours only: a colour ends up in a style attribute. */
const COLOR = /^(#[0-9a-fA-F]{3,8}|[a-z-]{3,30})$/;

const text = (max: number = DASHBOARD_LIMITS.textChars) => z.string().max(max);

export const queryTargetSchema = z.strictObject({
  expr: z.string().min(1).max(DASHBOARD_LIMITS.exprChars),
  /** Grafana's legendFormat: {{label}} placeholders. */
  legend: text(500).optional(),
  /** Evaluate at the end of the range only (tables, stats). */
  instant: z.boolean().default(false),
});

export const thresholdSchema = z.strictObject({
  /** null: the base colour, below every other step. */
  value: z.number().nullable(),
  color: z.string().regex(COLOR, "a hex colour (#rrggbb) or a CSS colour name"),
});

export const panelSchema = z.strictObject({
  id: z.number().int().min(1).max(1_000_000),
  type: z.enum(PANEL_TYPES),
  title: text(200).default(""),
  description: text().optional(),
  grid: z.strictObject({
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0).max(10_000),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1).max(100),
  }),
  queries: z.array(queryTargetSchema).max(DASHBOARD_LIMITS.queriesPerPanel).default([]),
  unit: text(50).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  decimals: z.number().int().min(0).max(10).optional(),
  thresholds: z.array(thresholdSchema).max(20).default([]),
  /** How stat, gauge and bar gauge panels reduce a series to one value. */
  reduce: z.enum(REDUCERS).default("lastNotNull"),
});

export const variableSchema = z.strictObject({
  name: z.string().regex(VARIABLE_NAME, "a variable name: letters, digits and _, not starting with a digit"),
  label: text(100).optional(),
  type: z.enum(VARIABLE_TYPES),
  /**
   * query: a Grafana Prometheus variable query (label_values(...), label_names(), metrics(...),
   * query_result(...)); custom: comma-separated values; interval: comma-separated durations;
   * constant/textbox: the value.
   */
  query: text(DASHBOARD_LIMITS.exprChars).default(""),
  /** A regular expression applied to the values a query returns (Grafana's variable regex). */
  regex: text(500).optional(),
  multi: z.boolean().default(false),
  includeAll: z.boolean().default(false),
  /** The value "All" stands for; default: every value, joined as a regex alternation. */
  allValue: text(500).optional(),
  default: z.union([text(500), z.array(text(500)).max(100)]).optional(),
});

export const dashboardSchema = z
  .strictObject({
    uid: z.string().regex(UID_PATTERN, "1–40 letters, digits, - or _"),
    title: z.string().min(1).max(200),
    description: text().optional(),
    tags: z.array(text(50)).max(20).default([]),
    /** Grafana's relative times ("now-6h", "now") or RFC 3339. */
    time: z.strictObject({ from: text(50), to: text(50) }).default({ from: "now-6h", to: "now" }),
    /** Auto-refresh interval ("" = off); live panels are pushed, this only re-reads the rest. */
    refresh: text(20).default(""),
    variables: z.array(variableSchema).max(DASHBOARD_LIMITS.variables).default([]),
    panels: z.array(panelSchema).max(DASHBOARD_LIMITS.panels).default([]),
    annotations: z
      .strictObject({ deployments: z.boolean().default(true), incidents: z.boolean().default(true) })
      .default({ deployments: true, incidents: true }),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<number, number>();
    d.panels.forEach((p, i) => {
      const first = seen.get(p.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["panels", i, "id"],
          message: `id ${p.id} is also panel ${first}'s`,
        });
      }
      seen.set(p.id, i);
      if (p.grid.x + p.grid.w > 24) {
        ctx.addIssue({
          code: "custom",
          path: ["panels", i, "grid"],
          message: "x + w exceeds the 24 columns",
        });
      }
    });
    const names = new Set<string>();
    d.variables.forEach((v, i) => {
      if (names.has(v.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["variables", i, "name"],
          message: `duplicate variable ${v.name}`,
        });
      }
      names.add(v.name);
    });
    // Chained variables (variable-deps.ts): a query may refer to other variables, never in a cycle.
    const order = variableOrder(d.variables);
    if ("cycle" in order) {
      ctx.addIssue({
        code: "custom",
        path: ["variables"],
        message: `variables ${order.cycle.join(" → ")} refer to each other in a cycle: a variable's query may use only variables that do not use it`,
      });
    }
  });

export type Dashboard = z.output<typeof dashboardSchema>;
export type DashboardInput = z.input<typeof dashboardSchema>;
export type Panel = z.output<typeof panelSchema>;
export type PanelType = Panel["type"];
export type DashboardVariable = z.output<typeof variableSchema>;
export type QueryTarget = z.output<typeof queryTargetSchema>;
