// Loads Prometheus rule files: schema validation plus parsing every expression, so a broken rule
// is reported as file:line:col: groups[i].rules[j].expr: <parse error> before anything runs.
import { loadYamlFile, parseYaml, type Validator } from "../../config/load.js";
import { ruleFileSchema, type RuleFile } from "../../config/rules-schema.js";
import { parseExpr } from "../promql/parser.js";
import { typeOf } from "../promql/ast.js";

const validExpressions: Validator<RuleFile> = (file) => {
  const problems: { path: (string | number)[]; message: string }[] = [];
  file.groups.forEach((g, i) =>
    g.rules.forEach((r, j) => {
      try {
        const t = typeOf(parseExpr(r.expr));
        if (t !== "vector" && t !== "scalar") {
          problems.push({
            path: ["groups", i, "rules", j, "expr"],
            message: `invalid expression type "${t}" for ${r.record !== undefined ? "recording" : "alerting"} rule; must be vector or scalar`,
          });
        }
      } catch (err) {
        problems.push({ path: ["groups", i, "rules", j, "expr"], message: (err as Error).message });
      }
    }),
  );
  return problems;
};

export function loadRuleFile(file: string): RuleFile {
  return loadYamlFile(file, ruleFileSchema, validExpressions);
}

/** A rule file's text (named `file` in messages), checked as loadRuleFile checks a file. */
export function parseRuleFile(text: string, file: string): RuleFile {
  return parseYaml(text, file, ruleFileSchema, validExpressions);
}
