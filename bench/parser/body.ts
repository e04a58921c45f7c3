// A deterministic scrape body for the parser benchmark: 1,000 series across counters and gauges with
// 3–5 labels and classic histograms, the shape of a typical service's /metrics, in either format.
import type { ExpositionFormat } from "../../src/monitoring/scrape/parser.js";
import { prng } from "../../src/test-support/prng.js";

const STATIONS = ["press-01", "press-02", "weld-01", "weld-02", "paint-01", "assembly-01", "qa-01"];
const METHODS = ["get", "post", "put", "delete"];
const CODES = ["200", "201", "400", "404", "500", "503"];
const BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];

export type GeneratedBody = { body: string; samples: number; bytes: number };

export function generateBody(format: ExpositionFormat, seriesTarget = 1000, seed = 42): GeneratedBody {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const lines: string[] = [];
  let samples = 0;
  const om = format === "openmetrics";
  let family = 0;
  while (samples < seriesTarget) {
    const kind = family % 5 === 4 ? "histogram" : family % 2 === 0 ? "counter" : "gauge";
    const name = `lineops_station_${kind}_${family}`;
    lines.push(`# HELP ${name} Synthetic ${kind} number ${family} of the benchmark body.`);
    lines.push(`# TYPE ${name} ${kind}`);
    if (kind === "histogram") {
      for (let h = 0; h < 3; h++) {
        const base = `station="${pick(STATIONS)}",method="${pick(METHODS)}",handler="/api/v1/h${h}"`;
        let cum = 0;
        for (const le of BUCKETS) {
          cum += Math.floor(r() * 1000);
          lines.push(`${name}_bucket{${base},le="${le}"} ${cum}`);
        }
        lines.push(`${name}_sum{${base}} ${(cum * 0.173).toFixed(6)}`);
        lines.push(`${name}_count{${base}} ${cum}`);
        samples += BUCKETS.length + 2;
      }
    } else {
      const series = 8;
      for (let i = 0; i < series; i++) {
        const nLabels = 3 + Math.floor(r() * 3);
        const labels = [
          `station="${pick(STATIONS)}"`,
          `instance="10.0.${i}.${Math.floor(r() * 255)}:9100"`,
          `code="${pick(CODES)}"`,
          `method="${pick(METHODS)}"`,
          `shift="s${i % 3}"`,
        ].slice(0, nLabels);
        const value =
          kind === "counter"
            ? String(Math.floor(r() * 1e9))
            : (r() * 1000 - 500).toPrecision(r() < 0.5 ? 6 : 12);
        const metric = kind === "counter" && om ? `${name}_total` : name;
        lines.push(`${metric}{${labels.join(",")}} ${value}`);
        samples++;
      }
    }
    family++;
  }
  if (om) {
    lines.push("# EOF");
  }
  // Through a Buffer, as a fetched body arrives: a flat string, not the rope that join + concat builds.
  const body = Buffer.from(lines.join("\n") + "\n").toString("utf8");
  return { body, samples, bytes: Buffer.byteLength(body) };
}
