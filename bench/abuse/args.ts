// Command-line flags of the abuse benchmark.
import { parseFlags, turnOn, type Flags } from "../common/args.js";

export type Args = {
  json: boolean;
  quick: boolean;
  /** Line traffic in requests per second through line-controller's front door (P5: at least 100). */
  rate: number;
  /** Client deadline of each abusive request, so the run always finishes. */
  timeoutMs: number;
  /** Distinct ~0.9 MB queries of the cache flood. */
  flood: number;
  /** Replay the PromQL and remote-write abuse against a real Prometheus afterwards. */
  peer: boolean;
  build: boolean;
  keep: boolean;
};

const USAGE = `usage: tsx bench/abuse/main.ts [--json] [--quick] [--rate N] [--timeout-ms N] [--flood N] [--no-peer] [--build] [--keep]
  --quick         40 flood queries, 20 s per abusive request, shorter waits (a few minutes in all)
  --rate N        line traffic in requests per second (default 150)
  --timeout-ms N  client deadline of each abusive request (default 60000; --quick: 20000)
  --flood N       distinct ~0.9 MB queries of the cache flood (default 150; --quick: 40)
  --no-peer       skip the replay against a real Prometheus (see bench/common/prometheus.ts)
  --build         run \`npm run build\` first (otherwise the existing dist/ is used)
  --keep          keep the temp dir (line.yaml, data dir, instance logs)`;

const FLAGS: Flags<Args> = {
  "--json": turnOn("json"),
  "--quick": turnOn("quick"),
  "--rate": (a, v) => {
    a.rate = v.positive();
  },
  "--timeout-ms": (a, v) => {
    a.timeoutMs = v.positive();
  },
  "--flood": (a, v) => {
    a.flood = Math.floor(v.nonNegative());
  },
  "--no-peer": (a) => {
    a.peer = false;
  },
  "--build": turnOn("build"),
  "--keep": turnOn("keep"),
};

export function parseArgs(argv: string[]): Args {
  const a = parseFlags(
    argv,
    { json: false, quick: false, rate: 150, timeoutMs: -1, flood: -1, peer: true, build: false, keep: false },
    FLAGS,
    USAGE,
  );
  if (a.timeoutMs < 0) {
    a.timeoutMs = a.quick ? 20_000 : 60_000;
  }
  if (a.flood < 0) {
    a.flood = a.quick ? 40 : 150;
  }
  return a;
}
