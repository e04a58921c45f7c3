// The two systems under test, loaded with the same OpenMetrics file: Prometheus (promtool blocks) and
// lineops (`lineops tsdb import`, then `lineops serve`), each a tracked child on a loopback port.
import { lineopsCliPath, startLineops, type RunningLineops } from "../common/lineops.js";
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

export async function loadLineops(root: string, omFile: string, dataDir: string, timeoutMs: number) {
  const r = await runToCompletion(
    process.execPath,
    [lineopsCliPath(root), "tsdb", "import", omFile, "--data-dir", dataDir, "--json"],
    { timeoutMs, cwd: root },
  );
  return { ms: r.ms, summary: JSON.parse(r.stdout) as Record<string, unknown> };
}

/** Mints an admin token in the store before serve starts: serve prints one only on a store's first start. */
export async function mintAdminToken(root: string, dataDir: string): Promise<string> {
  const r = await runToCompletion(
    process.execPath,
    [lineopsCliPath(root), "admin-token", "--data-dir", dataDir, "--name", "bench-query", "--json"],
    { timeoutMs: 60_000, cwd: root },
  );
  const token = (JSON.parse(r.stdout) as { token?: string }).token;
  if (!token) {
    throw new Error(`admin-token printed no token: ${r.stdout.slice(0, 200)}`);
  }
  return token;
}

export type RunningLineopsServe = Endpoint & RunningLineops;

/** `lineops serve` on the data dir (host metrics off), extra node flags first (e.g. --cpu-prof). */
export async function startLineopsServe(opts: {
  root: string;
  dataDir: string;
  token: string;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}): Promise<RunningLineopsServe> {
  const lineops = await startLineops({
    ...opts,
    configYaml: "monitoring:\n  host:\n    enabled: false\n",
    readyTimeoutMs: opts.readyTimeoutMs ?? 180_000,
  });
  return { name: "lineops", ...lineops };
}
