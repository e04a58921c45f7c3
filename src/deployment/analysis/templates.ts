// Checks of the analysis parts of line.yaml when it is applied, before any deployment runs them:
// references name defined templates, queries parse as PromQL, conditions compile, and every
// {{args.NAME}} is either provided by the rollout or given in the reference's args.
import type { AnalysisRef, AnalysisTemplate } from "../../config/deploy-schema.js";
import type { LineSpec } from "../../config/line-schema.js";
import { queryProblem as promqlProblem } from "../../monitoring/index.js";
import { argNames, badPlaceholder } from "./args.js";
import { compileCondition } from "./conditions.js";

/** A problem at a path inside line.yaml (the lead maps it to file:line:col). */
export type AnalysisProblem = { path: (string | number)[]; message: string };

/** Arguments the rollout passes to a step analysis (canary step, blue-green pre-promotion). */
export const STEP_ARGS = [
  "service",
  "revision",
  "version",
  "baselineRevision",
  "stations",
  "baselineStations",
];
/** Arguments the rollout passes to a canary's background analysis. */
export const BACKGROUND_ARGS = ["service", "revision", "baselineRevision"];

const DUMMIES = ["x", "0"];

/** Why a query with placeholders is not PromQL, or undefined. Placeholders become a dummy that fits strings and numbers. */
export function queryProblem(query: string): string | undefined {
  const bad = badPlaceholder(query);
  if (bad !== undefined) {
    return `unsupported placeholder ${bad} (use {{args.NAME}})`;
  }
  let first: string | undefined;
  for (const dummy of DUMMIES) {
    const problem = promqlProblem(query.replace(/\{\{\s*args\.[A-Za-z_][A-Za-z0-9_-]*\s*\}\}/g, dummy));
    if (problem === undefined) {
      return undefined;
    }
    first ??= problem;
  }
  return argNames(query).length > 0 ? `${first} (with placeholders replaced by "x")` : first;
}

/** Problems of the templates themselves; paths start at ["analysisTemplates", i]. */
export function validateTemplates(templates: readonly AnalysisTemplate[]): AnalysisProblem[] {
  const problems: AnalysisProblem[] = [];
  const names = new Map<string, number>();
  templates.forEach((t, i) => {
    const at = (...p: (string | number)[]) => ["analysisTemplates", i, ...p];
    if (names.has(t.name)) {
      problems.push({ path: at("name"), message: `duplicate analysis template "${t.name}"` });
    }
    names.set(t.name, i);
    const metricNames = new Set<string>();
    const parts = [
      ...t.metrics.map((m, j) => ({ kind: "metrics", j, m })),
      ...t.comparisons.map((m, j) => ({ kind: "comparisons", j, m })),
      ...t.kpis.map((m, j) => ({ kind: "kpis", j, m })),
    ];
    for (const { kind, j, m } of parts) {
      if (metricNames.has(m.name)) {
        problems.push({
          path: at(kind, j, "name"),
          message: `duplicate metric "${m.name}" in template "${t.name}"`,
        });
      }
      metricNames.add(m.name);
      const qp = queryProblem(m.query);
      if (qp !== undefined) {
        problems.push({ path: at(kind, j, "query"), message: qp });
      }
      if (kind === "comparisons" && !argNames(m.query).includes("revision")) {
        problems.push({
          path: at(kind, j, "query"),
          message:
            "a comparison query must select the revision with {{args.revision}} (it runs once per revision)",
        });
      }
      if (kind === "kpis" && !argNames(m.query).includes("stations")) {
        problems.push({
          path: at(kind, j, "query"),
          message:
            "a KPI query must select the stations with {{args.stations}} (it runs for canary and baseline stations)",
        });
      }
    }
    t.metrics.forEach((m, j) => {
      for (const key of ["successCondition", "failureCondition"] as const) {
        const src = m[key];
        if (src === undefined) {
          continue;
        }
        try {
          compileCondition(src);
        } catch (e) {
          problems.push({ path: at("metrics", j, key), message: e instanceof Error ? e.message : String(e) });
        }
      }
    });
  });
  return problems;
}

/** Problems of one reference; `path` locates the reference, `provided` the arguments the rollout passes. */
export function validateRef(
  ref: AnalysisRef,
  templates: readonly AnalysisTemplate[],
  service: string,
  path: (string | number)[],
  provided: readonly string[],
): AnalysisProblem[] {
  const problems: AnalysisProblem[] = [];
  const seen = new Map<string, string>();
  ref.templates.forEach((name, k) => {
    const t = templates.find((x) => x.name === name);
    if (!t) {
      const known = templates.map((x) => `"${x.name}"`).join(", ") || "none";
      problems.push({
        path: [...path, "templates", k],
        message: `service "${service}": unknown analysis template "${name}" (defined: ${known})`,
      });
      return;
    }
    for (const m of [...t.metrics, ...t.comparisons, ...t.kpis]) {
      const other = seen.get(m.name);
      if (other !== undefined && other !== name) {
        problems.push({
          path: [...path, "templates", k],
          message: `service "${service}": templates "${other}" and "${name}" both define a metric "${m.name}"`,
        });
      }
      seen.set(m.name, name);
      const missing = argNames(m.query).filter((a) => !provided.includes(a) && !Object.hasOwn(ref.args, a));
      if (missing.length > 0) {
        problems.push({
          path: [...path, "args"],
          message:
            `service "${service}": template "${name}" metric "${m.name}" uses ` +
            `${missing.map((a) => `{{args.${a}}}`).join(", ")}, which this analysis does not provide ` +
            `(provided: ${provided.join(", ")}; add it under args)`,
        });
      }
    }
  });
  return problems;
}

/** Everything above for a whole line: templates, then every service's analysis references. */
export function validateLineAnalysis(
  line: Pick<LineSpec, "services" | "analysisTemplates">,
): AnalysisProblem[] {
  const problems = validateTemplates(line.analysisTemplates);
  line.services.forEach((s, i) => {
    const check = (ref: AnalysisRef, p: (string | number)[], provided: readonly string[]) =>
      problems.push(
        ...validateRef(ref, line.analysisTemplates, s.name, ["services", i, "strategy", ...p], provided),
      );
    const st = s.strategy;
    if (st.type === "canary") {
      st.steps.forEach((step, k) => {
        if ("analysis" in step) {
          check(step.analysis, ["steps", k, "analysis"], STEP_ARGS);
        }
      });
      if (st.analysis) {
        check(st.analysis, ["analysis"], BACKGROUND_ARGS);
      }
    } else if (st.type === "blueGreen" && st.prePromotionAnalysis) {
      check(st.prePromotionAnalysis, ["prePromotionAnalysis"], STEP_ARGS);
    }
  });
  return problems;
}
