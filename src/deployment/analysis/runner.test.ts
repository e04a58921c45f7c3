import { describe, expect, it } from "vitest";
import { analysisTemplateSchema } from "../../config/deploy-schema.js";
import type { AnalysisRun } from "./run.js";
import { createAnalysisRunner } from "./runner.js";
import { ManualClock } from "../../test-support/manual-clock.js";

const T0 = Date.parse("2026-03-02T06:00:00Z");
const templates = [
  analysisTemplateSchema.parse({
    name: "errors",
    metrics: [
      {
        name: "error-rate",
        query: 'errors{job="{{args.job}}"}',
        interval: "10s",
        count: 2,
        successCondition: "result < 0.05",
      },
    ],
  }),
];

describe("createAnalysisRunner", () => {
  it("runs the referenced templates with the reference's args and reports each measurement", async () => {
    const sched = new ManualClock(T0);
    const runs: AnalysisRun[] = [];
    const runner = createAnalysisRunner({
      clock: sched,
      querier: { instant: async () => ({ type: "vector", samples: [{ labels: {}, t: 0, v: 0.01 }] }) },
      onRun: (r) => runs.push(r),
    });
    const progress: string[] = [];
    const measured: unknown[] = [];
    const p = runner(
      templates,
      { templates: ["errors"], args: { job: "q" } },
      { service: "quality" },
      new AbortController().signal,
      (line, m) => {
        progress.push(line);
        measured.push(m);
      },
    );
    await sched.advance(10_000);
    expect(await p).toEqual({ phase: "Successful", message: "all 1 metric successful" });
    expect(progress).toEqual([
      "errors/error-rate #1: Successful [0.01] (successCondition result < 0.05 met)",
      "errors/error-rate #2: Successful [0.01] (successCondition result < 0.05 met)",
    ]);
    expect(runs[0]?.snapshot().args).toEqual({ job: "q", service: "quality" });
    // The measurement itself comes with its line: the dashboard charts its values.
    expect(measured[1]).toMatchObject({
      template: "errors",
      metric: "error-rate",
      kind: "metric",
      seq: 2,
      phase: "Successful",
      values: ["0.01"],
    });
  });

  it("is an Error for an unknown template, and Cancelled when the rollout aborts", async () => {
    const sched = new ManualClock(T0);
    const runner = createAnalysisRunner({
      clock: sched,
      querier: { instant: async () => ({ type: "vector", samples: [] }) },
    });
    const signal = new AbortController().signal;
    expect(await runner(templates, { templates: ["latency"], args: {} }, {}, signal, () => {})).toEqual({
      phase: "Error",
      message: 'unknown analysis template "latency" (defined: "errors")',
    });
    const ctl = new AbortController();
    const p = runner(templates, { templates: ["errors"], args: { job: "q" } }, {}, ctl.signal, () => {}, {
      background: true,
    });
    ctl.abort();
    expect(await p).toEqual({ phase: "Cancelled", message: "cancelled" });
  });
});
