import { describe, expect, it } from "vitest";
import { analysisTemplateSchema, strategySchema } from "../../config/deploy-schema.js";
import type { LineSpec } from "../../config/line-schema.js";
import { queryProblem, validateLineAnalysis, validateTemplates } from "./templates.js";

const tpl = (input: Record<string, unknown>) => analysisTemplateSchema.parse(input);
const service = (name: string, strategy: Record<string, unknown>) =>
  ({ name, strategy: strategySchema.parse(strategy) }) as unknown as LineSpec["services"][number];

describe("queryProblem", () => {
  it("accepts placeholders in strings, regexes and number positions", () => {
    expect(
      queryProblem('rate(errors{revision="{{args.revision}}",station=~"{{ args.stations }}"}[1m])'),
    ).toBeUndefined();
    expect(queryProblem("up > {{args.threshold}}")).toBeUndefined();
  });

  it("reports PromQL parse errors and bad placeholders", () => {
    expect(queryProblem("rate(errors[1m]")).toMatch(/^1:\d+: parse error: /);
    expect(queryProblem('up{job="{{arg.job}}"}')).toBe(
      "unsupported placeholder {{arg.job}} (use {{args.NAME}})",
    );
    expect(queryProblem('up{job="{{args.job}}"')).toMatch(
      /parse error.*\(with placeholders replaced by "x"\)$/,
    );
  });
});

describe("validateTemplates", () => {
  it("reports each broken query and condition at its path", () => {
    const problems = validateTemplates([
      tpl({
        name: "ok",
        metrics: [
          { name: "m", query: 'errors{revision="{{args.revision}}"}', successCondition: "result < 0.05" },
        ],
        comparisons: [{ name: "lat", query: 'latency{revision="{{args.revision}}"}' }],
        kpis: [{ name: "oee", query: 'oee{station=~"{{args.stations}}"}' }],
      }),
      tpl({
        name: "bad",
        metrics: [
          {
            name: "m",
            query: "rate(x[1m]",
            successCondition: "result < 0.05)",
            failureCondition: "result >",
          },
          { name: "m", query: "up" },
        ],
        comparisons: [{ name: "c", query: "latency" }],
        kpis: [{ name: "k", query: "oee" }],
      }),
      tpl({ name: "ok" }),
    ]);
    expect(
      problems.map((p) => [p.path.join("."), p.message.replace(/parse error: .*/, "parse error")]),
    ).toEqual([
      ["analysisTemplates.1.metrics.0.query", "1:11: parse error"],
      ["analysisTemplates.1.metrics.1.name", 'duplicate metric "m" in template "bad"'],
      [
        "analysisTemplates.1.comparisons.0.query",
        "a comparison query must select the revision with {{args.revision}} (it runs once per revision)",
      ],
      [
        "analysisTemplates.1.kpis.0.query",
        "a KPI query must select the stations with {{args.stations}} (it runs for canary and baseline stations)",
      ],
      ["analysisTemplates.1.metrics.0.successCondition", '1:14: unexpected ")"'],
      ["analysisTemplates.1.metrics.0.failureCondition", "1:9: unexpected end of input"],
      ["analysisTemplates.2.name", 'duplicate analysis template "ok"'],
    ]);
  });
});

describe("validateLineAnalysis", () => {
  const templates = [
    tpl({
      name: "errors",
      metrics: [{ name: "error-rate", query: 'errors{service="{{args.service}}",job="{{args.job}}"}' }],
    }),
    tpl({ name: "per-station", kpis: [{ name: "oee", query: 'oee{station=~"{{args.stations}}"}' }] }),
    tpl({ name: "errors-too", metrics: [{ name: "error-rate", query: "up" }] }),
  ];

  it("names the unknown template and the service, and the arguments nobody provides", () => {
    const problems = validateLineAnalysis({
      analysisTemplates: templates,
      services: [
        service("quality", {
          type: "canary",
          steps: [
            { setWeight: 20 },
            { analysis: { templates: ["errors", "latncy"], args: { job: "quality" } } },
            { analysis: { templates: ["errors", "errors-too"] } },
          ],
          analysis: { templates: ["per-station"] },
        }),
        service("mes", { type: "blueGreen", prePromotionAnalysis: { templates: ["per-station"] } }),
      ],
    });
    expect(problems).toEqual([
      {
        path: ["services", 0, "strategy", "steps", 1, "analysis", "templates", 1],
        message:
          'service "quality": unknown analysis template "latncy" (defined: "errors", "per-station", "errors-too")',
      },
      {
        path: ["services", 0, "strategy", "steps", 2, "analysis", "args"],
        message:
          'service "quality": template "errors" metric "error-rate" uses {{args.job}}, which this analysis does not provide ' +
          "(provided: service, revision, version, baselineRevision, stations, baselineStations; add it under args)",
      },
      {
        path: ["services", 0, "strategy", "steps", 2, "analysis", "templates", 1],
        message: 'service "quality": templates "errors" and "errors-too" both define a metric "error-rate"',
      },
      {
        path: ["services", 0, "strategy", "analysis", "args"],
        message:
          'service "quality": template "per-station" metric "oee" uses {{args.stations}}, which this analysis does not provide ' +
          "(provided: service, revision, baselineRevision; add it under args)",
      },
    ]);
  });
});
