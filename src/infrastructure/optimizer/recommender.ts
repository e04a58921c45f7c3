// The VPA recommender's estimate of one workload's CPU and memory requests
// (kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender/logic and model): CPU usage
// samples go into a decaying histogram weighted by the request at the time (at least 0.1 core), so
// a raised request makes old history fade faster; memory goes in as one peak per instance and
// aggregation interval (24 h) with weight 1. Target = p90, lower bound = p50, upper bound = p95,
// each +15 %; the bounds widen with short history (confidence in days); nothing below 25 m / 250 MiB.
import { CPU_BUCKETS, DECAY_HALF_LIFE_MS, DecayingHistogram, MEMORY_BUCKETS } from "./histogram.js";

export const TARGET_PERCENTILE = 0.9;
export const LOWER_BOUND_PERCENTILE = 0.5;
export const UPPER_BOUND_PERCENTILE = 0.95;
export const SAFETY_MARGIN = 0.15;
/** Floors of any recommendation: the VPA's pod-recommendation-min-cpu-millicores / -min-memory-mb. */
export const MIN_CPU_CORES = 0.025;
export const MIN_MEMORY_BYTES = 250 * 1024 * 1024;
/** A CPU sample weighs its request in cores, never less than this (requests of 0 still count). */
export const MIN_SAMPLE_WEIGHT = 0.1;
/** Memory peaks are taken per instance over windows this long (the VPA's memory-aggregation-interval). */
export const MEMORY_AGGREGATION_INTERVAL_MS = 24 * 3600_000;
const DAY_MS = 24 * 3600_000;
/** Samples per day at the VPA's one sample a minute: the confidence's sample-count term. */
const SAMPLES_PER_DAY = 60 * 24;

/** Usage aggregated over every instance of one service. */
export class AggregateUsage {
  readonly cpu = new DecayingHistogram(CPU_BUCKETS, DECAY_HALF_LIFE_MS);
  readonly memoryPeaks = new DecayingHistogram(MEMORY_BUCKETS, DECAY_HALF_LIFE_MS);
  /** First and last CPU sample times and their count (the VPA bases confidence on CPU samples only). */
  firstSampleMs: number | undefined;
  lastSampleMs: number | undefined;
  cpuSamples = 0;
  memoryPeakCount = 0;

  /** One CPU usage sample (cores) of one instance, taken while its request was `requestCores`. */
  addCpu(timeMs: number, usageCores: number, requestCores = 0): void {
    if (!Number.isFinite(usageCores) || usageCores < 0 || !Number.isFinite(timeMs)) {
      return;
    }
    this.cpu.add(usageCores, Math.max(requestCores, MIN_SAMPLE_WEIGHT), timeMs);
    this.firstSampleMs = this.firstSampleMs === undefined ? timeMs : Math.min(this.firstSampleMs, timeMs);
    this.lastSampleMs = this.lastSampleMs === undefined ? timeMs : Math.max(this.lastSampleMs, timeMs);
    this.cpuSamples++;
  }

  /** One instance's memory peak (bytes) over the aggregation interval starting at `intervalStartMs`. */
  addMemoryPeak(intervalStartMs: number, peakBytes: number): void {
    if (!Number.isFinite(peakBytes) || peakBytes < 0 || !Number.isFinite(intervalStartMs)) {
      return;
    }
    this.memoryPeaks.add(peakBytes, 1, intervalStartMs);
    this.memoryPeakCount++;
  }
}

/**
 * How much the history is worth, in days: min(first-to-last sample span, samples / 1440) — N for N
 * days of one sample a minute; less when samples are sparse or the span is short.
 * `sampleIntervalMs` scales the count when samples come at a coarser step than one a minute, so a
 * 5-minute step over a week is still a week's confidence.
 */
export function confidenceDays(u: AggregateUsage, sampleIntervalMs = 60_000): number {
  if (u.firstSampleMs === undefined || u.lastSampleMs === undefined) {
    return 0;
  }
  const lifespan = (u.lastSampleMs - u.firstSampleMs) / DAY_MS;
  const samples = (u.cpuSamples * Math.max(1, sampleIntervalMs / 60_000)) / SAMPLES_PER_DAY;
  return Math.min(lifespan, samples);
}

/** (1 + multiplier/confidence)^exponent: the upper bound ×2 at one day of history, the lower bound ×0 at none. */
export function confidenceMultiplier(multiplier: number, exponent: number, confidence: number): number {
  return (1 + multiplier / confidence) ** exponent;
}

export type ResourceAmounts = { cpuCores: number; memoryBytes: number };
export type Estimate = {
  target: ResourceAmounts;
  lowerBound: ResourceAmounts;
  upperBound: ResourceAmounts;
  /** History in days the bounds were scaled by. */
  confidenceDays: number;
};

export type EstimateOptions = {
  /** Spacing of the CPU samples (confidence counts them as one a minute); default 60 s. */
  sampleIntervalMs?: number;
  /** Instances that share the floors (the VPA spreads the pod minimum over its containers); default 1. */
  floorShare?: number;
};

/** The VPA's target, lower and upper bound from aggregated usage. */
export function estimate(u: AggregateUsage, o: EstimateOptions = {}): Estimate {
  const conf = confidenceDays(u, o.sampleIntervalMs);
  const share = 1 / Math.max(1, o.floorShare ?? 1);
  const minCpu = MIN_CPU_CORES * share;
  const minMem = MIN_MEMORY_BYTES * share;
  const margin = (v: number) => v * (1 + SAFETY_MARGIN);
  // Infinity at no history is the VPA's "do not evict"; JSON has no infinity, so it stays finite.
  const upper = (v: number) => (conf > 0 ? v * confidenceMultiplier(1, 1, conf) : Number.MAX_VALUE);
  const lower = (v: number) => (conf > 0 ? v * confidenceMultiplier(0.001, -2, conf) : 0);
  const cpu = (p: number) => margin(u.cpu.percentile(p));
  const mem = (p: number) => margin(u.memoryPeaks.percentile(p));
  return {
    target: {
      cpuCores: Math.max(cpu(TARGET_PERCENTILE), minCpu),
      memoryBytes: Math.max(mem(TARGET_PERCENTILE), minMem),
    },
    lowerBound: {
      cpuCores: Math.max(lower(cpu(LOWER_BOUND_PERCENTILE)), minCpu),
      memoryBytes: Math.max(lower(mem(LOWER_BOUND_PERCENTILE)), minMem),
    },
    upperBound: {
      cpuCores: Math.max(upper(cpu(UPPER_BOUND_PERCENTILE)), minCpu),
      memoryBytes: Math.max(upper(mem(UPPER_BOUND_PERCENTILE)), minMem),
    },
    confidenceDays: conf,
  };
}

/**
 * A declared request against the bounds, as the VPA updater judges a pod: below the lower bound
 * it starves (under-provisioned), above the upper bound it wastes (over-provisioned).
 */
export type Verdict = "under-provisioned" | "over-provisioned" | "ok" | "undeclared" | "no-data";

export function verdict(
  declared: number | undefined,
  lowerBound: number,
  upperBound: number,
  hasData: boolean,
): Verdict {
  if (!hasData) {
    return "no-data";
  }
  if (declared === undefined) {
    return "undeclared";
  }
  if (declared < lowerBound) {
    return "under-provisioned";
  }
  return declared > upperBound ? "over-provisioned" : "ok";
}
