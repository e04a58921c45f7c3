// Runs the real Prometheus, node_exporter and promtool from Debian for end-to-end tests: each on a
// free loopback port, in a temp dir, killed on stop() and when the test process exits. A missing
// binary fails with the command that installs it; nothing is ever skipped silently.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const INSTALL_HINT = "run `sudo bash scripts/system-deps.sh` (or `apt-get install -y PKG` as root)";

export type RunningPrometheus = {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Directory holding prometheus.yml and data/. */
  readonly dir: string;
  readonly binary: string;
  /** e.g. "2.42.0" */
  readonly version: string;
  /** The last lines Prometheus wrote to stderr (its log). */
  logTail(): string;
  stop(): Promise<void>;
};

export type StartPrometheusOptions = {
  /** prometheus.yml text; "{{PORT}}" is replaced by Prometheus's own port, or pass a function of it. */
  readonly configYaml: string | ((port: number) => string);
  readonly extraArgs?: readonly string[];
  /** Deadline for /-/ready. Default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Use this data dir (e.g. one holding promtool-created blocks) instead of a fresh one. */
  readonly dataDir?: string;
};

/**
 * prometheus.yml for the remote-write tests: Prometheus scrapes itself every second (job
 * "prometheus") and remote-writes to `url`; `remoteWrite` holds more keys of that remote_write
 * entry as YAML lines indented by four spaces (auth, queue_config, metadata_config).
 */
export function selfScrapeRemoteWriteConfig(url: string, remoteWrite: string): string {
  return `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ["127.0.0.1:{{PORT}}"] }]
remote_write:
  - url: ${url}
${remoteWrite}`;
}

// Every child still running when the test process exits is killed, so no test leaks a daemon.
const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of children) {
        c.kill("SIGKILL");
      }
    });
  }
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** A port free on 127.0.0.1 right now (another process may still take it: callers retry on bind errors). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isExecutable(p: string): boolean {
  try {
    return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter)) {
    const p = path.join(dir, name);
    if (isExecutable(p)) {
      return p;
    }
  }
  return undefined;
}

/**
 * Finds a binary: env var `envVar` (a file, or a directory holding NAME or usr/bin/NAME, such as the
 * trixie 2.53.3 .deb extracted with dpkg-deb -x), else NAME on PATH. Throws the install command if absent.
 */
export function findBinary(name: string, envVar: string, debPackage: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    for (const p of [fromEnv, path.join(fromEnv, name), path.join(fromEnv, "usr/bin", name)]) {
      if (isExecutable(p)) {
        return p;
      }
    }
    throw new Error(
      `${envVar}=${fromEnv} holds no executable ${name} (tried the path, ./${name}, ./usr/bin/${name})`,
    );
  }
  const found = onPath(name);
  if (!found) {
    throw new Error(`${name} is not installed: ${INSTALL_HINT.replace("PKG", debPackage)}`);
  }
  return found;
}

export function prometheusBinary(): string {
  return findBinary("prometheus", "PROMETHEUS_BIN", "prometheus");
}

/** promtool: PROMTOOL_BIN, else next to the chosen prometheus binary, else on PATH. */
export function promtoolBinary(): string {
  if (!process.env.PROMTOOL_BIN) {
    try {
      const beside = path.join(path.dirname(prometheusBinary()), "promtool");
      if (isExecutable(beside)) {
        return beside;
      }
    } catch {
      // fall through to PATH and its install hint
    }
  }
  return findBinary("promtool", "PROMTOOL_BIN", "prometheus");
}

/** "2.42.0" from `BIN --version`. */
export function binaryVersion(bin: string): string {
  const out = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const m = /version (\d+\.\d+\.\d+)/.exec(`${out.stdout}${out.stderr}`);
  return m?.[1] ?? "unknown";
}

/** Keeps the last `max` lines of a stream. */
class Tail {
  private lines: string[] = [];
  private partial = "";
  constructor(private readonly max = 40) {}
  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString("utf8")).split("\n");
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
    if (this.lines.length > this.max) {
      this.lines.splice(0, this.lines.length - this.max);
    }
  }
  text(): string {
    return [...this.lines, this.partial].filter((l) => l !== "").join("\n");
  }
}

type Daemon = { child: ChildProcess; tail: Tail; exited: Promise<void>; stop(): Promise<void> };

function startDaemon(bin: string, args: readonly string[], cwd: string): Daemon {
  const child = spawn(bin, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  const tail = new Tail();
  child.stdout?.on("data", (c: Buffer) => tail.push(c));
  child.stderr?.on("data", (c: Buffer) => tail.push(c));
  child.on("error", (err) => tail.push(Buffer.from(`spawn error: ${err.message}\n`)));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
    } else {
      child.once("exit", () => resolve());
    }
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  return { child, tail, exited, stop };
}

/** Polls `url` until it answers 200, the daemon exits, or the deadline passes. */
async function waitReady(d: Daemon, url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (d.child.exitCode !== null || d.child.signalCode !== null) {
      throw new Error(
        `${what} exited (${d.child.exitCode ?? d.child.signalCode}) before it was ready; last output:\n${d.tail.text()}`,
      );
    }
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready at ${url} within ${timeoutMs} ms; last output:\n${d.tail.text()}`);
}

/**
 * Starts Prometheus with the remote-write receiver on, on a free loopback port, and waits for /-/ready.
 * Retries twice on a port taken between picking and binding.
 */
export async function startPrometheus(opts: StartPrometheusOptions): Promise<RunningPrometheus> {
  const bin = prometheusBinary();
  const version = binaryVersion(bin);
  const dir = mkdtempSync(path.join(tmpdir(), "lineops-prometheus-"));
  const dataDir = opts.dataDir ?? path.join(dir, "data");
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const yaml =
      typeof opts.configYaml === "function"
        ? opts.configYaml(port)
        : opts.configYaml.replaceAll("{{PORT}}", String(port));
    const configFile = path.join(dir, "prometheus.yml");
    writeFileSync(configFile, yaml);
    const d = startDaemon(
      bin,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.enable-remote-write-receiver",
        ...(opts.extraArgs ?? []),
      ],
      dir,
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(d, `${url}/-/ready`, opts.readyTimeoutMs ?? 30_000, `prometheus ${version} (${bin})`);
    } catch (err) {
      await d.stop();
      lastError = err;
      if (/address already in use/.test(d.tail.text())) {
        continue;
      }
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      url,
      port,
      dataDir,
      dir,
      binary: bin,
      version,
      logTail: () => d.tail.text(),
      stop: async () => {
        await d.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

export type RunningNodeExporter = { readonly url: string; readonly port: number; stop(): Promise<void> };

/** Starts prometheus-node-exporter on a free loopback port and waits until /metrics answers. */
export async function startNodeExporter(
  opts: { extraArgs?: readonly string[]; readyTimeoutMs?: number } = {},
): Promise<RunningNodeExporter> {
  const bin = findBinary("prometheus-node-exporter", "NODE_EXPORTER_BIN", "prometheus-node-exporter");
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const d = startDaemon(
      bin,
      [`--web.listen-address=127.0.0.1:${port}`, ...(opts.extraArgs ?? [])],
      tmpdir(),
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(d, `${url}/metrics`, opts.readyTimeoutMs ?? 20_000, `node_exporter (${bin})`);
      return { url, port, stop: () => d.stop() };
    } catch (err) {
      await d.stop();
      lastError = err;
      if (!/address already in use/.test(d.tail.text())) {
        throw err;
      }
    }
  }
  throw lastError;
}

/** Runs promtool with `args`; resolves with stdout, or throws with its exit code and output. */
export async function runPromtool(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const bin = promtoolBinary();
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let out = "";
  const tail = new Tail(60);
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString("utf8");
    tail.push(c);
  });
  child.stderr?.on("data", (c: Buffer) => tail.push(c));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | string>((resolve) => {
    child.once("error", (e) => resolve(e.message));
    child.once("exit", (c, s) => resolve(c ?? s ?? "unknown"));
  });
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`${bin} ${args.join(" ")} failed (${code}):\n${tail.text()}`);
  }
  return out;
}

/** `promtool tsdb create-blocks-from openmetrics FILE DIR`: TSDB blocks Prometheus can open from DIR. */
export function promtoolCreateBlocksFromOpenMetrics(file: string, outDir: string): Promise<string> {
  if (!existsSync(file)) {
    throw new Error(`no such OpenMetrics file: ${file}`);
  }
  return runPromtool(["tsdb", "create-blocks-from", "openmetrics", file, outDir]);
}
