// What the Deployments page shows, computed from a deployment's record and events: its steps and
// which one runs, traffic per group, whether an operator holds it, the analyses' measurements as
// chart series, the actions that make sense now, and which form field an API error names.
import { ApiError } from "../../api/client.js";
import {
  isTerminal,
  type CanaryStep,
  type Deployment,
  type DeploymentEvent,
  type Measurement,
  type Revision,
  type Strategy,
} from "./api.js";

export type StepStatus = "done" | "current" | "pending" | "failed";
export type StepView = { label: string; status: StepStatus };

function ms(n: number): string {
  return n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`;
}

export function describeCanaryStep(s: CanaryStep): string {
  if ("setWeight" in s) {
    return `Set canary weight to ${s.setWeight} %`;
  }
  if ("setStations" in s) {
    return `Move station${s.setStations.length > 1 ? "s" : ""} ${s.setStations.join(", ")} to the new revision`;
  }
  if ("pause" in s) {
    return s.pause.duration === undefined ? "Pause until promoted" : `Pause ${ms(s.pause.duration)}`;
  }
  return `Analysis: ${s.analysis.templates.join(", ")}`;
}

/** The labels of a strategy's steps, in order; `slots` is the number of instances a rolling update replaces. */
function stepLabels(s: Strategy, slots: number): string[] {
  switch (s.type) {
    case "canary":
      return [...s.steps.map(describeCanaryStep), "Promote: every instance on the new revision, all traffic"];
    case "blueGreen":
      return [
        "Start the preview stack",
        ...(s.prePromotionAnalysis ? [`Analysis: ${s.prePromotionAnalysis.templates.join(", ")}`] : []),
        s.autoPromote ? "Switch all traffic to the new stack" : "Wait for promotion, then switch all traffic",
        "Retire the old stack",
      ];
    case "rolling":
      return Array.from(
        { length: Math.max(1, slots) },
        (_, i) => `Instance ${i + 1} of ${Math.max(1, slots)} replaced`,
      );
    case "recreate":
      return ["Stop the old instances, start the new ones"];
  }
}

/** Index of the step running now, from the record's step counter (each strategy counts its own way). */
function currentIndex(d: Deployment, labels: string[]): number {
  const s = d.strategy;
  if (s.type === "blueGreen") {
    // The record counts 1 (preview ready), 2 (switched), 3 (retired).
    const analysis = s.prePromotionAnalysis ? 1 : 0;
    const done = d.step;
    if (done <= 0) {
      return 0;
    }
    if (done === 1) {
      const analysed = (d.state.analyses ?? []).some((a) => a.step === 1);
      return 1 + (analysis && analysed ? 1 : 0);
    }
    return done === 2 ? labels.length - 1 : labels.length;
  }
  return Math.min(d.step, labels.length);
}

export function stepsOf(d: Deployment, slots: number): StepView[] {
  const labels = stepLabels(d.strategy, slots);
  const done = d.phase === "Succeeded";
  const now = done ? labels.length : currentIndex(d, labels);
  const stopped = isTerminal(d.phase) && !done;
  return labels.map((label, i) => ({
    label,
    status:
      i < now
        ? "done"
        : i === now
          ? stopped || d.phase === "RollingBack"
            ? "failed"
            : "current"
          : "pending",
  }));
}

export type TrafficRow = { group: string; weight: number; revisions: string[] };

/** Each group's share with the revisions in it, heaviest first; labels name revisions by number. */
export function trafficOf(d: Deployment, revisionLabel: (hash: string) => string): TrafficRow[] {
  const t = d.state.traffic;
  if (!t) {
    return [];
  }
  return Object.entries(t.weights)
    .map(([group, weight]) => ({
      group,
      weight,
      revisions: Object.entries(t.groups)
        .filter(([, g]) => g === group)
        .map(([hash]) => revisionLabel(hash)),
    }))
    .sort((a, b) => b.weight - a.weight || a.group.localeCompare(b.group));
}

/**
 * Whether an operator paused the rollout (POST .../pause) and has not resumed it: lineops holds it
 * without changing its phase, so the control events say so.
 */
export function heldByOperator(events: readonly DeploymentEvent[]): boolean {
  let held = false;
  for (const e of events) {
    if (e.kind === "control") {
      if (/^pause requested/.test(e.message)) {
        held = true;
      } else if (/^(resume|abort) requested/.test(e.message)) {
        held = false;
      }
    }
  }
  return held;
}

export type Actions = { promote: boolean; pause: boolean; resume: boolean; abort: boolean };

/** What an operator may do to the deployment now (the API refuses the rest with 409). */
export function actionsFor(d: Deployment, held: boolean): Actions {
  if (isTerminal(d.phase) || d.phase === "RollingBack") {
    return { promote: false, pause: false, resume: false, abort: false };
  }
  const stepped = d.strategy.type === "canary" || d.strategy.type === "blueGreen";
  return {
    promote: stepped && (d.phase === "Paused" || d.phase === "Progressing"),
    pause: !held && d.phase !== "Paused",
    resume: held,
    abort: true,
  };
}

function isMeasurement(x: unknown): x is Measurement {
  const m = x as Partial<Measurement> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.template === "string" &&
    typeof m.metric === "string" &&
    typeof m.query === "string" &&
    Array.isArray(m.values) &&
    typeof m.finishedAt === "number"
  );
}

/** One analysed metric of one analysis (a step's, or the background one) with its measurements. */
export type MetricSeries = {
  key: string;
  /** "step 2" or "background". */
  scope: string;
  template: string;
  metric: string;
  kind: Measurement["kind"];
  query: string;
  baselineQuery?: string;
  measurements: Measurement[];
};

const MAX_MEASUREMENTS = 500;

export function metricSeries(events: readonly DeploymentEvent[]): MetricSeries[] {
  const byKey = new Map<string, MetricSeries>();
  for (const e of events) {
    if (e.kind !== "measurement" || !isMeasurement(e.data)) {
      continue;
    }
    const m = e.data;
    const scope = m.background ? "background" : m.step === undefined ? "analysis" : `step ${m.step + 1}`;
    const key = `${scope}|${m.template}|${m.metric}`;
    let s = byKey.get(key);
    if (!s) {
      s = {
        key,
        scope,
        template: m.template,
        metric: m.metric,
        kind: m.kind,
        query: m.query,
        measurements: [],
      };
      byKey.set(key, s);
    }
    s.query = m.query;
    if (m.baselineQuery !== undefined) {
      s.baselineQuery = m.baselineQuery;
    }
    s.measurements.push(m);
    if (s.measurements.length > MAX_MEASUREMENTS) {
      s.measurements.shift();
    }
  }
  return [...byKey.values()];
}

function num(v: string | undefined): number | null {
  if (v === undefined) {
    return null;
  }
  const n = v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * The measurements as uPlot columns (x in seconds): canary and baseline for comparisons and KPI
 * gates; the first series' value (`result`) for threshold metrics, which judge that value.
 */
export function chartColumns(s: MetricSeries): { names: string[]; data: [number[], ...(number | null)[][]] } {
  const xs = s.measurements.map((m) => m.finishedAt / 1000);
  const first = s.measurements.map((m) => num(m.values[0]));
  const hasBaseline = s.measurements.some((m) => m.baselineValues !== undefined);
  if (!hasBaseline) {
    return { names: ["result"], data: [xs, first] };
  }
  return {
    names: ["canary", "baseline"],
    data: [xs, first, s.measurements.map((m) => num(m.baselineValues?.[0]))],
  };
}

export type PhaseCounts = Record<string, number>;

export function phaseCounts(s: MetricSeries): PhaseCounts {
  const c: PhaseCounts = {};
  for (const m of s.measurements) {
    c[m.phase] = (c[m.phase] ?? 0) + 1;
  }
  return c;
}

/** "rev 3 (1.2.0)" for a hash the service's revisions know; a short hash otherwise. */
export function revisionLabeller(revs: readonly Revision[]): (hash: string | undefined) => string {
  const byHash = new Map(revs.map((r) => [r.hash, r]));
  return (hash) => {
    if (hash === undefined) {
      return "none";
    }
    const r = byHash.get(hash);
    return r ? `rev ${r.number} (${r.version})` : hash.slice(0, 12);
  };
}

export type DeployField = "service" | "version" | "revision" | "strategy";
const FIELDS: readonly DeployField[] = ["service", "version", "revision", "strategy"];

/**
 * Which field of the start form an API error is about: `body.<field>...` from validation, or the
 * code of an engine refusal. Undefined: the error is about the request as a whole.
 */
export function fieldOf(err: unknown): DeployField | undefined {
  if (!(err instanceof ApiError)) {
    return undefined;
  }
  const m = /^body\.([A-Za-z]+)/.exec(err.message);
  if (m && (FIELDS as readonly string[]).includes(m[1] ?? "")) {
    return m[1] as DeployField;
  }
  switch (err.code) {
    case "LINEOPS_ERR_SERVICE_NOT_FOUND":
    case "LINEOPS_ERR_DEPLOYMENT_IN_PROGRESS":
      return "service";
    case "LINEOPS_ERR_REVISION_NOT_FOUND":
      return "revision";
    case "LINEOPS_ERR_NOTHING_TO_DEPLOY":
    case "LINEOPS_ERR_VERSION_CONSTRAINT":
      return "version";
    default:
      return /version or revision/.test(err.message) ? "version" : undefined;
  }
}

/** "2m 05s", "1h 02m", "450 ms": durations people read at a glance. */
export function humanDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const s = Math.round(ms / 1000);
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  }
  const h = Math.floor(m / 60);
  if (h < 48) {
    return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  }
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
