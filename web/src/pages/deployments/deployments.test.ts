// The Deployments page's pure parts: steps from a record, traffic rows, operator holds, actions,
// analysis series, the API error → form field mapping, and the spec diff.
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client.js";
import type { Deployment, DeploymentEvent, Measurement } from "./api.js";
import { fieldChanges, lineDiff, MAX_DIFF_LINES, specLines, withContext } from "./diff.js";
import {
  actionsFor,
  chartColumns,
  fieldOf,
  heldByOperator,
  humanDuration,
  metricSeries,
  phaseCounts,
  revisionLabeller,
  stepsOf,
  trafficOf,
} from "./model.js";

const canary = (over: Partial<Deployment> = {}): Deployment => ({
  id: "dep-1",
  service: "line-controller",
  fromRevision: "aaaa",
  toRevision: "bbbb",
  strategy: {
    type: "canary",
    steps: [
      { setWeight: 25 },
      { analysis: { templates: ["error-rate"] } },
      { pause: {} },
      { setWeight: 100 },
    ],
  },
  phase: "Progressing",
  step: 1,
  state: {},
  createdBy: "otto (operator)",
  createdAt: 1_000,
  updatedAt: 2_000,
  ...over,
});

const event = (id: number, kind: string, message: string, data?: unknown): DeploymentEvent => ({
  id,
  deploymentId: "dep-1",
  at: 1_000 + id,
  kind,
  message,
  ...(data === undefined ? {} : { data }),
});

describe("steps", () => {
  it("marks the canary's steps done, current and pending from the record's counter", () => {
    const steps = stepsOf(canary(), 2);
    expect(steps.map((s) => s.label)).toEqual([
      "Set canary weight to 25 %",
      "Analysis: error-rate",
      "Pause until promoted",
      "Set canary weight to 100 %",
      "Promote: every instance on the new revision, all traffic",
    ]);
    expect(steps.map((s) => s.status)).toEqual(["done", "current", "pending", "pending", "pending"]);
  });

  it("marks every step done on success and the stopped one failed on abort", () => {
    expect(stepsOf(canary({ phase: "Succeeded", step: 4 }), 2).every((s) => s.status === "done")).toBe(true);
    const aborted = stepsOf(canary({ phase: "Aborted", step: 2 }), 2).map((s) => s.status);
    expect(aborted).toEqual(["done", "done", "failed", "pending", "pending"]);
  });

  it("counts a rolling update by instances and a blue-green by its three stages", () => {
    const rolling = canary({
      strategy: { type: "rolling", maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0 },
      step: 2,
    });
    expect(stepsOf(rolling, 4).map((s) => s.status)).toEqual(["done", "done", "current", "pending"]);
    const bg = canary({
      strategy: { type: "blueGreen", autoPromote: false, scaleDownDelay: 30_000 },
      step: 1,
    });
    expect(stepsOf(bg, 2).map((s) => s.status)).toEqual(["done", "current", "pending"]);
    expect(stepsOf({ ...bg, step: 2 }, 2).map((s) => s.status)).toEqual(["done", "done", "current"]);
  });
});

describe("traffic, holds and actions", () => {
  it("lists each group's weight with the revisions in it, heaviest first", () => {
    const d = canary({
      state: { traffic: { groups: { aaaa: "stable", bbbb: "canary" }, weights: { stable: 75, canary: 25 } } },
    });
    const label = revisionLabeller([
      { service: "s", hash: "aaaa", number: 1, version: "1.0.0", spec: {}, createdAt: 0 },
      { service: "s", hash: "bbbb", number: 2, version: "1.1.0", spec: {}, createdAt: 0 },
    ]);
    expect(trafficOf(d, (h) => label(h))).toEqual([
      { group: "stable", weight: 75, revisions: ["rev 1 (1.0.0)"] },
      { group: "canary", weight: 25, revisions: ["rev 2 (1.1.0)"] },
    ]);
    expect(label("cccccccccccccccc")).toBe("cccccccccccc");
    expect(label(undefined)).toBe("none");
  });

  it("knows an operator's hold from the control events, and offers resume only then", () => {
    const held = [event(1, "control", "pause requested")];
    expect(heldByOperator(held)).toBe(true);
    expect(heldByOperator([...held, event(2, "control", "resume requested")])).toBe(false);
    expect(actionsFor(canary(), true)).toEqual({ promote: true, pause: false, resume: true, abort: true });
    expect(actionsFor(canary(), false)).toEqual({ promote: true, pause: true, resume: false, abort: true });
    expect(actionsFor(canary({ phase: "Paused" }), false).pause).toBe(false);
    expect(actionsFor(canary({ phase: "Aborted" }), false)).toEqual({
      promote: false,
      pause: false,
      resume: false,
      abort: false,
    });
    const rolling = canary({ strategy: { type: "recreate" } });
    expect(actionsFor(rolling, false).promote).toBe(false);
  });
});

describe("analysis series", () => {
  const m = (seq: number, over: Partial<Measurement> = {}): Measurement => ({
    step: 1,
    template: "latency",
    metric: "p99",
    kind: "comparison",
    seq,
    startedAt: seq * 1000,
    finishedAt: seq * 1000 + 500,
    phase: "Successful",
    message: "ok",
    query: 'q{revision="bbbb"}',
    values: [String(seq)],
    baselineQuery: 'q{revision="aaaa"}',
    baselineValues: ["NaN"],
    ...over,
  });

  it("groups measurement events by analysis and metric, with both sides' PromQL", () => {
    const events = [
      event(1, "measurement", "latency/p99 #1", m(1)),
      event(2, "measurement", "latency/p99 #2", m(2, { phase: "Inconclusive" })),
      event(
        3,
        "measurement",
        "bg #1",
        m(1, {
          step: undefined,
          background: true,
          kind: "metric",
          metric: "errors",
          baselineQuery: undefined,
          baselineValues: undefined,
        }),
      ),
      event(4, "measurement", "no data in an older lineops"),
    ];
    const series = metricSeries(events);
    expect(series.map((s) => [s.scope, s.metric, s.measurements.length])).toEqual([
      ["step 2", "p99", 2],
      ["background", "errors", 1],
    ]);
    expect(series[0]?.baselineQuery).toBe('q{revision="aaaa"}');
    expect(phaseCounts(series[0]!)).toEqual({ Successful: 1, Inconclusive: 1 });
    // Canary against baseline, x in seconds; NaN is a gap.
    expect(chartColumns(series[0]!)).toEqual({
      names: ["canary", "baseline"],
      data: [
        [1.5, 2.5],
        [1, 2],
        [null, null],
      ],
    });
    expect(chartColumns(series[1]!).names).toEqual(["result"]);
  });
});

describe("form errors", () => {
  it.each([
    ["body.version: must be a version", undefined, "version"],
    ["body.strategy.steps.0.setWeight: too big", undefined, "strategy"],
    ["body: give exactly one of version or revision", undefined, "version"],
    ['service "x" not found', "LINEOPS_ERR_SERVICE_NOT_FOUND", "service"],
    ["a deployment of x is in progress", "LINEOPS_ERR_DEPLOYMENT_IN_PROGRESS", "service"],
    ['service "x" has no revision "9"', "LINEOPS_ERR_REVISION_NOT_FOUND", "revision"],
    ['body: unknown field "stratgy"', "LINEOPS_ERR_INVALID_FIELD", undefined],
  ])("%s is about %s", (msg, code, field) => {
    expect(fieldOf(new ApiError(400, "bad_data", msg, code))).toBe(field);
  });

  it("reads durations", () => {
    expect([450, 5_000, 125_000, 3_720_000, 180_000_000].map(humanDuration)).toEqual([
      "450 ms",
      "5s",
      "2m 05s",
      "1h 02m",
      "2d 2h",
    ]);
  });
});

describe("spec diff", () => {
  const a = { version: "1.0.0", replicas: 2, env: { A: "1" }, args: ["x.js"], strategy: { type: "rolling" } };
  const b = {
    version: "1.1.0",
    replicas: 2,
    env: { A: "1", B: "2" },
    args: ["x.js"],
    strategy: { type: "canary" },
  };

  it("names each changed field by path", () => {
    expect(fieldChanges(a, b)).toEqual([
      { path: "env.B", to: "2", kind: "added" },
      { path: "strategy.type", from: "rolling", to: "canary", kind: "changed" },
      { path: "version", from: "1.0.0", to: "1.1.0", kind: "changed" },
    ]);
    expect(fieldChanges(a, a)).toEqual([]);
    expect(fieldChanges({ args: ["a"] }, { args: ["a", "b"] })).toEqual([
      { path: "args", from: ["a"], to: ["a", "b"], kind: "changed" },
    ]);
  });

  it("prints specs with sorted keys and diffs them line by line", () => {
    expect(specLines({ b: 1, a: { y: "1.0", x: [1, { k: true }] } })).toEqual([
      "a:",
      "  x:",
      "    - 1",
      "    - k: true",
      '  y: "1.0"',
      "b: 1",
    ]);
    const diff = lineDiff(specLines(a), specLines(b));
    expect(diff.filter((l) => l.op !== " ")).toEqual([
      { op: "+", text: '  B: "2"' },
      { op: "-", text: "  type: rolling" },
      { op: "-", text: "version: 1.0.0" },
      { op: "+", text: "  type: canary" },
      { op: "+", text: "version: 1.1.0" },
    ]);
    // Unchanged runs far from a change fold into one marker.
    const long = lineDiff(
      ["x", "1", "2", "3", "4", "5", "6", "7", "8"],
      ["y", "1", "2", "3", "4", "5", "6", "7", "8"],
    );
    expect(withContext(long, 2)).toEqual([
      { op: "-", text: "x" },
      { op: "+", text: "y" },
      { op: " ", text: "1" },
      { op: " ", text: "2" },
      null,
    ]);
  });

  it("stays bounded on huge specs", () => {
    const big = Array.from({ length: MAX_DIFF_LINES + 1 }, (_, i) => `l${i}`);
    const d = lineDiff(big, ["x"]);
    expect(d).toHaveLength(MAX_DIFF_LINES + 2);
  });
});
