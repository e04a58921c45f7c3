// The backfilled day both systems hold: 24 h at 15 s of the 30-panel dashboard's series
// (bench_ui_panel{panel, series}: slow waves with noise) and of the explorer query's counters
// (bench_ui_requests_total{instance}), as OpenMetrics text with timestamps, the input of
// `lineops tsdb import` and of `promtool tsdb create-blocks-from openmetrics`. Deterministic.
import { closeSync, openSync } from "node:fs";
import { prng } from "../../src/test-support/prng.js";
import { Out } from "../common/out.js";

export const STEP_MS = 15_000;
export const DAY_MS = 86_400_000;
export const PANELS = 30;
export const SERIES_PER_PANEL = 3;
export const EXPLORER_INSTANCES = 10;

/** The explorer's query, the same text typed into both UIs. */
export const EXPLORER_QUERY = "sum by (instance) (rate(bench_ui_requests_total[5m]))";

export type Generated = { series: number; samples: number; bytes: number; minT: number; maxT: number };

/** Writes 24 h + 10 min of samples ending at endMs (a multiple of 15 s) to file. */
export function generateDay(file: string, endMs: number): Generated {
  const end = Math.floor(endMs / STEP_MS) * STEP_MS;
  // A little more than a day: the dashboard's first step (rounded to the grid) has data too.
  const start = end - DAY_MS - 10 * 60_000;
  const steps = Math.round((end - start) / STEP_MS) + 1;
  const ts = Array.from({ length: steps }, (_, k) => String((start + k * STEP_MS) / 1000));
  const fd = openSync(file, "w");
  const out = new Out(fd);
  let series = 0;
  try {
    out.push("# TYPE bench_ui_panel gauge\n");
    for (let p = 1; p <= PANELS; p++) {
      for (let s = 0; s < SERIES_PER_PANEL; s++) {
        const rnd = prng(p * 100 + s);
        const head = `bench_ui_panel{panel="${p}",series="s${s}"} `;
        const period = (2 + ((p + s) % 7)) * 3600; // hours-long waves: the day's shape is visible
        const base = 50 + 10 * s;
        for (let k = 0; k < steps; k++) {
          const t = (start + k * STEP_MS) / 1000;
          const v = base + 30 * Math.sin((2 * Math.PI * t) / period + p) + 5 * (rnd() - 0.5);
          out.push(`${head}${v.toFixed(3)} ${ts[k]}\n`);
        }
        series++;
      }
    }
    out.push("# TYPE bench_ui_requests counter\n");
    for (let i = 0; i < EXPLORER_INSTANCES; i++) {
      const rnd = prng(10_000 + i);
      const head = `bench_ui_requests_total{instance="web-${i}"} `;
      let total = 0;
      for (let k = 0; k < steps; k++) {
        const t = (start + k * STEP_MS) / 1000;
        const rate = 20 + i * 3 + 10 * Math.sin((2 * Math.PI * t) / 43_200 + i) + 4 * rnd();
        total += rate * (STEP_MS / 1000);
        out.push(`${head}${total.toFixed(1)} ${ts[k]}\n`);
      }
      series++;
    }
    out.push("# EOF\n");
    out.flush();
  } finally {
    closeSync(fd);
  }
  return { series, samples: series * steps, bytes: out.bytes, minT: start, maxT: end };
}
