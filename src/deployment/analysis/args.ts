// `{{args.NAME}}` placeholders in analysis queries: which names a query uses, and the query with
// the run's arguments substituted (an argument the run lacks is an error, never an empty string).
import { AnalysisErrors } from "./errors.js";

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;

/** The argument names a query refers to, in order of first use. */
export function argNames(query: string): string[] {
  return [...new Set([...query.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/** Text between `{{` and `}}` that is not an `args.NAME` placeholder (a typo such as `{{arg.x}}`). */
export function badPlaceholder(query: string): string | undefined {
  const rest = query.replace(PLACEHOLDER, "");
  const m = /\{\{[^}]*\}\}|\{\{/.exec(rest);
  return m?.[0];
}

/** Substitutes every placeholder; throws LINEOPS_ERR_ANALYSIS_ARG_MISSING naming the first unknown one. */
export function renderQuery(query: string, args: Readonly<Record<string, string>>): string {
  const bad = badPlaceholder(query);
  if (bad !== undefined) {
    throw AnalysisErrors.argMissing(`unsupported placeholder ${bad} (use {{args.NAME}})`);
  }
  const missing = argNames(query).filter((n) => !Object.hasOwn(args, n));
  if (missing.length > 0) {
    const known = Object.keys(args).sort().join(", ") || "none";
    throw AnalysisErrors.argMissing(
      `unknown argument${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")} (the run has: ${known})`,
    );
  }
  return query.replace(PLACEHOLDER, (_m, name: string) => args[name] as string);
}
