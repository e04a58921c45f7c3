// The query benchmark's data set: a manufacturing line's metrics (HTTP counters, a classic histogram,
// CPU gauges, station KPIs) as OpenMetrics text with timestamps, the input of both promtool and
// `lineops tsdb import`. Deterministic for a given (series, hours, endMs), so both systems load the same.
import { closeSync, openSync } from "node:fs";
import { prng } from "../../src/test-support/prng.js";
import { Out } from "../common/out.js";

export const SCRAPE_INTERVAL_MS = 15_000;

export const JOBS = [
  "line-controller",
  "station-controller",
  "plc-gateway",
  "quality-inspection",
  "mes-connector",
];
const METHODS = ["GET", "POST", "PUT"];
const CODES = ["200", "404", "500", "503"];
const CODE_SHARE = [0.9, 0.05, 0.03, 0.02];
const METHOD_SHARE = [0.6, 0.3, 0.1];
export const BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"];
const CPU_MODES = ["user", "system", "iowait", "idle"];

/** Series per instance: 12 http counters, 13 histogram series (11 buckets, _sum, _count), 4 CPU modes. */
export const SERIES_PER_INSTANCE = METHODS.length * CODES.length + BUCKETS.length + 2 + CPU_MODES.length;

export type DataShape = { instances: number; stations: number; series: number };

/** Instances and stations that make about `series` series (stations have 2 each). */
export function shapeFor(series: number): DataShape {
  const stations = Math.max(2, Math.round(series / 200));
  const instances = Math.max(1, Math.round((series - 2 * stations) / SERIES_PER_INSTANCE));
  return { instances, stations, series: instances * SERIES_PER_INSTANCE + 2 * stations };
}

export function instanceLabels(i: number): { job: string; instance: string } {
  return { job: JOBS[i % JOBS.length] as string, instance: `10.0.${i >> 8}.${i & 255}:9100` };
}

export function stationName(s: number): string {
  return `st-${String(s + 1).padStart(3, "0")}`;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26), for the latency distribution's bucket shares. */
function normCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export type GenerateResult = DataShape & {
  samples: number;
  bytes: number;
  /** First and last sample times (ms). */
  minT: number;
  maxT: number;
};

/**
 * Writes `hours` of 15 s samples ending at or just before endMs. Each group of series (one histogram's
 * buckets + _sum + _count, or a single series) is written in time order before the next, so families stay
 * contiguous (OpenMetrics) and each series is in time order (both importers need that). Sample times are
 * endMs - k·15 s - offset, offset = 0.5 s + (group mod 14) s: never on a whole second, so never on a query
 * step or range boundary, where Prometheus 2.x (left-closed ranges) and 3.x (left-open) differ.
 */
export function generateOpenMetrics(
  file: string,
  opts: { series: number; hours: number; endMs: number; onProgress?: (fraction: number) => void },
): GenerateResult {
  const shape = shapeFor(opts.series);
  const steps = Math.floor((opts.hours * 3600_000) / SCRAPE_INTERVAL_MS);
  const fd = openSync(file, "w");
  const out = new Out(fd);
  let samples = 0;
  let minT = Infinity;
  let maxT = -Infinity;
  let group = 0;
  // Times of the current group, as OpenMetrics seconds strings (computed once per group).
  const tStr: string[] = new Array<string>(steps);
  const startGroup = (): number[] => {
    const offset = 500 + (group % 14) * 1000;
    group++;
    const ts: number[] = new Array<number>(steps);
    for (let k = 0; k < steps; k++) {
      const t = opts.endMs - (steps - 1 - k) * SCRAPE_INTERVAL_MS - offset;
      ts[k] = t;
      tStr[k] = String(t / 1000);
    }
    minT = Math.min(minT, ts[0] as number);
    maxT = Math.max(maxT, ts[steps - 1] as number);
    return ts;
  };
  const total = shape.instances * 3 + shape.stations * 2;
  let done = 0;
  const progress = () => {
    done++;
    if (done % 50 === 0) {
      opts.onProgress?.(done / total);
    }
  };
  try {
    // http_requests_total: per instance a load level; each (method, code) a share of it, with noise.
    // Every 7th instance restarts (counter reset) at 60 % of the window.
    out.push("# TYPE http_requests counter\n");
    for (let i = 0; i < shape.instances; i++) {
      const { job, instance } = instanceLabels(i);
      const rnd = prng(1000 + i);
      const load = 5 + 45 * rnd();
      const resetAt = i % 7 === 3 ? Math.floor(steps * 0.6) : -1;
      for (let m = 0; m < METHODS.length; m++) {
        for (let c = 0; c < CODES.length; c++) {
          startGroup();
          const series = `http_requests_total{job="${job}",instance="${instance}",method="${METHODS[m]}",code="${CODES[c]}"} `;
          const rate = load * (METHOD_SHARE[m] as number) * (CODE_SHARE[c] as number);
          let v = Math.floor(rnd() * 1000);
          for (let k = 0; k < steps; k++) {
            if (k === resetAt) {
              v = 0;
            }
            v += Math.round(rate * 15 * (0.7 + 0.6 * rnd()));
            out.push(`${series}${v} ${tStr[k]}\n`);
          }
          samples += steps;
        }
      }
      progress();
    }
    // request_duration_seconds: log-normal latencies whose median drifts over the day.
    out.push("# TYPE request_duration_seconds histogram\n");
    const les = BUCKETS.map((b) => (b === "+Inf" ? Infinity : Number(b)));
    for (let i = 0; i < shape.instances; i++) {
      const { job, instance } = instanceLabels(i);
      const rnd = prng(2000 + i);
      const load = 5 + 45 * rnd();
      const median = 0.02 + 0.2 * rnd();
      const ts = startGroup();
      const cum = new Float64Array(les.length);
      let sum = 0;
      const base = `{job="${job}",instance="${instance}"`;
      for (let k = 0; k < steps; k++) {
        const n = Math.round(load * 15 * (0.7 + 0.6 * rnd()));
        const med = median * (1 + 0.5 * Math.sin(((ts[k] as number) / 3600_000) * 0.7 + i));
        for (let b = 0; b < les.length; b++) {
          const le = les[b] as number;
          const share = le === Infinity ? 1 : normCdf(Math.log(le / med) / 0.8);
          cum[b] = (cum[b] as number) + Math.round(n * share);
          out.push(`request_duration_seconds_bucket${base},le="${BUCKETS[b]}"} ${cum[b]} ${tStr[k]}\n`);
        }
        sum = r2(sum + n * med * 1.38);
        out.push(`request_duration_seconds_sum${base}} ${sum} ${tStr[k]}\n`);
        out.push(`request_duration_seconds_count${base}} ${cum[les.length - 1]} ${tStr[k]}\n`);
      }
      samples += steps * (les.length + 2);
      progress();
    }
    // cpu_usage: a daily-ish wave per instance plus noise, two decimals; idle is the rest.
    out.push("# TYPE cpu_usage gauge\n");
    for (let i = 0; i < shape.instances; i++) {
      const { instance } = instanceLabels(i);
      const period = (3 + (i % 5)) * 3600_000;
      const phase = i * 0.37;
      for (let m = 0; m < CPU_MODES.length; m++) {
        const ts = startGroup();
        const rnd = prng(3000 + i * 8 + m);
        const series = `cpu_usage{job="node",instance="${instance}",mode="${CPU_MODES[m]}"} `;
        for (let k = 0; k < steps; k++) {
          const wave = Math.sin(((ts[k] as number) / period) * 2 * Math.PI + phase);
          const user = 35 + 25 * wave;
          const system = 8 + 4 * wave;
          const iowait = 2;
          const noise = (rnd() - 0.5) * 4;
          const v = m === 0 ? user : m === 1 ? system : m === 2 ? iowait : 100 - user - system - iowait;
          out.push(`${series}${r2(Math.max(0, v + noise))} ${tStr[k]}\n`);
        }
        samples += steps;
      }
      progress();
    }
    // Station KPIs: units produced (a counter) and cycle time (a gauge).
    out.push("# TYPE units_produced counter\n");
    for (let s = 0; s < shape.stations; s++) {
      const rnd = prng(4000 + s);
      startGroup();
      const series = `units_produced_total{line="line-${(s % 3) + 1}",station="${stationName(s)}"} `;
      let v = 0;
      for (let k = 0; k < steps; k++) {
        v += rnd() < 0.8 ? 1 : rnd() < 0.5 ? 0 : 2;
        out.push(`${series}${v} ${tStr[k]}\n`);
      }
      samples += steps;
      progress();
    }
    out.push("# TYPE cycle_time_seconds gauge\n");
    for (let s = 0; s < shape.stations; s++) {
      const rnd = prng(5000 + s);
      startGroup();
      const series = `cycle_time_seconds{line="line-${(s % 3) + 1}",station="${stationName(s)}"} `;
      const target = 30 + (s % 10) * 3;
      for (let k = 0; k < steps; k++) {
        out.push(`${series}${r2(target + (rnd() - 0.3) * 6 + (rnd() < 0.01 ? 20 : 0))} ${tStr[k]}\n`);
      }
      samples += steps;
      progress();
    }
    out.push("# EOF\n");
    out.flush();
  } finally {
    closeSync(fd);
  }
  return { ...shape, samples, bytes: out.bytes, minT, maxT };
}
