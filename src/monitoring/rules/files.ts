// Loads Prometheus rule files: schema validation, every expression parsed and every label and
// annotation template of an alerting rule parsed, so a broken rule is reported before anything runs
// as file:line:col: groups[i].rules[j].<key>: <kind> rule "<name>": <problem> — the rule is named in
// every error, as promtool names it.
import { readFileSync } from "node:fs";
import { parse as parseLenient } from "yaml";
import { parseYaml, type Validator } from "../../config/load.js";
import { ConfigError } from "../../config/errors.js";
import { ruleFileSchema, type RuleConfig, type RuleFile } from "../../config/rules-schema.js";
import { parseExpr } from "../promql/parser.js";
import { typeOf } from "../promql/ast.js";
import {
  ALERT_TEMPLATE_PREFIX,
  parseAlertTemplate as parseGoAlertTemplate,
} from "../../model/gotemplate/index.js";

/** Parses a Go text/template; throws an Error whose message is Go's ("template: NAME:LINE: ..."). */
export type TemplateParser = (text: string, name: string) => void;

/**
 * What Prometheus puts before every alert template (on the same line, so positions in errors are
 * those of the text as written): $labels, $externalLabels, $externalURL and $value are defined.
 */
export const ALERT_TEMPLATE_DEFS = ALERT_TEMPLATE_PREFIX;

/**
 * The template check of `lineops check rules` and of loading rule files: the Go text/template
 * parser with Prometheus's functions (and `query`), as promtool checks them.
 */
export const parseAlertTemplate: TemplateParser = (text, name) => {
  parseGoAlertTemplate(text, name);
};

function ruleLabel(r: { alert?: unknown; record?: unknown }, index: number): string {
  if (typeof r.alert === "string") {
    return `alerting rule ${JSON.stringify(r.alert)}`;
  }
  if (typeof r.record === "string") {
    return `recording rule ${JSON.stringify(r.record)}`;
  }
  return `rule ${index + 1}`;
}

const validRules =
  (parseTemplate: TemplateParser): Validator<RuleFile> =>
  (file) => {
    const problems: { path: (string | number)[]; message: string }[] = [];
    file.groups.forEach((g, i) =>
      g.rules.forEach((r, j) => {
        const at = (...rest: (string | number)[]) => ["groups", i, "rules", j, ...rest];
        const who = ruleLabel(r, j);
        try {
          const t = typeOf(parseExpr(r.expr));
          if (t !== "vector" && t !== "scalar") {
            problems.push({
              path: at("expr"),
              message: `${who}: invalid expression type "${t}" for ${r.record !== undefined ? "recording" : "alerting"} rule; must be vector or scalar`,
            });
          }
        } catch (err) {
          problems.push({ path: at("expr"), message: `${who}: ${(err as Error).message}` });
        }
        problems.push(...templateProblems(r, who, parseTemplate).map((p) => ({ ...p, path: at(...p.path) })));
      }),
    );
    return problems;
  };

/** Problems of an alerting rule's label and annotation templates, as promtool words them. */
function templateProblems(
  r: RuleConfig,
  who: string,
  parseTemplate: TemplateParser,
): { path: string[]; message: string }[] {
  if (r.alert === undefined) {
    return [];
  }
  const out: { path: string[]; message: string }[] = [];
  const check = (kind: "label" | "annotation", key: string, text: string) => {
    try {
      parseTemplate(text, `__alert_${r.alert}`);
    } catch (err) {
      out.push({
        path: [kind === "label" ? "labels" : "annotations", key],
        message: `${who}: ${kind} ${JSON.stringify(key)}: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  };
  Object.entries(r.labels).forEach(([k, v]) => check("label", k, v));
  Object.entries(r.annotations).forEach(([k, v]) => check("annotation", k, v));
  return out;
}

/**
 * A rule file's text (named `file` in messages), validated. `parseTemplate` checks the alert
 * templates (tests pass a double; production uses parseAlertTemplate).
 */
export function parseRuleFile(
  text: string,
  file: string,
  parseTemplate: TemplateParser = parseAlertTemplate,
): RuleFile {
  try {
    return parseYaml(text, file, ruleFileSchema, validRules(parseTemplate));
  } catch (err) {
    throw err instanceof ConfigError ? nameRules(err, text) : err;
  }
}

export function loadRuleFile(file: string, parseTemplate: TemplateParser = parseAlertTemplate): RuleFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([{ file, line: 1, col: 1, path: "", message: `cannot read file (${reason})` }]);
  }
  return parseRuleFile(text, file, parseTemplate);
}

const RULE_PATH = /^groups\[(\d+)\]\.rules\[(\d+)\]/;

/**
 * Schema errors (found before the validator runs) name the rule too: its name is read from a
 * lenient parse of the same text. Issues that already name it (the validator's) are left as they are.
 */
function nameRules(err: ConfigError, text: string): ConfigError {
  if (!err.issues.some((i) => RULE_PATH.test(i.path))) {
    return err;
  }
  let doc: unknown;
  try {
    doc = parseLenient(text, { maxAliasCount: 100 });
  } catch {
    return err;
  }
  const groups = (doc as { groups?: unknown } | null)?.groups;
  let changed = false;
  const issues = err.issues.map((issue) => {
    const m = RULE_PATH.exec(issue.path);
    if (!m || !Array.isArray(groups) || /^(alerting |recording )?rule /.test(issue.message)) {
      return issue;
    }
    const rules = (groups[Number(m[1])] as { rules?: unknown } | undefined)?.rules;
    const rule: unknown = Array.isArray(rules) ? rules[Number(m[2])] : undefined;
    if (typeof rule !== "object" || rule === null) {
      return issue;
    }
    changed = true;
    return {
      ...issue,
      message: `${ruleLabel(rule as Record<string, unknown>, Number(m[2]))}: ${issue.message}`,
    };
  });
  return changed ? new ConfigError(issues) : err;
}
