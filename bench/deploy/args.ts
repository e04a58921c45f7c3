// Command-line flags of the deploy benchmark.
import { parseFlags, turnOn, type Flags } from "../common/args.js";

export type Args = {
  json: boolean;
  quick: boolean;
  /** Requests per second the load generator aims at. */
  rate: number;
  concurrency: number;
  /** Requests each scenario must see; 0 means one deployment per scenario (--quick). */
  target: number;
  build: boolean;
  keep: boolean;
};

const USAGE = `usage: tsx bench/deploy/main.ts [--json] [--quick] [--rate N] [--concurrency N] [--target N] [--build] [--keep]
  --quick        one deployment per scenario, short pauses (≤ 60 s in all)
  --rate N       load in requests per second (default 350)
  --concurrency  keep-alive connections of the load (default 32)
  --target N     requests each scenario must see (default 100000; --quick: one deployment)
  --build        run \`npm run build\` first (otherwise the existing dist/ is used)
  --keep         keep the temp dir (line.yaml, data dir, instance logs)`;

const FLAGS: Flags<Args> = {
  "--json": turnOn("json"),
  "--quick": turnOn("quick"),
  "--rate": (a, v) => {
    a.rate = v.nonNegative();
  },
  "--concurrency": (a, v) => {
    a.concurrency = Math.max(1, Math.floor(v.nonNegative()));
  },
  "--target": (a, v) => {
    a.target = Math.floor(v.nonNegative());
  },
  "--build": turnOn("build"),
  "--keep": turnOn("keep"),
};

export function parseArgs(argv: string[]): Args {
  const a = parseFlags(
    argv,
    { json: false, quick: false, rate: 350, concurrency: 32, target: -1, build: false, keep: false },
    FLAGS,
    USAGE,
  );
  if (a.rate <= 0) {
    throw new Error(`--rate must be positive\n${USAGE}`);
  }
  if (a.target < 0) {
    a.target = a.quick ? 0 : 100_000;
  }
  return a;
}
