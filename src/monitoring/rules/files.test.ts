// `lineops check rules` and rule loading: template problems reported with file:line:col, the rule's
// name and the position inside the template; every error names its rule.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../config/errors.js";
import { ALERT_TEMPLATE_DEFS, parseAlertTemplate, parseRuleFile, type TemplateParser } from "./files.js";

const file = [
  "groups:",
  "  - name: line",
  "    rules:",
  "      - alert: StationJammed",
  "        expr: station_jammed == 1",
  "        labels:",
  '          severity: "{{ $labels.sev "',
  "        annotations:",
  '          summary: "Station {{ $labels.station }} jammed"',
  '          description: "line one\\nline two {{ humanize $value"',
].join("\n");

function issues(text: string, parse?: TemplateParser): string[] {
  try {
    parseRuleFile(text, "rules.yaml", parse);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split("\n");
  }
  return [];
}

describe("rule file templates", () => {
  it("reports each broken template at its key with the rule's name and the template's line", () => {
    expect(issues(file)).toEqual([
      'rules.yaml:7:21: groups[0].rules[0].labels.severity: alerting rule "StationJammed": label "severity": template: __alert_StationJammed:1:16: unclosed action',
      'rules.yaml:10:24: groups[0].rules[0].annotations.description: alerting rule "StationJammed": annotation "description": template: __alert_StationJammed:2:28: unclosed action',
    ]);
  });

  it("hands every template to the parser with Prometheus's definitions and template name", () => {
    const seen: [string, string][] = [];
    const spy: TemplateParser = (text, name) => {
      seen.push([text, name]);
      if (text.includes("station }}")) {
        throw new Error("template: __alert_StationJammed:1:21: executing: boom");
      }
    };
    expect(issues(file, spy)).toEqual([
      'rules.yaml:9:20: groups[0].rules[0].annotations.summary: alerting rule "StationJammed": annotation "summary": template: __alert_StationJammed:1:21: executing: boom',
    ]);
    expect(seen.map(([, name]) => name)).toEqual(Array(3).fill("__alert_StationJammed"));
    expect(seen[1]?.[0]).toBe("Station {{ $labels.station }} jammed");
    expect(() => parseAlertTemplate("{{ $labels.x }} and {{ $value }}", "t")).not.toThrow();
    expect(ALERT_TEMPLATE_DEFS).toContain("{{$value := .Value}}");
  });

  it("names the rule in schema errors too", () => {
    const text =
      "groups:\n  - name: g\n    rules:\n      - alert: Hot\n        expr: up\n        for: soon\n";
    expect(issues(text)[0]).toMatch(/^rules\.yaml:6:14: groups\[0\]\.rules\[0\]\.for: alerting rule "Hot": /);
  });
});

describe("alerting rule fields", () => {
  it("refuses annotation names that are not label names and a __name__ label, as promtool", () => {
    const text = [
      "groups:",
      "  - name: g",
      "    rules:",
      "      - alert: Hot",
      "        expr: up == 0",
      "        labels:",
      "          __name__: x",
      "        annotations:",
      "          bad-name: y",
      "  - name: h",
      "    labels:",
      "      1st: z",
      "    rules: []",
    ].join("\n");
    const found = issues(text);
    expect(found).toHaveLength(3);
    expect(found[0]).toContain(
      'rules.yaml:7:21: groups[0].rules[0].labels.__name__: alerting rule "Hot": invalid label name: __name__',
    );
    expect(found[2]).toBe("rules.yaml:12:12: groups[1].labels.1st: invalid label name: 1st");
    expect(found[1]).toContain(
      'rules.yaml:9:21: groups[0].rules[0].annotations.bad-name: alerting rule "Hot": invalid annotation name: bad-name',
    );
  });
});
