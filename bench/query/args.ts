// Command-line flags of the query benchmark.

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

export function parseArgs(argv: string[]): Args {
  const quick = argv.includes("--quick");
  const a: Args = {
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
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) {
      throw new Error(`${name} needs a value\n${USAGE}`);
    }
    return v;
  };
  const num = (i: number, name: string): number => {
    const v = Number(value(i, name));
    if (!Number.isFinite(v) || v <= 0) {
      throw new Error(`${name} needs a positive number\n${USAGE}`);
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
      case "--series":
        a.series = Math.round(num(i++, f));
        break;
      case "--hours":
        a.hours = num(i++, f);
        break;
      case "--runs":
        a.runs = Math.round(num(i++, f));
        break;
      case "--deadline":
        a.deadlineS = num(i++, f);
        break;
      case "--only":
        a.only = new RegExp(value(i++, f));
        break;
      case "--work":
        a.work = value(i++, f);
        a.keep = true;
        break;
      case "--cpu-prof":
        a.cpuProf = value(i++, f);
        break;
      case "--help":
      case "-h":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown flag ${f}\n${USAGE}`);
    }
  }
  return a;
}
