// The two systems under test, loaded with the same OpenMetrics file: Prometheus (promtool blocks) and
// lineops (`lineops tsdb import`, then `lineops serve`), each a tracked child on a loopback port.
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { isRunning, spawnTracked, stopChild, waitForLine } from "../common/children.js";
import { startPrometheus, type PrometheusBinary, type RunningPrometheus } from "../common/prometheus.js";
import { runToCompletion } from "../common/run.js";

/** A running query endpoint: base URL and, for lineops, its bearer token. */
export type Endpoint = { name: string; url: string; token?: string; pid: number };

// Min = max block duration switches off Prometheus's background compaction of the 2 h promtool
// blocks, which would start a minute in and overlap the timed runs; lineops also keeps 2 h blocks.
export const PROMETHEUS_ARGS = [
  "--storage.tsdb.retention.time=30d",
  "--storage.tsdb.min-block-duration=2h",
  "--storage.tsdb.max-block-duration=2h",
];

export async function loadPrometheus(
  prom: PrometheusBinary,
  omFile: string,
  dataDir: string,
  timeoutMs: number,
): Promise<number> {
  if (!prom.promtool) {
    throw new Error(`no promtool beside ${prom.bin}: install the prometheus package or set PROMTOOL_BIN`);
  }
  const r = await runToCompletion(
    prom.promtool,
    ["tsdb", "create-blocks-from", "openmetrics", omFile, dataDir],
    { timeoutMs },
  );
  return r.ms;
}

export async function startPrometheusPeer(
  prom: PrometheusBinary,
  dataDir: string,
): Promise<RunningPrometheus> {
  // No scrape jobs: the data set is all it holds.
  return startPrometheus({
    bin: prom.bin,
    dataDir,
    configYaml: "global:\n  scrape_interval: 15s\nscrape_configs: []\n",
    extraArgs: PROMETHEUS_ARGS,
    readyTimeoutMs: 120_000,
  });
}

function cli(root: string): string {
  return path.join(root, "dist/src/cli/main.js");
}

export async function loadLineops(root: string, omFile: string, dataDir: string, timeoutMs: number) {
  const r = await runToCompletion(
    process.execPath,
    [cli(root), "tsdb", "import", omFile, "--data-dir", dataDir, "--json"],
    { timeoutMs, cwd: root },
  );
  return { ms: r.ms, summary: JSON.parse(r.stdout) as Record<string, unknown> };
}

/** Mints an admin token in the store before serve starts: serve prints one only on a store's first start. */
export async function mintAdminToken(root: string, dataDir: string): Promise<string> {
  const r = await runToCompletion(
    process.execPath,
    [cli(root), "admin-token", "--data-dir", dataDir, "--name", "bench-query", "--json"],
    { timeoutMs: 60_000, cwd: root },
  );
  const token = (JSON.parse(r.stdout) as { token?: string }).token;
  if (!token) {
    throw new Error(`admin-token printed no token: ${r.stdout.slice(0, 200)}`);
  }
  return token;
}

export type RunningLineopsServe = Endpoint & {
  child: ChildProcess;
  logTail(): string;
  stop(timeoutMs?: number): Promise<{ graceful: boolean }>;
};

/** `lineops serve` on the data dir (host metrics off), extra node flags first (e.g. --cpu-prof). */
export async function startLineopsServe(opts: {
  root: string;
  dataDir: string;
  token: string;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}): Promise<RunningLineopsServe> {
  const configFile = `${opts.dataDir}.lineops.yaml`;
  writeFileSync(configFile, "monitoring:\n  host:\n    enabled: false\n");
  const child = spawnTracked(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      cli(opts.root),
      "serve",
      "--config",
      configFile,
      "--data-dir",
      opts.dataDir,
      "--port",
      "0",
      "--log-level",
      "warn",
    ],
    { cwd: opts.root, stdio: ["ignore", "pipe", "pipe"] },
  );
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    tail.push(...d.toString("utf8").split("\n").filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = (timeoutMs = 30_000) => stopChild(child, timeoutMs);
  try {
    const m = await waitForLine(child, "stderr", /^lineops (http:\/\/\S+)/, opts.readyTimeoutMs ?? 180_000);
    return {
      name: "lineops",
      url: m[1] as string,
      token: opts.token,
      pid: child.pid ?? -1,
      child,
      logTail: () => tail.join("\n"),
      stop,
    };
  } catch (err) {
    if (isRunning(child)) {
      await stop(5000);
    }
    throw new Error(`${(err as Error).message}\n${tail.join("\n")}`);
  }
}
