// The deployment parts of line.yaml: each service's rollout strategy, the analysis templates its
// canary or blue-green steps refer to, and the production gates a deployment must pass.
import { z } from "zod";
import { duration } from "../model/duration.js";

const percent = z.number().int().min(0).max(100);

/** A measurement: a PromQL query run `count` times every `interval`, judged by the conditions. */
export const analysisMetricSchema = z.strictObject({
  name: z.string().min(1),
  /** PromQL; `{{args.NAME}}` is replaced by the run's arguments (service, revision, stations, ...). */
  query: z.string().min(1),
  interval: duration().default(30_000),
  count: z.number().int().min(1).default(5),
  /** Condition over `result` (the query's first value; `result[i]` for the i-th series), e.g. `result < 0.05`. */
  successCondition: z.string().optional(),
  failureCondition: z.string().optional(),
  /** More failed measurements than this fails the analysis. */
  failureLimit: z.number().int().min(0).default(0),
  /** More inconclusive (empty, NaN, or neither condition met) measurements than this makes the analysis inconclusive. */
  inconclusiveLimit: z.number().int().min(0).default(0),
});

/** Baseline (stable) versus canary: a Mann-Whitney U test on a per-instance latency or error metric. */
export const comparisonSchema = z.strictObject({
  name: z.string().min(1),
  /** PromQL with {{args.revision}} placeholders; evaluated separately for the baseline and the canary revision. */
  query: z.string().min(1),
  /** Which direction is bad: a canary that is significantly "higher" (latency, errors) or "lower" (throughput). */
  worseWhen: z.enum(["higher", "lower"]).default("higher"),
  /** Significance level of the two-sided test. */
  alpha: z.number().positive().max(0.5).default(0.05),
  interval: duration().default(10_000),
  /** Samples to collect per side before deciding; fewer is inconclusive. */
  minSamples: z.number().int().min(3).default(10),
});

/** Production KPIs of the stations the canary serves must not degrade beyond a tolerance. */
export const kpiGateSchema = z.strictObject({
  name: z.string().min(1),
  /** PromQL per station with {{args.stations}} (a regex alternation of the canary's stations). */
  query: z.string().min(1),
  /** Baseline from the other stations ({{args.baselineStations}}), or from before the deployment. */
  baseline: z.enum(["otherStations", "beforeDeployment"]).default("otherStations"),
  /** Allowed relative degradation, e.g. 0.1 = 10 %. */
  tolerance: z.number().min(0).default(0.1),
  worseWhen: z.enum(["higher", "lower"]).default("higher"),
});

export const analysisTemplateSchema = z.strictObject({
  name: z.string().min(1),
  metrics: z.array(analysisMetricSchema).default([]),
  comparisons: z.array(comparisonSchema).default([]),
  kpis: z.array(kpiGateSchema).default([]),
});

const analysisRef = z.strictObject({
  templates: z.array(z.string().min(1)).min(1),
  args: z.record(z.string(), z.string()).default({}),
});

export const canaryStepSchema = z.union([
  z.strictObject({ setWeight: percent }),
  z.strictObject({ setStations: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ pause: z.strictObject({ duration: duration().optional() }) }),
  z.strictObject({ analysis: analysisRef }),
]);

export const strategySchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("rolling"),
    maxSurge: z.number().int().min(0).default(1),
    maxUnavailable: z.number().int().min(0).default(0),
    minReadySeconds: z.number().min(0).default(0),
  }),
  z.strictObject({
    type: z.literal("blueGreen"),
    prePromotionAnalysis: analysisRef.optional(),
    autoPromote: z.boolean().default(true),
    /** With autoPromote false: promote anyway after this long (omitted: wait for a manual promote). */
    autoPromoteTimeout: duration().optional(),
    /** Keep the old stack warm this long after the switch, for instant rollback. */
    scaleDownDelay: duration().default(30_000),
  }),
  z.strictObject({
    type: z.literal("canary"),
    steps: z.array(canaryStepSchema).min(1),
    /** Runs for the whole rollout; a failure aborts at once. */
    analysis: analysisRef.optional(),
    /** Sticky routing to the canary by this header or cookie. */
    stickiness: z.strictObject({ header: z.string().optional(), cookie: z.string().optional() }).optional(),
  }),
  z.strictObject({ type: z.literal("recreate") }),
]);

/** A gate every deployment of the service (or of the line) waits for. */
export const gatesSchema = z.strictObject({
  /** Calendar windows in which deployments may start, e.g. "Mon..Fri 05:45-06:15" (local time) or "*-*-* 13:50..14:10". */
  windows: z.array(z.string().min(1)).default([]),
  timezone: z.string().default("UTC"),
  /** PromQL that must return a non-empty, non-zero result, e.g. `line_state{state="changeover"} == 1`. */
  state: z.array(z.strictObject({ name: z.string().min(1), query: z.string().min(1) })).default([]),
  /** How long a deployment may wait for its gates before it fails. */
  waitTimeout: duration().default(3600_000),
});

export type Strategy = z.output<typeof strategySchema>;
export type CanaryStep = z.output<typeof canaryStepSchema>;
export type AnalysisTemplate = z.output<typeof analysisTemplateSchema>;
export type AnalysisMetric = z.output<typeof analysisMetricSchema>;
export type Comparison = z.output<typeof comparisonSchema>;
export type KpiGate = z.output<typeof kpiGateSchema>;
export type AnalysisRef = z.output<typeof analysisRef>;
export type Gates = z.output<typeof gatesSchema>;
