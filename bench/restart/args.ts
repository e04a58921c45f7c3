// Command-line flags of the restart benchmark.
import { parseFlags, turnOn, type Flags } from "../common/args.js";

export const EVENTS = ["graceful", "sigkill", "upgrade", "dataplane"] as const;
export type EventName = (typeof EVENTS)[number];
export const UPGRADE_MODES = ["clone", "copy"] as const;
export type UpgradeMode = (typeof UPGRADE_MODES)[number];

export type Args = {
  json: boolean;
  /** Seconds of each measuring window: the settle before and after every event, idle and busy. */
  duration: number;
  /** Work orders per second on line-controller's front door (P7: at least 300). */
  rate: number;
  /** Deadline of each line request; a slower answer is a failure. */
  requestTimeoutMs: number;
  upgradeMode: UpgradeMode;
  events: EventName[];
  /** Measure busyControlPlaneP99Ratio (idle vs busy window). */
  busy: boolean;
  /** Concurrent heavy range queries in the busy window. */
  queryConcurrency: number;
  /** monitoring.tsdb.blockDuration of the run: short, so compactions happen while it runs. */
  blockDuration: string;
  /** Deadline for the line to be ready after a (re)start. */
  readyTimeoutS: number;
  build: boolean;
  keep: boolean;
};

const USAGE = `usage: npm run bench:restart -- [--json] [--duration S] [--rate N] [--request-timeout-ms N]
       [--upgrade-mode clone|copy] [--events graceful,sigkill,upgrade,dataplane] [--no-busy]
       [--query-concurrency N] [--block-duration D] [--ready-timeout S] [--build] [--keep]
  --duration S            settle before and after each event, and the idle and busy windows (default 20)
  --rate N                work orders per second on line-controller's front door (default 350)
  --request-timeout-ms N  deadline of each line request (default 2000)
  --upgrade-mode M        clone: git clone of HEAD + npm ci + npm run build (default; honest, slow);
                          copy: the checkout minus node_modules/dist/.git, node_modules symlinked,
                          npm run build (uncommitted changes included)
  --events LIST           which events, in this order (default all four)
  --no-busy               skip the idle/busy p99 comparison
  --query-concurrency N   heavy range queries at once in the busy window (default 3)
  --block-duration D      monitoring.tsdb.blockDuration of the run (default 10s: a compaction every ~10 s)
  --ready-timeout S       deadline for the line to be ready after a start (default 120)
  --build                 run \`npm run build\` first (otherwise the existing dist/ is used)
  --keep                  keep the temp dir (line.yaml, data dir, logs, the upgrade copy)`;

const FLAGS: Flags<Args> = {
  "--json": turnOn("json"),
  "--duration": (a, v) => {
    a.duration = v.positive();
  },
  "--rate": (a, v) => {
    a.rate = v.positive();
  },
  "--request-timeout-ms": (a, v) => {
    a.requestTimeoutMs = v.positive();
  },
  "--upgrade-mode": (a, v) => {
    a.upgradeMode = v.oneOf(UPGRADE_MODES, `--upgrade-mode must be one of ${UPGRADE_MODES.join(", ")}`);
  },
  "--events": (a, v) => {
    const names = v.text().split(",").filter(Boolean);
    const bad = names.filter((n) => !(EVENTS as readonly string[]).includes(n));
    if (bad.length > 0 || names.length === 0) {
      throw new Error(
        `--events: unknown event(s) ${bad.join(", ") || "(none)"}; known: ${EVENTS.join(", ")}\n${USAGE}`,
      );
    }
    a.events = names as EventName[];
  },
  "--no-busy": (a) => {
    a.busy = false;
  },
  "--query-concurrency": (a, v) => {
    a.queryConcurrency = Math.floor(v.positive());
  },
  "--block-duration": (a, v) => {
    const d = v.text();
    if (!/^\d+(ms|s|m|h)$/.test(d)) {
      throw new Error(`--block-duration must be a duration like 10s or 1m, got "${d}"\n${USAGE}`);
    }
    a.blockDuration = d;
  },
  "--ready-timeout": (a, v) => {
    a.readyTimeoutS = v.positive();
  },
  "--build": turnOn("build"),
  "--keep": turnOn("keep"),
};

export function parseArgs(argv: string[]): Args {
  return parseFlags(
    argv,
    {
      json: false,
      duration: 20,
      rate: 350,
      requestTimeoutMs: 2000,
      upgradeMode: "clone",
      events: [...EVENTS],
      busy: true,
      queryConcurrency: 3,
      blockDuration: "10s",
      readyTimeoutS: 120,
      build: false,
      keep: false,
    },
    FLAGS,
    USAGE,
  );
}
