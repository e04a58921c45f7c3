// One analysis run (templates + args) over time, as an Argo Rollouts AnalysisRun: threshold metrics
// measured every interval, Kayenta-style baseline-vs-canary comparisons (Mann-Whitney U) and
// production-KPI gates, each reaching a verdict; the run ends Failed as soon as one part fails.
import type { AnalysisTemplate, AnalysisMetric, Comparison, KpiGate } from "../../config/deploy-schema.js";
import { systemClock, type Clock, type TimerHandle } from "../../clock.js";
import { formatFloat, type MetricsQuerier } from "../../monitoring/index.js";
import { mannWhitneyU, median } from "../../model/stats.js";
import { renderQuery } from "./args.js";
import { compileCondition, type CompiledCondition } from "./conditions.js";
import { AnalysisErrors } from "./errors.js";
import { judge, noData, sampleValues, type MeasurementPhase } from "./measure.js";

export type { MeasurementPhase } from "./measure.js";

/** Measurements are instant queries (monitoring's MetricsQuerier). */
export type AnalysisQuerier = Pick<MetricsQuerier, "instant">;

/** Argo's phases; Pending and Running are the only non-terminal ones. */
export type AnalysisPhase =
  "Pending" | "Running" | "Successful" | "Failed" | "Inconclusive" | "Error" | "Cancelled";

export type AnalysisVerdict = {
  phase: "Successful" | "Failed" | "Inconclusive" | "Error" | "Cancelled";
  message: string;
};

export type AnalysisKind = "metric" | "comparison" | "kpi";

/** One measurement as persisted and shown; values are Prometheus-formatted strings ("NaN", "+Inf"). */
export type Measurement = {
  template: string;
  metric: string;
  kind: AnalysisKind;
  /** 1-based number of this measurement within its metric. */
  seq: number;
  startedAt: number;
  finishedAt: number;
  phase: MeasurementPhase;
  message: string;
  /** The rendered query (the canary side for comparisons and KPI gates). */
  query: string;
  values: string[];
  baselineQuery?: string;
  baselineValues?: string[];
  /** Comparisons: the test on the samples collected so far. */
  stats?: {
    u: number;
    z: number;
    pValue: number;
    n1: number;
    n2: number;
    canaryMedian: number;
    baselineMedian: number;
  };
};

export type MetricStatus = {
  template: string;
  name: string;
  kind: AnalysisKind;
  phase: AnalysisPhase;
  message: string;
  /** Measurements taken, errors included. */
  measured: number;
  successful: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
  /** The most recent measurements (up to measurementRetention). */
  measurements: Measurement[];
};

export type AnalysisSnapshot = {
  phase: AnalysisPhase;
  message: string;
  templates: string[];
  args: Record<string, string>;
  background: boolean;
  startedAt?: number;
  finishedAt?: number;
  metrics: MetricStatus[];
};

export type VerdictEvent = {
  scope: "metric" | "run";
  template?: string;
  metric?: string;
  phase: AnalysisVerdict["phase"];
  message: string;
  at: number;
};

export type KpiOptions = {
  /** Time between KPI measurements; default 30 000. */
  intervalMs?: number;
  /** Measurements of a (non-background) run; default 3. */
  count?: number;
  failureLimit?: number;
  inconclusiveLimit?: number;
};

export type AnalysisRunOptions = {
  /** The templates the analysis reference names, already resolved (see resolveTemplates). */
  templates: AnalysisTemplate[];
  /** Values for {{args.NAME}}; comparisons use `revision` (canary) and `baselineRevision`, KPI gates `stations` and `baselineStations`. */
  args: Record<string, string>;
  querier: AnalysisQuerier;
  /** Time and timers, injected so tests drive a run without waiting. */
  clock?: Clock;
  /** Runs until terminate() or cancel(): metric counts are ignored and comparisons keep re-testing. */
  background?: boolean;
  kpi?: KpiOptions;
  /** Time of the "beforeDeployment" KPI baseline; default the run's start. */
  baselineTimeMs?: number;
  /** More consecutive query or evaluation errors than this ends a metric in Error; default 4 (Argo's). */
  consecutiveErrorLimit?: number;
  /** A query not answered within this is an Error measurement; default 30 000. */
  queryTimeoutMs?: number;
  /** Rounds a comparison may take to collect minSamples per side; default 3 × minSamples. */
  comparisonMaxRounds?: (c: Comparison) => number;
  /** Measurements kept per metric in the snapshot; default 100. */
  measurementRetention?: number;
  onMeasurement?: (m: Measurement, metric: MetricStatus) => void;
  onVerdict?: (v: VerdictEvent) => void;
  signal?: AbortSignal;
};

type Outcome = Omit<Measurement, "template" | "metric" | "kind" | "seq" | "startedAt" | "finishedAt">;
type Terminal = AnalysisVerdict["phase"];

/** Worse phases later: the run takes the worst of its metrics (Argo's order). */
const SEVERITY: Record<Terminal, number> = {
  Successful: 0,
  Inconclusive: 1,
  Error: 2,
  Failed: 3,
  Cancelled: 4,
};

const fmt = (vs: readonly number[]) => vs.map(formatFloat);

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

/** The named templates in reference order; throws LINEOPS_ERR_ANALYSIS_TEMPLATE_NOT_FOUND. */
export function resolveTemplates(
  all: readonly AnalysisTemplate[],
  names: readonly string[],
): AnalysisTemplate[] {
  return names.map((n) => {
    const t = all.find((x) => x.name === n);
    if (!t) {
      const known = all.map((x) => `"${x.name}"`).join(", ") || "none";
      throw AnalysisErrors.templateNotFound(`unknown analysis template "${n}" (defined: ${known})`);
    }
    return t;
  });
}

abstract class Task {
  readonly status: MetricStatus;
  timer: TimerHandle;

  constructor(
    template: string,
    name: string,
    kind: AnalysisKind,
    readonly intervalMs: number,
    protected readonly run: RunContext,
  ) {
    this.status = {
      template,
      name,
      kind,
      phase: "Pending",
      message: "",
      measured: 0,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      errors: 0,
      consecutiveErrors: 0,
      measurements: [],
    };
  }

  get done(): boolean {
    return this.status.phase !== "Pending" && this.status.phase !== "Running";
  }

  /** Takes one measurement; never rejects (failures become Error outcomes). */
  abstract measure(tMs: number): Promise<Outcome>;

  /** Counts an outcome and returns the metric's verdict if it has one now. */
  apply(o: Outcome): { phase: Terminal; message: string } | undefined {
    const s = this.status;
    s.measured++;
    if (o.phase === "Error") {
      s.errors++;
      s.consecutiveErrors++;
    } else {
      s.consecutiveErrors = 0;
      if (o.phase === "Successful") {
        s.successful++;
      } else if (o.phase === "Failed") {
        s.failed++;
      } else if (o.phase === "Inconclusive") {
        s.inconclusive++;
      }
    }
    if (s.consecutiveErrors > this.run.consecutiveErrorLimit) {
      return {
        phase: "Error",
        message: `consecutive errors (${s.consecutiveErrors}) > consecutiveErrorLimit (${this.run.consecutiveErrorLimit}): ${o.message}`,
      };
    }
    return this.assess(o);
  }

  protected abstract assess(o: Outcome): { phase: Terminal; message: string } | undefined;

  /** The verdict when a background run ends: what was measured so far. */
  abstract final(): { phase: Terminal; message: string };

  protected async ask(query: string, tMs: number): Promise<number[]> {
    const vs = sampleValues(await this.run.timed(this.run.querier.instant(query, tMs)));
    if (!Array.isArray(vs)) {
      throw new Error(vs.error);
    }
    return vs;
  }
}

/** Counted measurements judged by conditions; Argo's failureLimit / inconclusiveLimit / count. */
class MetricTask extends Task {
  private readonly query: string;
  private readonly success: CompiledCondition | undefined;
  private readonly failure: CompiledCondition | undefined;

  constructor(
    template: string,
    private readonly m: AnalysisMetric,
    run: RunContext,
  ) {
    super(template, m.name, "metric", m.interval, run);
    this.query = renderQuery(m.query, run.args);
    this.success = compileWith("successCondition", m.successCondition);
    this.failure = compileWith("failureCondition", m.failureCondition);
  }

  async measure(tMs: number): Promise<Outcome> {
    let values: number[];
    try {
      values = await this.ask(this.query, tMs);
    } catch (e) {
      return { phase: "Error", message: errorMessage(e), query: this.query, values: [] };
    }
    try {
      const j = judge(values, this.success, this.failure);
      return { ...j, query: this.query, values: fmt(values) };
    } catch (e) {
      return { phase: "Error", message: errorMessage(e), query: this.query, values: fmt(values) };
    }
  }

  protected assess(): { phase: Terminal; message: string } | undefined {
    const s = this.status;
    if (s.failed > this.m.failureLimit) {
      return { phase: "Failed", message: `failed (${s.failed}) > failureLimit (${this.m.failureLimit})` };
    }
    if (s.inconclusive > this.m.inconclusiveLimit) {
      return {
        phase: "Inconclusive",
        message: `inconclusive (${s.inconclusive}) > inconclusiveLimit (${this.m.inconclusiveLimit})`,
      };
    }
    if (!this.run.background && s.measured - s.errors >= this.m.count) {
      return this.final();
    }
    return undefined;
  }

  final(): { phase: Terminal; message: string } {
    const s = this.status;
    // Inconclusive measurements within the limit must not add up to a pass on their own.
    if (s.successful === 0) {
      return { phase: "Inconclusive", message: `no successful measurement in ${s.measured}` };
    }
    return {
      phase: "Successful",
      message: `${s.successful} of ${s.measured - s.errors} measurements successful`,
    };
  }
}

/** Baseline versus canary revision samples, then a Mann-Whitney U test (Kayenta's judge). */
class ComparisonTask extends Task {
  private readonly canaryQuery: string;
  private readonly baselineQuery: string | undefined;
  private readonly canary: number[] = [];
  private readonly baseline: number[] = [];
  private rounds = 0;
  private decided = 0;
  private readonly maxRounds: number;

  constructor(
    template: string,
    private readonly c: Comparison,
    run: RunContext,
  ) {
    super(template, c.name, "comparison", c.interval, run);
    this.canaryQuery = renderQuery(c.query, run.args);
    const base = run.args["baselineRevision"];
    this.baselineQuery = base ? renderQuery(c.query, { ...run.args, revision: base }) : undefined;
    this.maxRounds = run.comparisonMaxRounds(c);
  }

  /** Without a baseline revision (a first deployment) nothing can be compared. */
  get impossible(): string | undefined {
    return this.baselineQuery === undefined ? "no baseline revision to compare with" : undefined;
  }

  async measure(tMs: number): Promise<Outcome> {
    const bq = this.baselineQuery as string;
    let c: number[];
    let b: number[];
    try {
      [c, b] = await Promise.all([this.ask(this.canaryQuery, tMs), this.ask(bq, tMs)]);
    } catch (e) {
      return {
        phase: "Error",
        message: errorMessage(e),
        query: this.canaryQuery,
        values: [],
        baselineQuery: bq,
        baselineValues: [],
      };
    }
    const base = { query: this.canaryQuery, values: fmt(c), baselineQuery: bq, baselineValues: fmt(b) };
    // NaN samples (no traffic in the window) are not evidence either way.
    this.canary.push(...c.filter(Number.isFinite));
    this.baseline.push(...b.filter(Number.isFinite));
    this.rounds++;
    const min = this.c.minSamples;
    if (this.canary.length < min || this.baseline.length < min) {
      const progress = `collecting samples: canary ${this.canary.length}/${min}, baseline ${this.baseline.length}/${min}`;
      if (!this.run.background && this.rounds >= this.maxRounds) {
        return { phase: "Inconclusive", message: `${progress} after ${this.rounds} rounds`, ...base };
      }
      return { phase: "Pending", message: progress, ...base };
    }
    // Background runs test a sliding window so a late regression is not diluted by early samples.
    const window = this.run.background ? 3 * min : Infinity;
    const cs = this.canary.slice(-window);
    const bs = this.baseline.slice(-window);
    const r = mannWhitneyU(cs, bs);
    const stats = { ...r, canaryMedian: median(cs), baselineMedian: median(bs) };
    const higher = r.z > 0;
    const worse = r.pValue < this.c.alpha && (this.c.worseWhen === "higher" ? higher : !higher);
    const summary =
      `canary median ${formatFloat(stats.canaryMedian)} vs baseline ${formatFloat(stats.baselineMedian)}, ` +
      `p=${r.pValue.toPrecision(3)} (alpha ${this.c.alpha}, n=${r.n1}/${r.n2})`;
    return worse
      ? { phase: "Failed", message: `canary significantly ${this.c.worseWhen}: ${summary}`, stats, ...base }
      : { phase: "Successful", message: `no significant degradation: ${summary}`, stats, ...base };
  }

  protected assess(o: Outcome): { phase: Terminal; message: string } | undefined {
    if (o.phase === "Failed" || o.phase === "Inconclusive") {
      return { phase: o.phase, message: o.message };
    }
    if (o.phase === "Successful") {
      this.decided++;
      if (!this.run.background) {
        return { phase: "Successful", message: o.message };
      }
    }
    return undefined;
  }

  final(): { phase: Terminal; message: string } {
    return this.decided > 0
      ? { phase: "Successful", message: this.status.measurements.at(-1)?.message ?? "" }
      : {
          phase: "Inconclusive",
          message: `too few samples: canary ${this.canary.length}, baseline ${this.baseline.length} (minSamples ${this.c.minSamples})`,
        };
  }
}

/** A production KPI of the canary's stations against the other stations or the pre-deployment value. */
class KpiTask extends Task {
  private readonly canaryQuery: string;
  private readonly baselineQuery: string;
  private before: number | undefined;

  constructor(
    template: string,
    private readonly g: KpiGate,
    run: RunContext,
    private readonly limits: { count: number; failureLimit: number; inconclusiveLimit: number },
  ) {
    super(template, g.name, "kpi", run.kpiIntervalMs, run);
    this.canaryQuery = renderQuery(g.query, run.args);
    this.baselineQuery =
      g.baseline === "otherStations"
        ? renderQuery(g.query, { ...run.args, stations: run.args["baselineStations"] ?? "" })
        : this.canaryQuery;
    if (g.baseline === "otherStations" && !Object.hasOwn(run.args, "baselineStations")) {
      throw AnalysisErrors.argMissing(
        `unknown argument "baselineStations" (needed by KPI baseline otherStations)`,
      );
    }
  }

  async measure(tMs: number): Promise<Outcome> {
    const base = { query: this.canaryQuery, baselineQuery: this.baselineQuery };
    let c: number[];
    let b: number[];
    try {
      const beforeAt = this.run.baselineTimeMs;
      [c, b] = await Promise.all([
        this.ask(this.canaryQuery, tMs),
        this.g.baseline === "otherStations"
          ? this.ask(this.baselineQuery, tMs)
          : this.before !== undefined
            ? Promise.resolve([this.before])
            : this.ask(this.baselineQuery, beforeAt),
      ]);
    } catch (e) {
      return { phase: "Error", message: errorMessage(e), values: [], baselineValues: [], ...base };
    }
    const vals = { values: fmt(c), baselineValues: fmt(b), ...base };
    const why = noData(c) ?? noData(b);
    if (why !== undefined) {
      const side = noData(c) !== undefined ? "canary stations" : "baseline";
      return { phase: "Inconclusive", message: `${side}: ${why}`, ...vals };
    }
    const cv = mean(c);
    const bv = mean(b);
    if (this.g.baseline === "beforeDeployment") {
      this.before = bv;
    }
    const d = degradation(cv, bv, this.g.worseWhen);
    const summary =
      `canary ${formatFloat(cv)} vs ${this.g.baseline === "otherStations" ? "other stations" : "before deployment"} ` +
      `${formatFloat(bv)}: ${d > 0 ? `${pct(d)} worse` : "not worse"} (tolerance ${pct(this.g.tolerance)})`;
    return d > this.g.tolerance
      ? { phase: "Failed", message: summary, ...vals }
      : { phase: "Successful", message: summary, ...vals };
  }

  protected assess(): { phase: Terminal; message: string } | undefined {
    const s = this.status;
    if (s.failed > this.limits.failureLimit) {
      return {
        phase: "Failed",
        message: `${s.measurements.at(-1)?.message ?? ""}; failed (${s.failed}) > failureLimit (${this.limits.failureLimit})`,
      };
    }
    if (s.inconclusive > this.limits.inconclusiveLimit) {
      return {
        phase: "Inconclusive",
        message: `${s.measurements.at(-1)?.message ?? ""}; inconclusive (${s.inconclusive}) > inconclusiveLimit (${this.limits.inconclusiveLimit})`,
      };
    }
    if (!this.run.background && s.measured - s.errors >= this.limits.count) {
      return this.final();
    }
    return undefined;
  }

  final(): { phase: Terminal; message: string } {
    const s = this.status;
    return s.successful === 0
      ? { phase: "Inconclusive", message: `no successful measurement in ${s.measured}` }
      : { phase: "Successful", message: s.measurements.at(-1)?.message ?? "" };
  }
}

function mean(vs: readonly number[]): number {
  let s = 0;
  for (const v of vs) {
    s += v;
  }
  return s / vs.length;
}

/** Relative change in the bad direction (positive = worse); a zero baseline makes any worsening infinite. */
export function degradation(canary: number, baseline: number, worseWhen: "higher" | "lower"): number {
  const delta = worseWhen === "higher" ? canary - baseline : baseline - canary;
  if (baseline === 0) {
    return delta === 0 ? 0 : delta > 0 ? Infinity : -Infinity;
  }
  return delta / Math.abs(baseline);
}

function compileWith(what: string, src: string | undefined): CompiledCondition | undefined {
  if (src === undefined) {
    return undefined;
  }
  try {
    return compileCondition(src);
  } catch (e) {
    throw AnalysisErrors.templateInvalid(`${what}: ${errorMessage(e)}`, { cause: e });
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What the tasks need from their run. */
type RunContext = {
  args: Record<string, string>;
  querier: AnalysisQuerier;
  background: boolean;
  consecutiveErrorLimit: number;
  kpiIntervalMs: number;
  baselineTimeMs: number;
  comparisonMaxRounds: (c: Comparison) => number;
  timed<T>(p: Promise<T>): Promise<T>;
};

export class AnalysisRun {
  private readonly s: Clock;
  private readonly tasks: Task[] = [];
  private phase: AnalysisPhase = "Pending";
  private message = "";
  private startedAt: number | undefined;
  private finishedAt: number | undefined;
  private started: Promise<AnalysisVerdict> | undefined;
  private resolve: ((v: AnalysisVerdict) => void) | undefined;
  private readonly retention: number;
  private readonly onAbort = () => this.cancel("cancelled");

  constructor(private readonly o: AnalysisRunOptions) {
    this.s = o.clock ?? systemClock;
    this.retention = o.measurementRetention ?? 100;
  }

  /** Starts measuring (idempotent); resolves with the verdict once the run reaches a terminal phase. */
  start(): Promise<AnalysisVerdict> {
    if (this.started) {
      return this.started;
    }
    this.started = new Promise<AnalysisVerdict>((resolve) => {
      this.resolve = resolve;
    });
    this.startedAt = this.s.now();
    this.phase = "Running";
    if (this.o.signal?.aborted) {
      this.finish("Cancelled", "cancelled before it started");
      return this.started;
    }
    this.o.signal?.addEventListener("abort", this.onAbort, { once: true });
    try {
      this.build();
    } catch (e) {
      this.finish("Error", errorMessage(e));
      return this.started;
    }
    if (this.tasks.length === 0) {
      this.finish("Successful", "the templates define no metrics");
      return this.started;
    }
    for (const t of this.tasks) {
      const impossible = t instanceof ComparisonTask ? t.impossible : undefined;
      if (impossible !== undefined) {
        this.settle(t, { phase: "Inconclusive", message: impossible });
        if (!this.isRunning) {
          break;
        }
        continue;
      }
      t.status.phase = "Running";
      this.schedule(t, 0);
    }
    return this.started;
  }

  /** Stops at once; the verdict is Cancelled. Measurements in flight are discarded. */
  cancel(reason = "cancelled"): void {
    if (this.phase === "Pending") {
      this.phase = "Running";
      this.started = Promise.resolve({ phase: "Cancelled", message: reason });
    }
    this.finish("Cancelled", reason);
  }

  /** Ends a (background) run on what was measured so far: each metric gets its final verdict. */
  terminate(): void {
    if (!this.isRunning) {
      return;
    }
    for (const t of this.tasks) {
      if (!t.done) {
        this.settle(t, t.final());
        if (!this.isRunning) {
          return;
        }
      }
    }
  }

  get isRunning(): boolean {
    return this.phase === "Running";
  }

  /** A JSON-serialisable copy of the run's state, for persistence and the API. */
  snapshot(): AnalysisSnapshot {
    return structuredClone({
      phase: this.phase,
      message: this.message,
      templates: this.o.templates.map((t) => t.name),
      args: this.o.args,
      background: this.o.background ?? false,
      ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}),
      ...(this.finishedAt !== undefined ? { finishedAt: this.finishedAt } : {}),
      metrics: this.tasks.map((t) => t.status),
    });
  }

  private build(): void {
    const ctx: RunContext = {
      args: this.o.args,
      querier: this.o.querier,
      background: this.o.background ?? false,
      consecutiveErrorLimit: this.o.consecutiveErrorLimit ?? 4,
      kpiIntervalMs: this.o.kpi?.intervalMs ?? 30_000,
      baselineTimeMs: this.o.baselineTimeMs ?? (this.startedAt as number),
      comparisonMaxRounds: this.o.comparisonMaxRounds ?? ((c) => 3 * c.minSamples),
      timed: (p) => this.timed(p),
    };
    const kpiLimits = {
      count: this.o.kpi?.count ?? 3,
      failureLimit: this.o.kpi?.failureLimit ?? 0,
      inconclusiveLimit: this.o.kpi?.inconclusiveLimit ?? 0,
    };
    const seen = new Set<string>();
    for (const tpl of this.o.templates) {
      const where = (kind: string, name: string) => `template "${tpl.name}" ${kind} "${name}"`;
      const add = (kind: string, name: string, make: () => Task) => {
        if (seen.has(name)) {
          throw AnalysisErrors.templateInvalid(
            `${where(kind, name)}: another template of this analysis has a metric named "${name}"`,
          );
        }
        seen.add(name);
        try {
          this.tasks.push(make());
        } catch (e) {
          throw AnalysisErrors.templateInvalid(`${where(kind, name)}: ${errorMessage(e)}`, { cause: e });
        }
      };
      tpl.metrics.forEach((m) => add("metric", m.name, () => new MetricTask(tpl.name, m, ctx)));
      tpl.comparisons.forEach((c) => add("comparison", c.name, () => new ComparisonTask(tpl.name, c, ctx)));
      tpl.kpis.forEach((g) => add("kpi", g.name, () => new KpiTask(tpl.name, g, ctx, kpiLimits)));
    }
  }

  private timed<T>(p: Promise<T>): Promise<T> {
    const ms = this.o.queryTimeoutMs ?? 30_000;
    let timer: TimerHandle;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.s.setTimer(() => reject(new Error(`query timed out after ${ms} ms`)), ms);
    });
    return Promise.race([p, timeout]).finally(() => this.s.clearTimer(timer));
  }

  private schedule(t: Task, delay: number): void {
    t.timer = this.s.setTimer(() => void this.tick(t), delay);
  }

  private async tick(t: Task): Promise<void> {
    t.timer = undefined;
    if (!this.isRunning || t.done) {
      return;
    }
    const startedAt = this.s.now();
    const outcome = await t.measure(startedAt);
    if (!this.isRunning || t.done) {
      return;
    }
    const m: Measurement = {
      template: t.status.template,
      metric: t.status.name,
      kind: t.status.kind,
      seq: t.status.measured + 1,
      startedAt,
      finishedAt: this.s.now(),
      ...outcome,
    };
    t.status.measurements.push(m);
    if (t.status.measurements.length > this.retention) {
      t.status.measurements.splice(0, t.status.measurements.length - this.retention);
    }
    t.status.message = m.message;
    const verdict = t.apply(outcome);
    this.emitMeasurement(m, t.status);
    if (verdict) {
      this.settle(t, verdict);
    } else if (this.isRunning) {
      this.schedule(t, t.intervalMs);
    }
  }

  /** A metric reached its verdict: Failed or Error ends the run at once; otherwise the run ends with its last metric. */
  private settle(t: Task, v: { phase: Terminal; message: string }): void {
    t.status.phase = v.phase;
    t.status.message = v.message;
    if (t.timer !== undefined) {
      this.s.clearTimer(t.timer);
      t.timer = undefined;
    }
    this.emitVerdict({
      scope: "metric",
      template: t.status.template,
      metric: t.status.name,
      ...v,
      at: this.s.now(),
    });
    const label = `${t.status.kind} "${t.status.name}"`;
    if (v.phase === "Failed" || v.phase === "Error") {
      this.finish(v.phase, `${label}: ${v.message}`);
      return;
    }
    if (this.tasks.every((x) => x.done)) {
      let worst = this.tasks[0] as Task;
      for (const x of this.tasks) {
        if (SEVERITY[x.status.phase as Terminal] > SEVERITY[worst.status.phase as Terminal]) {
          worst = x;
        }
      }
      const phase = worst.status.phase as Terminal;
      this.finish(
        phase,
        phase === "Successful"
          ? `all ${this.tasks.length} metric${this.tasks.length === 1 ? "" : "s"} successful`
          : `${worst.status.kind} "${worst.status.name}": ${worst.status.message}`,
      );
    }
  }

  private finish(phase: Terminal, message: string): void {
    if (!this.isRunning) {
      return;
    }
    this.phase = phase;
    this.message = message;
    this.finishedAt = this.s.now();
    for (const t of this.tasks) {
      if (t.timer !== undefined) {
        this.s.clearTimer(t.timer);
        t.timer = undefined;
      }
      if (!t.done && phase === "Cancelled") {
        t.status.phase = "Cancelled";
      }
    }
    this.o.signal?.removeEventListener("abort", this.onAbort);
    this.emitVerdict({ scope: "run", phase, message, at: this.finishedAt });
    this.resolve?.({ phase, message });
  }

  private emitMeasurement(m: Measurement, status: MetricStatus): void {
    try {
      this.o.onMeasurement?.(m, status);
    } catch {
      // a failing observer (persistence) must not stop the analysis; the snapshot still has it
    }
  }

  private emitVerdict(v: VerdictEvent): void {
    try {
      this.o.onVerdict?.(v);
    } catch {
      // as above
    }
  }
}
