// Finds and runs the Prometheus peer: $PROMETHEUS_BIN, else 2.53.3 unpacked from Debian trixie into
// /tmp (fetched once, never installed), else the system's 2.42. Started on a loopback port with its
// own config and data dir; stop() is graceful (SIGTERM), so its WAL and head chunks are flushed.
import { execFile, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnTracked, stopChild, isRunning } from "./children.js";
import { freePort } from "./ports.js";
import { getText, pollUntil } from "./prom-api.js";

export type PrometheusBinary = {
  bin: string;
  promtool: string | undefined;
  version: string;
  /** Where it came from: env ($PROMETHEUS_BIN), trixie (fetched 2.53.3) or system (Debian 12's). */
  source: "env" | "trixie" | "system";
  note?: string;
};

const CACHE = path.join(os.tmpdir(), "lineops-bench-prometheus-2.53.3");

function version(bin: string): string {
  const out = execFileSync(bin, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return /version (\S+)/.exec(out)?.[1] ?? "unknown";
}

// The REAL-COMPONENTS.md recipe: the machine's own Debian archive, trixie's lists in a private
// directory, `apt-get download` and `dpkg-deb -x`: nothing on the system changes.
const FETCH = `set -e
d="$1"; mkdir -p "$d/lists/partial"
uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=http://deb.debian.org/debian
echo "deb $uri trixie main" > "$d/sources.list"
o="-o Dir::Etc::sourcelist=$d/sources.list -o Dir::Etc::sourceparts=/dev/null -o Dir::State::Lists=$d/lists"
apt-get $o update -qq
cd "$d" && apt-get $o download prometheus promtool
for f in "$d"/*.deb; do dpkg-deb -x "$f" "$d/x"; done`;

function fetchTrixie(timeoutMs: number): Promise<void> {
  const tmp = mkdtempSync(`${CACHE}.tmp-`);
  return new Promise<void>((resolve, reject) => {
    execFile("sh", ["-c", FETCH, "sh", tmp], { timeout: timeoutMs }, (err, _out, stderr) => {
      if (err) {
        rmSync(tmp, { recursive: true, force: true });
        reject(new Error(`${err.message}\n${stderr.slice(-500)}`));
        return;
      }
      try {
        renameSync(tmp, CACHE);
      } catch {
        // Another run got there first; its copy is as good as ours.
        rmSync(tmp, { recursive: true, force: true });
      }
      resolve();
    });
  });
}

export async function findPrometheus(
  opts: { fetch?: boolean; log?: (msg: string) => void } = {},
): Promise<PrometheusBinary> {
  const env = process.env.PROMETHEUS_BIN;
  if (env) {
    const sibling = path.join(path.dirname(env), "promtool");
    const promtool = process.env.PROMTOOL_BIN ?? (existsSync(sibling) ? sibling : undefined);
    return { bin: env, promtool, version: version(env), source: "env" };
  }
  const cached = path.join(CACHE, "x/usr/bin/prometheus");
  let note: string | undefined;
  if (!existsSync(cached) && opts.fetch !== false) {
    opts.log?.("fetching Prometheus 2.53.3 from Debian trixie into " + CACHE + " (not installed)");
    try {
      await fetchTrixie(180_000);
    } catch (err) {
      note = `could not fetch Prometheus 2.53.3 (${(err as Error).message.split("\n")[0]}); using the system's`;
      opts.log?.(note);
    }
  }
  if (existsSync(cached)) {
    return {
      bin: cached,
      promtool: path.join(CACHE, "x/usr/bin/promtool"),
      version: version(cached),
      source: "trixie",
    };
  }
  const bin = "/usr/bin/prometheus";
  if (!existsSync(bin)) {
    throw new Error("Prometheus not found: run `apt-get install -y prometheus` or set PROMETHEUS_BIN");
  }
  return {
    bin,
    promtool: existsSync("/usr/bin/promtool") ? "/usr/bin/promtool" : undefined,
    version: version(bin),
    source: "system",
    note: note ?? "Prometheus 2.53.3 not fetched; using the system's",
  };
}

export type RunningPrometheus = {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  child: ChildProcess;
  /** The last lines it logged, for error messages. */
  logTail(): string;
  /** Graceful stop (SIGTERM, SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<{ graceful: boolean }>;
};

export async function startPrometheus(opts: {
  bin: string;
  configYaml: string;
  /** Created if missing; a fresh temp dir when omitted. */
  dataDir?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}): Promise<RunningPrometheus> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "bench-prom-"));
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.prometheus.yml`);
  writeFileSync(configFile, opts.configYaml);
  const port = await freePort();
  const child = spawnTracked(
    opts.bin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
      ...(opts.extraArgs ?? []),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const tail: string[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    tail.push(...d.toString("utf8").split("\n").filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  });
  const url = `http://127.0.0.1:${port}`;
  const running: RunningPrometheus = {
    url,
    port,
    pid: child.pid ?? -1,
    dataDir,
    child,
    logTail: () => tail.join("\n"),
    stop: (timeoutMs = 30_000) => stopChild(child, timeoutMs),
  };
  try {
    await pollUntil(
      "Prometheus to be ready",
      async () => {
        if (!isRunning(child)) {
          throw new Error(`Prometheus exited: ${running.logTail()}`);
        }
        return (await getText(`${url}/-/ready`, { timeoutMs: 2000 })) ? true : undefined;
      },
      opts.readyTimeoutMs ?? 30_000,
    );
  } catch (err) {
    await running.stop(5000);
    throw err;
  }
  return running;
}
