// Synthetic long-range data for the downsampling tests and bench:long-range: per series a gauge
// (a daily sine with deterministic noise) and a counter (random increments, reset now and then),
// appended to a TSDB over many days and compacted, so blocks and their 1 m / 1 h tiers exist.
import type { Tsdb } from "../tsdb/tsdb.js";

export const DAY_MS = 24 * 3600_000;

export type LongRangeSpec = {
  series: number;
  days: number;
  intervalMs: number;
  /** The last sample's time (ms), aligned to the interval. */
  endMs: number;
};

/** The gauge's daily swing and its noise: a value moves at most by gaugeChange(ms) within ms. */
export const GAUGE_AMPLITUDE = 20;
export const GAUGE_NOISE = 1;
/** Counter increments are in [0, COUNTER_STEP_MAX] per sample. */
export const COUNTER_STEP_MAX = 10;
/** A counter resets (to its increment) about once every this many samples. */
const RESET_EVERY = 9_973;

export function gaugeChange(ms: number): number {
  return (GAUGE_AMPLITUDE * 2 * Math.PI * ms) / DAY_MS + 2 * GAUGE_NOISE;
}

/** Deterministic noise in [0, 1): the same data on every run and in every process. */
export function unit(k: number, i: number): number {
  let h = (Math.imul(k + 1, 0x9e3779b1) ^ Math.imul(i + 7, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

export function gaugeLabels(k: number) {
  return { __name__: "lr_gauge", id: String(k), job: "long" };
}

export function counterLabels(k: number) {
  return { __name__: "lr_requests_total", id: String(k), job: "long" };
}

/** Appends the spec's samples (oldest first, a commit per 256 timestamps) and compacts. */
export function fillLongRange(db: Tsdb, spec: LongRangeSpec): { samples: number } {
  const n = Math.floor((spec.days * DAY_MS) / spec.intervalMs);
  const start = spec.endMs - (n - 1) * spec.intervalMs;
  const counters = new Float64Array(spec.series);
  const gl = Array.from({ length: spec.series }, (_, k) => gaugeLabels(k));
  const cl = Array.from({ length: spec.series }, (_, k) => counterLabels(k));
  let app = db.appender();
  for (let i = 0; i < n; i++) {
    const t = start + i * spec.intervalMs;
    for (let k = 0; k < spec.series; k++) {
      const g =
        50 + GAUGE_AMPLITUDE * Math.sin((2 * Math.PI * t) / DAY_MS + k) + GAUGE_NOISE * (2 * unit(k, i) - 1);
      app.append(gl[k]!, t, g);
      const inc = Math.floor(unit(k + 1000, i) * (COUNTER_STEP_MAX + 1));
      counters[k] = (i + 13 * k) % RESET_EVERY === RESET_EVERY - 1 ? inc : counters[k]! + inc;
      app.append(cl[k]!, t, counters[k]!);
    }
    if (i % 256 === 255) {
      app.commit();
      app = db.appender();
    }
  }
  app.commit();
  db.compact();
  return { samples: 2 * n * spec.series };
}
