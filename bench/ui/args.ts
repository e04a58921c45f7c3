// bench:ui's flags. --quick keeps every measurement but with fewer repetitions and a shorter
// scrape-to-screen watch, to finish within 90 s on a loaded 2-core machine.
import { parseFlags, turnOn } from "../common/args.js";

export type Args = {
  json: boolean;
  quick: boolean;
  /** Timed loads per measurement (after one untimed warm-up). */
  reps: number;
  /** Seconds of scrape-to-screen observation. */
  observeS: number;
  /** Write docs/screenshots/bench-ui-*.png (the measured screens, as last drawn). */
  screenshots: boolean;
  keep: boolean;
};

export const USAGE =
  "usage: bench/ui/main.ts [--json] [--quick] [--reps N (10; quick 2)] [--observe S (60; quick 10)] [--screenshots] [--keep]";

export function parseArgs(argv: string[]): Args {
  const given: Partial<Pick<Args, "reps" | "observeS">> = {};
  const a = parseFlags<Args>(
    argv,
    { json: false, quick: false, reps: 10, observeS: 60, screenshots: false, keep: false },
    {
      "--json": turnOn("json"),
      "--quick": turnOn("quick"),
      "--screenshots": turnOn("screenshots"),
      "--keep": turnOn("keep"),
      "--reps": (x, v) => (x.reps = given.reps = Math.round(v.positive())),
      "--observe": (x, v) => (x.observeS = given.observeS = v.positive()),
    },
    USAGE,
  );
  return a.quick ? { ...a, reps: given.reps ?? 2, observeS: given.observeS ?? 10 } : a;
}
