// Command-line flags of the deploy benchmark.

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

export function parseArgs(argv: string[]): Args {
  const a: Args = {
    json: false,
    quick: false,
    rate: 350,
    concurrency: 32,
    target: -1,
    build: false,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const num = (name: string) => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) {
        throw new Error(`${name} needs a non-negative number\n${USAGE}`);
      }
      return v;
    };
    switch (arg) {
      case "--json":
        a.json = true;
        break;
      case "--quick":
        a.quick = true;
        break;
      case "--rate":
        a.rate = num(arg);
        break;
      case "--concurrency":
        a.concurrency = Math.max(1, Math.floor(num(arg)));
        break;
      case "--target":
        a.target = Math.floor(num(arg));
        break;
      case "--build":
        a.build = true;
        break;
      case "--keep":
        a.keep = true;
        break;
      case "-h":
      case "--help":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (a.rate <= 0) {
    throw new Error(`--rate must be positive\n${USAGE}`);
  }
  if (a.target < 0) {
    a.target = a.quick ? 0 : 100_000;
  }
  return a;
}
