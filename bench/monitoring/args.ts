// Command-line flags of the monitoring benchmark.

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

export function parseArgs(argv: string[]): Args {
  const quick = argv.includes("--quick");
  const a: Args = {
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
  const num = (i: number, name: string): number => {
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < 0) {
      throw new Error(`${name} needs a non-negative number\n${USAGE}`);
    }
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    switch (f) {
      case "--quick":
        break;
      case "--json":
        a.json = true;
        break;
      case "--keep":
        a.keep = true;
        break;
      case "--scale":
        a.scale = true;
        break;
      case "--targets":
        a.targets = Math.max(1, Math.floor(num(i++, f)));
        break;
      case "--series":
        a.series = Math.max(1, Math.floor(num(i++, f)));
        break;
      case "--interval":
        a.intervalMs = Math.max(100, Math.floor(num(i++, f)));
        break;
      case "--duration":
        a.durationS = Math.max(1, num(i++, f));
        break;
      case "--block-samples":
        a.blockSamples = Math.floor(num(i++, f));
        break;
      case "--scale-max-series":
        a.scaleMaxSeries = Math.floor(num(i++, f));
        break;
      case "--scale-minutes":
        a.scaleMinutes = num(i++, f);
        break;
      case "--mode": {
        const m = argv[++i];
        if (m !== "parallel" && m !== "sequential") {
          throw new Error(`--mode is parallel or sequential\n${USAGE}`);
        }
        a.mode = m;
        break;
      }
      case "--only": {
        const o = argv[++i];
        if (o !== "prometheus" && o !== "lineops") {
          throw new Error(`--only is prometheus or lineops\n${USAGE}`);
        }
        a.only = o;
        break;
      }
      default:
        throw new Error(`unknown flag ${f}\n${USAGE}`);
    }
  }
  return a;
}
