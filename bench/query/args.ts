// Command-line flags of the query benchmark.
import { parseFlags, turnOn, type Flags } from "../common/args.js";

export type Args = {
  quick: boolean;
  json: boolean;
  series: number;
  hours: number;
  runs: number;
  /** Only queries whose name matches. */
  only: RegExp | undefined;
  /** Working directory to keep (and reuse when it already holds the same data set). */
  work: string | undefined;
  keep: boolean;
  /** Write a CPU profile of the lineops server here and summarize it. */
  cpuProf: string | undefined;
  /** Whole-run deadline, seconds. */
  deadlineS: number;
};

export const USAGE = `usage: npm run bench:query -- [--json] [--quick] [--series N] [--hours H] [--runs N]
  [--only REGEX] [--work DIR] [--keep] [--cpu-prof DIR] [--deadline SECONDS]`;

const FLAGS: Flags<Args> = {
  // Also read before the others: it sets their defaults.
  "--quick": turnOn("quick"),
  "--json": turnOn("json"),
  "--keep": turnOn("keep"),
  "--series": (a, v) => {
    a.series = Math.round(v.positive());
  },
  "--hours": (a, v) => {
    a.hours = v.positive();
  },
  "--runs": (a, v) => {
    a.runs = Math.round(v.positive());
  },
  "--deadline": (a, v) => {
    a.deadlineS = v.positive();
  },
  "--only": (a, v) => {
    a.only = new RegExp(v.text());
  },
  "--work": (a, v) => {
    a.work = v.text();
    a.keep = true;
  },
  "--cpu-prof": (a, v) => {
    a.cpuProf = v.text();
  },
};

export function parseArgs(argv: string[]): Args {
  const quick = argv.includes("--quick");
  const defaults: Args = {
    quick,
    json: false,
    series: quick ? 1000 : 10_000,
    hours: quick ? 6 : 24,
    runs: quick ? 3 : 5,
    only: undefined,
    work: undefined,
    keep: false,
    cpuProf: undefined,
    deadlineS: quick ? 300 : 3 * 3600,
  };
  return parseFlags(argv, defaults, FLAGS, USAGE);
}
