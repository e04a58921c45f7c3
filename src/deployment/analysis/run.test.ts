import { describe, expect, it } from "vitest";
import { analysisTemplateSchema, type AnalysisTemplate } from "../../config/deploy-schema.js";
import { parseSampleValue } from "../../model/sample-value.js";
import type { QueryValue } from "../../monitoring/index.js";
import {
  AnalysisRun,
  degradation,
  resolveTemplates,
  type AnalysisRunOptions,
  type AnalysisVerdict,
  type Measurement,
  type VerdictEvent,
} from "./run.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { prng } from "../../test-support/prng.js";

const T0 = Date.parse("2026-03-02T06:00:00Z");
const ARGS = {
  service: "quality",
  revision: "r2",
  baselineRevision: "r1",
  stations: "s1",
  baselineStations: "s2|s3",
};

/** A vector answer, one series per value; strings as Prometheus prints them ("NaN", "+Inf"). */
const vector = (...vs: (number | string)[]): QueryValue => ({
  type: "vector",
  samples: vs.map((v, i) => ({
    labels: { instance: `i${i}` },
    t: T0,
    v: typeof v === "number" ? v : parseSampleValue(v),
  })),
});

function template(input: Record<string, unknown>): AnalysisTemplate {
  return analysisTemplateSchema.parse({ name: "tpl", ...input });
}

type Answer = QueryValue | Error | Promise<QueryValue>;

/** Runs an analysis against a scripted query function on a manual clock. */
function harness(
  templates: AnalysisTemplate[],
  answer: (q: string, tMs: number, call: number) => Answer,
  extra: Partial<AnalysisRunOptions> = {},
) {
  const sched = new ManualClock(T0);
  const calls: { q: string; t: number }[] = [];
  const measurements: Measurement[] = [];
  const verdicts: VerdictEvent[] = [];
  const run = new AnalysisRun({
    templates,
    args: ARGS,
    clock: sched,
    querier: {
      instant: async (q, t) => {
        calls.push({ q, t });
        const a = answer(q, t, calls.length);
        if (a instanceof Error) {
          throw a;
        }
        return a;
      },
    },
    onMeasurement: (m) => measurements.push(m),
    onVerdict: (v) => verdicts.push(v),
    ...extra,
  });
  let verdict: AnalysisVerdict | undefined;
  void run.start().then((v) => {
    verdict = v;
  });
  return {
    run,
    sched,
    calls,
    measurements,
    verdicts,
    verdict: () => verdict,
  };
}

const errorRate = (extra: Record<string, unknown> = {}) =>
  template({
    metrics: [
      {
        name: "error-rate",
        query: 'rate(errors{service="{{args.service}}",revision="{{args.revision}}"}[1m])',
        interval: "10s",
        count: 3,
        successCondition: "result < 0.05",
        ...extra,
      },
    ],
  });

describe("AnalysisRun: threshold metrics", () => {
  it("succeeds after count successful measurements, one per interval, with the query rendered", async () => {
    const h = harness([errorRate()], () => vector(0.01));
    await h.sched.advance(0);
    expect(h.measurements).toHaveLength(1);
    expect(h.verdict()).toBeUndefined();
    await h.sched.advance(20_000);
    expect(h.verdict()).toEqual({ phase: "Successful", message: "all 1 metric successful" });
    expect(h.calls.map((c) => c.t)).toEqual([T0, T0 + 10_000, T0 + 20_000]);
    expect(h.calls[0]?.q).toBe('rate(errors{service="quality",revision="r2"}[1m])');
    expect(h.measurements.map((m) => [m.seq, m.phase, m.values])).toEqual([
      [1, "Successful", ["0.01"]],
      [2, "Successful", ["0.01"]],
      [3, "Successful", ["0.01"]],
    ]);
    expect(h.verdicts.map((v) => [v.scope, v.phase])).toEqual([
      ["metric", "Successful"],
      ["run", "Successful"],
    ]);
    expect(h.sched.pending()).toEqual([]);
  });

  it("fails once failures exceed failureLimit, and stops the other metrics at once", async () => {
    const tpl = template({
      metrics: [
        {
          name: "error-rate",
          query: "errs",
          interval: "10s",
          count: 10,
          successCondition: "result < 0.05",
          failureLimit: 1,
        },
        { name: "latency", query: "lat", interval: "10s", count: 10, successCondition: "result < 0.3" },
      ],
    });
    const h = harness([tpl], (q) => (q === "errs" ? vector(0.2) : vector(0.1)));
    await h.sched.advance(0);
    expect(h.verdict()).toBeUndefined(); // 1 failure is within failureLimit 1
    await h.sched.advance(10_000);
    expect(h.verdict()).toEqual({
      phase: "Failed",
      message: 'metric "error-rate": failed (2) > failureLimit (1)',
    });
    const n = h.calls.length;
    await h.sched.advance(60_000);
    expect(h.calls.length).toBe(n);
    const snap = h.run.snapshot();
    expect(snap.metrics.map((m) => [m.name, m.phase])).toEqual([
      ["error-rate", "Failed"],
      ["latency", "Running"],
    ]);
    expect(h.measurements.filter((m) => m.metric === "error-rate")[0]?.message).toBe(
      "successCondition result < 0.05 not met",
    );
  });

  it.each([
    ["an empty vector", vector(), "query returned no data"],
    ["a NaN value", vector(0.01, "NaN"), "query returned NaN for 1 of 2 series"],
    ["a NaN scalar", { type: "scalar", t: 0, v: NaN } as QueryValue, "query returned NaN for 1 of 1 series"],
  ])("is inconclusive, never successful, on %s", async (_name, data, why) => {
    // With only a successCondition Argo would count "not met" as a failure; no data is neither.
    const h = harness([errorRate({ successCondition: "result < 0.05 || isNaN(result)" })], () => data);
    await h.sched.advance(0);
    expect(h.measurements[0]).toMatchObject({ phase: "Inconclusive", message: why });
    expect(h.verdict()).toEqual({
      phase: "Inconclusive",
      message: 'metric "error-rate": inconclusive (1) > inconclusiveLimit (0)',
    });
  });

  it("tolerates inconclusive measurements up to inconclusiveLimit", async () => {
    const answers = [vector(), vector(0.01), vector(), vector(0.01)];
    const h = harness(
      [errorRate({ count: 5, inconclusiveLimit: 1 })],
      (_q, _t, call) => answers[call - 1] ?? vector(),
    );
    await h.sched.advance(10_000);
    expect(h.verdict()).toBeUndefined();
    await h.sched.advance(10_000);
    expect(h.verdict()?.phase).toBe("Inconclusive");
    expect(h.measurements.map((m) => m.phase)).toEqual(["Inconclusive", "Successful", "Inconclusive"]);
  });

  it("does not pass a metric whose every measurement was inconclusive within the limit", async () => {
    const h = harness([errorRate({ count: 2, inconclusiveLimit: 5 })], () => vector());
    await h.sched.advance(10_000);
    expect(h.verdict()).toEqual({
      phase: "Inconclusive",
      message: 'metric "error-rate": no successful measurement in 2',
    });
  });

  it("follows Argo: both conditions unmet is inconclusive; only a failureCondition not met is a success", async () => {
    const both = harness([errorRate({ count: 1, failureCondition: "result > 0.1" })], () => vector(0.07));
    await both.sched.advance(0);
    expect(both.measurements[0]).toMatchObject({
      phase: "Inconclusive",
      message: "neither successCondition nor failureCondition met",
    });
    const onlyFailure = template({
      metrics: [{ name: "m", query: "q", count: 1, failureCondition: "result > 0.1" }],
    });
    const f = harness([onlyFailure], () => vector(0.07));
    await f.sched.advance(0);
    expect(f.measurements[0]?.phase).toBe("Successful");
    expect(f.verdict()?.phase).toBe("Successful");
    const hit = harness([onlyFailure], () => vector(0.2));
    await hit.sched.advance(0);
    expect(hit.measurements[0]).toMatchObject({
      phase: "Failed",
      message: "failureCondition result > 0.1 met",
    });
  });

  it("retries query errors without counting them, and ends in Error after consecutiveErrorLimit", async () => {
    const answers: Answer[] = [new Error("connection refused"), vector(0.01), vector(0.01), vector(0.01)];
    const ok = harness([errorRate()], (_q, _t, call) => answers[call - 1] ?? vector(0.01));
    await ok.sched.advance(30_000);
    expect(ok.measurements.map((m) => m.phase)).toEqual(["Error", "Successful", "Successful", "Successful"]);
    expect(ok.verdict()?.phase).toBe("Successful");

    const bad = harness([errorRate()], () => new Error("connection refused"), { consecutiveErrorLimit: 2 });
    await bad.sched.advance(60_000);
    expect(bad.calls).toHaveLength(3);
    expect(bad.verdict()).toEqual({
      phase: "Error",
      message: 'metric "error-rate": consecutive errors (3) > consecutiveErrorLimit (2): connection refused',
    });
  });

  it("turns an unanswered query into an Error measurement after queryTimeoutMs", async () => {
    const h = harness([errorRate()], () => new Promise<QueryValue>(() => {}), { queryTimeoutMs: 5_000 });
    await h.sched.advance(5_000);
    expect(h.measurements[0]).toMatchObject({ phase: "Error", message: "query timed out after 5000 ms" });
  });

  it("is an Error when a condition cannot be evaluated on the values", async () => {
    const h = harness([errorRate({ successCondition: "result[1] < 0.05" })], () => vector(0.01));
    await h.sched.advance(0);
    expect(h.measurements[0]).toMatchObject({
      phase: "Error",
      message: "1:7: index 1 out of range (result has 1 value)",
    });
  });

  it("ends in Error at start on an unknown argument, an invalid condition or a duplicate metric name", async () => {
    const unknown = harness([template({ metrics: [{ name: "m", query: 'up{job="{{args.job}}"}' }] })], () =>
      vector(1),
    );
    await unknown.sched.advance(0);
    expect(unknown.verdict()).toEqual({
      phase: "Error",
      message:
        'template "tpl" metric "m": unknown argument "job" (the run has: baselineRevision, baselineStations, revision, service, stations)',
    });
    expect(unknown.calls).toHaveLength(0);

    const bad = harness([errorRate({ successCondition: "result < 0.05)" })], () => vector(1));
    await bad.sched.advance(0);
    expect(bad.verdict()?.message).toBe(
      'template "tpl" metric "error-rate": successCondition: 1:14: unexpected ")"',
    );

    const dup = harness([errorRate(), { ...errorRate(), name: "other" }], () => vector(1));
    await dup.sched.advance(0);
    expect(dup.verdict()?.message).toMatch(
      /another template of this analysis has a metric named "error-rate"/,
    );
  });

  it("succeeds at once with no metrics", async () => {
    const h = harness([template({})], () => vector(1));
    await h.sched.advance(0);
    expect(h.verdict()?.phase).toBe("Successful");
  });
});

describe("AnalysisRun: cancellation, background, snapshot", () => {
  it("cancel() stops measuring, discards the measurement in flight and resolves Cancelled", async () => {
    let release: ((d: QueryValue) => void) | undefined;
    const h = harness([errorRate({ count: 10 })], (_q, _t, call) =>
      call === 2 ? new Promise<QueryValue>((r) => (release = r)) : vector(0.01),
    );
    await h.sched.advance(10_000);
    expect(h.calls).toHaveLength(2);
    h.run.cancel("rollout aborted by alice");
    release?.(vector(0.01));
    await h.sched.advance(60_000);
    expect(h.verdict()).toEqual({ phase: "Cancelled", message: "rollout aborted by alice" });
    expect(h.calls).toHaveLength(2);
    expect(h.measurements).toHaveLength(1);
    expect(h.run.snapshot().metrics[0]?.phase).toBe("Cancelled");
    expect(h.sched.pending()).toEqual([]);
  });

  it("an aborted signal cancels the run", async () => {
    const ctl = new AbortController();
    const h = harness([errorRate({ count: 10 })], () => vector(0.01), { signal: ctl.signal });
    await h.sched.advance(10_000);
    ctl.abort();
    await h.sched.advance(30_000);
    expect(h.verdict()?.phase).toBe("Cancelled");
    expect(h.calls).toHaveLength(2);
  });

  it("background analysis measures past count until terminated, then judges what it measured", async () => {
    const h = harness(
      [errorRate({ count: 2, failureLimit: 2 })],
      (_q, _t, call) => vector(call === 7 ? 0.5 : 0.01),
      {
        background: true,
      },
    );
    await h.sched.advance(100_000);
    expect(h.calls).toHaveLength(11);
    expect(h.verdict()).toBeUndefined();
    h.run.terminate();
    await h.sched.advance(0);
    expect(h.verdict()).toEqual({ phase: "Successful", message: "all 1 metric successful" });
    expect(h.run.snapshot().metrics[0]).toMatchObject({ measured: 11, successful: 10, failed: 1 });
  });

  it("background analysis fails as soon as failures exceed the limit", async () => {
    const h = harness([errorRate({ count: 2 })], (_q, _t, call) => vector(call >= 5 ? 0.5 : 0.01), {
      background: true,
    });
    await h.sched.advance(100_000);
    expect(h.verdict()?.phase).toBe("Failed");
    expect(h.calls).toHaveLength(5);
  });

  it("snapshot() is JSON-serialisable and holds every measurement and verdict, up to the retention", async () => {
    const h = harness([errorRate({ count: 4 })], (_q, _t, call) => vector(call === 2 ? "+Inf" : 0.01, 0.02), {
      measurementRetention: 3,
    });
    await h.sched.advance(30_000);
    const snap = h.run.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap).toMatchObject({
      phase: "Failed",
      message: 'metric "error-rate": failed (1) > failureLimit (0)',
      templates: ["tpl"],
      args: ARGS,
      background: false,
      startedAt: T0,
      finishedAt: T0 + 10_000,
    });
    expect(snap.metrics[0]?.measurements.map((m) => m.values)).toEqual([
      ["0.01", "0.02"],
      ["+Inf", "0.02"],
    ]);
    const long = harness([errorRate({ count: 5 })], () => vector(0.01), { measurementRetention: 3 });
    await long.sched.advance(40_000);
    expect(long.run.snapshot().metrics[0]?.measurements.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(long.run.snapshot().metrics[0]?.measured).toBe(5);
  });
});

describe("AnalysisRun: baseline vs canary comparison", () => {
  const latency = template({
    comparisons: [
      {
        name: "latency",
        query: 'latency_seconds{revision="{{args.revision}}"}',
        interval: "10s",
        minSamples: 12,
      },
    ],
  });
  /** Three instances per side; canary latencies shifted by `shift` seconds. */
  function latencies(shift: number, seed = 7) {
    const rnd = prng(seed);
    return (q: string) => {
      const base = 0.25 + (q.includes('"r2"') ? shift : 0);
      return vector(...[0, 1, 2].map(() => base + (rnd() - 0.5) * 0.1));
    };
  }

  it("fails a canary clearly slower than the baseline (+200 ms)", async () => {
    const h = harness([latency], latencies(0.2));
    await h.sched.advance(60_000);
    expect(h.verdict()?.phase).toBe("Failed");
    expect(h.verdict()?.message).toMatch(
      /^comparison "latency": canary significantly higher: canary median 0\.4\d* vs baseline 0\.2\d*, p=/,
    );
    // 12 samples per side need 4 rounds of 3 instances each.
    expect(h.measurements.map((m) => m.phase)).toEqual(["Pending", "Pending", "Pending", "Failed"]);
    expect(h.measurements[3]?.stats).toMatchObject({ n1: 12, n2: 12 });
    expect(h.calls.filter((c) => c.q.includes('"r1"'))).toHaveLength(4);
  });

  it("does not flag a canary drawn from the same distribution", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const h = harness([latency], latencies(0, seed));
      await h.sched.advance(60_000);
      expect(h.verdict()?.phase, `seed ${seed}`).toBe("Successful");
    }
  });

  it("does not fail a canary that is better in the bad-when-higher direction", async () => {
    const h = harness([latency], latencies(-0.2));
    await h.sched.advance(60_000);
    expect(h.verdict()?.phase).toBe("Successful");
  });

  it("honours worseWhen: lower", async () => {
    const tpl = template({
      comparisons: [
        {
          name: "throughput",
          query: 'tp{revision="{{args.revision}}"}',
          minSamples: 12,
          worseWhen: "lower",
          interval: "10s",
        },
      ],
    });
    const h = harness([tpl], latencies(-0.2));
    await h.sched.advance(60_000);
    expect(h.verdict()?.message).toMatch(/canary significantly lower/);
  });

  it("is inconclusive with too few samples by the end (NaN samples do not count)", async () => {
    const h = harness([latency], (q) => (q.includes('"r2"') ? vector("NaN") : vector(0.2)), {
      comparisonMaxRounds: () => 5,
    });
    await h.sched.advance(100_000);
    expect(h.calls).toHaveLength(10);
    expect(h.verdict()).toEqual({
      phase: "Inconclusive",
      message: 'comparison "latency": collecting samples: canary 0/12, baseline 5/12 after 5 rounds',
    });
  });

  it("is inconclusive at once without a baseline revision", async () => {
    const sched = new ManualClock(T0);
    const run = new AnalysisRun({
      templates: [latency],
      args: { ...ARGS, baselineRevision: "" },
      clock: sched,
      querier: { instant: () => Promise.reject(new Error("must not query")) },
    });
    expect(await run.start()).toEqual({
      phase: "Inconclusive",
      message: 'comparison "latency": no baseline revision to compare with',
    });
  });
});

describe("AnalysisRun: production KPI gates", () => {
  const oee = (input: Record<string, unknown> = {}) =>
    template({
      kpis: [
        {
          name: "oee",
          query: 'station_oee{station=~"{{args.stations}}"}',
          worseWhen: "lower",
          tolerance: 0.1,
          ...input,
        },
      ],
    });
  const byStation = (canary: number[], others: number[]) => (q: string) =>
    q.includes('"s1"') ? vector(...canary) : vector(...others);

  it("passes a canary within tolerance of the other stations", async () => {
    const h = harness([oee()], byStation([0.8], [0.85, 0.84]), { kpi: { intervalMs: 10_000, count: 2 } });
    await h.sched.advance(10_000);
    expect(h.verdict()?.phase).toBe("Successful");
    expect(h.measurements[0]).toMatchObject({
      phase: "Successful",
      query: 'station_oee{station=~"s1"}',
      baselineQuery: 'station_oee{station=~"s2|s3"}',
      values: ["0.8"],
      baselineValues: ["0.85", "0.84"],
      message: "canary 0.8 vs other stations 0.845: 5.3 % worse (tolerance 10.0 %)",
    });
  });

  it("fails a canary degraded beyond tolerance", async () => {
    const h = harness([oee()], byStation([0.7], [0.85, 0.84]), { kpi: { intervalMs: 10_000, count: 2 } });
    await h.sched.advance(0);
    expect(h.verdict()).toEqual({
      phase: "Failed",
      message:
        'kpi "oee": canary 0.7 vs other stations 0.845: 17.2 % worse (tolerance 10.0 %); failed (1) > failureLimit (0)',
    });
  });

  it("compares with the value before the deployment, captured once", async () => {
    const h = harness(
      [oee({ baseline: "beforeDeployment", worseWhen: "higher", name: "scrap", tolerance: 0.5 })],
      (_q, t) => vector(t < T0 ? 0.02 : 0.025),
      { kpi: { intervalMs: 10_000, count: 3 }, baselineTimeMs: T0 - 600_000 },
    );
    await h.sched.advance(20_000);
    expect(h.verdict()?.phase).toBe("Successful");
    expect(h.calls.map((c) => c.t - T0)).toEqual([0, -600_000, 10_000, 20_000]);
    expect(h.measurements[0]?.message).toBe(
      "canary 0.025 vs before deployment 0.02: 25.0 % worse (tolerance 50.0 %)",
    );
  });

  it("is inconclusive when a side has no data", async () => {
    const h = harness([oee()], byStation([0.8], []), { kpi: { intervalMs: 10_000 } });
    await h.sched.advance(0);
    expect(h.verdict()?.phase).toBe("Inconclusive");
    expect(h.measurements[0]?.message).toBe("baseline: query returned no data");
  });

  it("degradation() treats a zero baseline as infinitely worse, or not worse", () => {
    expect(degradation(0.01, 0, "higher")).toBe(Infinity);
    expect(degradation(0, 0, "higher")).toBe(0);
    expect(degradation(0.9, 1, "lower")).toBeCloseTo(0.1);
    expect(degradation(1.1, 1, "lower")).toBeCloseTo(-0.1);
  });
});

describe("resolveTemplates", () => {
  it("names the unknown template", () => {
    expect(() => resolveTemplates([errorRate()], ["tpl", "latency"])).toThrow(
      expect.objectContaining({
        code: "LINEOPS_ERR_ANALYSIS_TEMPLATE_NOT_FOUND",
        message: 'unknown analysis template "latency" (defined: "tpl")',
      }),
    );
    expect(resolveTemplates([errorRate()], ["tpl"]).map((t) => t.name)).toEqual(["tpl"]);
  });
});
