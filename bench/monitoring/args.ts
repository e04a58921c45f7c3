// Command-line flags of the monitoring benchmark.
import { parseFlags, turnOn, type Flags } from "../common/args.js";

export type Mode = "parallel" | "sequential";

export type Args = {
  targets: number;
  series: number;
  intervalMs: number;
  durationS: number;
  quick: boolean;
  json: boolean;
  mode: Mode;
  only: "both" | "prometheus" | "lineops";
  /** Samples to dump for the promtool block comparison (0 = skip it). */
  blockSamples: number;
  scale: boolean;
  scaleMaxSeries: number;
  scaleMinutes: number;
  keep: boolean;
};

export const USAGE = `usage: npm run bench:monitoring -- [--json] [--quick] [--targets N] [--series M]
  [--interval MS] [--duration S] [--mode parallel|sequential] [--only prometheus|lineops]
  [--block-samples N] [--scale [--scale-max-series N] [--scale-minutes N]] [--keep]`;

const FLAGS: Flags<Args> = {
  // Also read before the others: it sets their defaults.
  "--quick": turnOn("quick"),
  "--json": turnOn("json"),
  "--keep": turnOn("keep"),
  "--scale": turnOn("scale"),
  "--targets": (a, v) => {
    a.targets = Math.max(1, Math.floor(v.nonNegative()));
  },
  "--series": (a, v) => {
    a.series = Math.max(1, Math.floor(v.nonNegative()));
  },
  "--interval": (a, v) => {
    a.intervalMs = Math.max(100, Math.floor(v.nonNegative()));
  },
  "--duration": (a, v) => {
    a.durationS = Math.max(1, v.nonNegative());
  },
  "--block-samples": (a, v) => {
    a.blockSamples = Math.floor(v.nonNegative());
  },
  "--scale-max-series": (a, v) => {
    a.scaleMaxSeries = Math.floor(v.nonNegative());
  },
  "--scale-minutes": (a, v) => {
    a.scaleMinutes = v.nonNegative();
  },
  "--mode": (a, v) => {
    a.mode = v.oneOf(["parallel", "sequential"], "--mode is parallel or sequential");
  },
  "--only": (a, v) => {
    a.only = v.oneOf(["prometheus", "lineops"], "--only is prometheus or lineops");
  },
};

export function parseArgs(argv: string[]): Args {
  const quick = argv.includes("--quick");
  const defaults: Args = {
    targets: quick ? 50 : 200,
    series: quick ? 500 : 1000,
    intervalMs: quick ? 1000 : 5000,
    durationS: quick ? 30 : 300,
    quick,
    json: false,
    mode: "parallel",
    only: "both",
    blockSamples: quick ? 200_000 : 2_000_000,
    scale: false,
    scaleMaxSeries: 2_000_000,
    scaleMinutes: 15,
    keep: false,
  };
  return parseFlags(argv, defaults, FLAGS, USAGE);
}
