// Prometheus rule files (the format promtool checks): groups of recording and alerting rules.
import { z } from "zod";
import { duration } from "../model/duration.js";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A map whose keys must be label names, each bad key reported at its own path in promtool's words
 * (a key schema would only say "Invalid key in record"). Rules may not set __name__.
 */
const nameMap = (what: "label" | "annotation") =>
  z
    .record(z.string(), z.string())
    .superRefine((m, ctx) => {
      for (const k of Object.keys(m)) {
        if (!LABEL_NAME.test(k) || (what === "label" && k === "__name__")) {
          ctx.addIssue({ code: "custom", path: [k], message: `invalid ${what} name: ${k}` });
        }
      }
    })
    .default({});
const labels = nameMap("label");
const annotations = nameMap("annotation");

const rule = z
  .strictObject({
    record: z.string().regex(METRIC_NAME, "invalid recording rule name").optional(),
    alert: z.string().min(1).optional(),
    expr: z.union([z.string().min(1), z.number()]).transform(String),
    for: duration().optional(),
    keep_firing_for: duration().optional(),
    labels,
    annotations,
  })
  .superRefine((r, ctx) => {
    if ((r.record === undefined) === (r.alert === undefined)) {
      ctx.addIssue({ code: "custom", message: "a rule has exactly one of record and alert" });
    }
    if (r.record !== undefined) {
      for (const key of ["for", "keep_firing_for", "annotations"] as const) {
        const v = r[key];
        if (v !== undefined && !(typeof v === "object" && Object.keys(v).length === 0)) {
          ctx.addIssue({ code: "custom", path: [key], message: `invalid field "${key}" in recording rule` });
        }
      }
    }
  });

export const ruleFileSchema = z
  .strictObject({
    groups: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          interval: duration().optional(),
          limit: z.number().int().min(0).default(0),
          query_offset: duration().optional(),
          labels,
          rules: z.array(rule).default([]),
        }),
      )
      .default([]),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.groups.forEach((g, i) => {
      if (seen.has(g.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["groups", i, "name"],
          message: `groupname: "${g.name}" is repeated in the same file`,
        });
      }
      seen.add(g.name);
    });
  });

export type RuleFile = z.output<typeof ruleFileSchema>;
export type RuleGroupConfig = RuleFile["groups"][number];
export type RuleConfig = RuleGroupConfig["rules"][number];
