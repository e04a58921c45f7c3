// Command-line flags of the alert delivery benchmark.
import { parseFlags, turnOn, type Flags } from "../common/args.js";

export type Args = {
  quick: boolean;
  json: boolean;
  /** Alerts measured (one per round; each round has its own `round` label value). */
  rounds: number;
  /** Scrape interval = rule evaluation interval of both systems, ms. */
  intervalMs: number;
  /** Mean gap between two rounds' flips, ms (jittered ±50% so flips land at every scrape phase). */
  spacingMs: number;
  /** A round not delivered within this long after its flip is a miss, ms. */
  timeoutMs: number;
};

export const USAGE = `usage: npm run bench:alerting -- [--json] [--quick] [--rounds N] [--interval-ms MS]
  [--spacing-ms MS] [--timeout-ms MS]`;

const FLAGS: Flags<Args> = {
  "--quick": turnOn("quick"),
  "--json": turnOn("json"),
  "--rounds": (a, v) => {
    a.rounds = Math.round(v.positive());
  },
  "--interval-ms": (a, v) => {
    a.intervalMs = Math.round(v.positive());
  },
  "--spacing-ms": (a, v) => {
    a.spacingMs = Math.round(v.positive());
  },
  "--timeout-ms": (a, v) => {
    a.timeoutMs = Math.round(v.positive());
  },
};

export function parseArgs(argv: string[]): Args {
  const quick = argv.includes("--quick");
  return parseFlags(
    argv,
    { quick, json: false, rounds: quick ? 20 : 60, intervalMs: 1000, spacingMs: 700, timeoutMs: 15_000 },
    FLAGS,
    USAGE,
  );
}
