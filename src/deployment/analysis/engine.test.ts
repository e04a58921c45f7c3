// The analysis against the real PromQL engine and TSDB: synthetic request counters and latencies
// for a stable and a canary revision, queried as a deployment would query them.
import { afterEach, describe, expect, it } from "vitest";
import { analysisTemplateSchema } from "../../config/deploy-schema.js";
import { Engine } from "../../monitoring/promql/engine.js";
import { promqlQuerier } from "../../monitoring/query.js";
import { Tsdb } from "../../monitoring/tsdb/tsdb.js";
import { AnalysisRun, type AnalysisQuerier, type AnalysisVerdict } from "./run.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { tmpDir } from "../../monitoring/tsdb/test-support/tmp.js";

const T0 = Date.parse("2026-03-02T06:00:00Z");
const STEP = 5_000;

describe("AnalysisRun with the PromQL engine and the TSDB", () => {
  let db: Tsdb | undefined;
  afterEach(() => {
    db?.close();
    db = undefined;
  });

  /** 10 minutes of 5 s samples: per revision and instance, request/error counters and a latency gauge. */
  function populate(storage: Tsdb, canary: { errorRatio: number; latencyShift: number }) {
    const app = storage.appender();
    for (let t = T0 - 300_000, k = 0; t <= T0 + 300_000; t += STEP, k++) {
      for (const [revision, errorRatio, shift] of [
        ["r1", 0.01, 0],
        ["r2", canary.errorRatio, canary.latencyShift],
      ] as const) {
        for (const instance of ["a", "b", "c"]) {
          const labels = { service: "quality", revision, instance };
          app.append({ ...labels, __name__: "http_requests_total" }, t, k * 100);
          app.append({ ...labels, __name__: "http_errors_total" }, t, k * 100 * errorRatio);
          // Deterministic jitter in ±25 ms so ranks mix when the shift is 0.
          const jitter = (((k * 7 + instance.charCodeAt(0) * 13) % 11) - 5) * 0.005;
          app.append({ ...labels, __name__: "request_latency_seconds" }, t, 0.25 + shift + jitter);
        }
      }
    }
    app.commit();
  }

  function engineQuery(storage: Tsdb): AnalysisQuerier {
    return promqlQuerier(new Engine({}), storage);
  }

  const template = analysisTemplateSchema.parse({
    name: "quality-slo",
    metrics: [
      {
        name: "error-ratio",
        query:
          'sum(rate(http_errors_total{service="{{args.service}}",revision="{{args.revision}}"}[1m])) / ' +
          'sum(rate(http_requests_total{service="{{args.service}}",revision="{{args.revision}}"}[1m]))',
        interval: "10s",
        count: 3,
        successCondition: "result < 0.05",
        failureCondition: "result >= 0.05",
      },
    ],
    comparisons: [
      {
        name: "latency",
        query: 'request_latency_seconds{service="{{args.service}}",revision="{{args.revision}}"}',
        interval: "10s",
        minSamples: 12,
      },
    ],
  });

  async function runOn(storage: Tsdb): Promise<{ verdict: AnalysisVerdict; run: AnalysisRun }> {
    const sched = new ManualClock(T0);
    const run = new AnalysisRun({
      templates: [template],
      args: { service: "quality", revision: "r2", baselineRevision: "r1" },
      querier: engineQuery(storage),
      clock: sched,
    });
    let verdict: AnalysisVerdict | undefined;
    void run.start().then((v) => (verdict = v));
    for (let i = 0; i < 200 && verdict === undefined; i++) {
      await sched.advance(1_000);
    }
    if (verdict === undefined) {
      throw new Error(`no verdict: ${JSON.stringify(run.snapshot())}`);
    }
    return { verdict, run };
  }

  it("passes a healthy canary", async () => {
    db = Tsdb.open(tmpDir(), { walFlushIntervalMs: 0 });
    populate(db, { errorRatio: 0.01, latencyShift: 0 });
    const { verdict, run } = await runOn(db);
    expect(verdict).toEqual({ phase: "Successful", message: "all 2 metrics successful" });
    const [metric, comparison] = run.snapshot().metrics;
    expect(metric?.measurements.map((m) => m.values)).toEqual([["0.01"], ["0.01"], ["0.01"]]);
    expect(comparison?.measurements.at(-1)?.stats).toMatchObject({ n1: 12, n2: 12 });
  });

  it("fails a canary with a high error ratio", async () => {
    db = Tsdb.open(tmpDir(), { walFlushIntervalMs: 0 });
    populate(db, { errorRatio: 0.2, latencyShift: 0 });
    const { verdict } = await runOn(db);
    expect(verdict).toEqual({
      phase: "Failed",
      message: 'metric "error-ratio": failed (1) > failureLimit (0)',
    });
  });

  it("fails a canary 200 ms slower than the baseline", async () => {
    db = Tsdb.open(tmpDir(), { walFlushIntervalMs: 0 });
    populate(db, { errorRatio: 0.01, latencyShift: 0.2 });
    const { verdict } = await runOn(db);
    expect(verdict.phase).toBe("Failed");
    expect(verdict.message).toMatch(/^comparison "latency": canary significantly higher: canary median 0\.4/);
  });
});
