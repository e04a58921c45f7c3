// Runs the built lineops CLI (`lineops serve`) as a child: its URL and first-start admin token come
// from stderr (or the token is minted beforehand). stop() is graceful (SIGTERM), so the TSDB persists
// what it holds.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isRunning, spawnTracked, stopChild, waitForLine } from "./children.js";

export type RunningLineops = {
  url: string;
  token: string;
  pid: number;
  dataDir: string;
  child: ChildProcess;
  logTail(): string;
  stop(timeoutMs?: number): Promise<{ graceful: boolean }>;
};

/** Where `npm run build` puts the CLI. */
export function lineopsCliPath(root: string): string {
  return path.join(root, "dist/src/cli/main.js");
}

/** The built CLI, or undefined when `npm run build` has not run. */
export function lineopsCli(root: string): string | undefined {
  const cli = lineopsCliPath(root);
  return existsSync(cli) ? cli : undefined;
}

export async function startLineops(opts: {
  root: string;
  configYaml: string;
  dataDir: string;
  logLevel?: string;
  readyTimeoutMs?: number;
  /** An admin token already in the store (serve prints one only on a store's first start). */
  token?: string;
  /** Node flags before the CLI (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** The API port (default 0: any free one); a fixed one keeps the API's address across restarts. */
  port?: number;
  /**
   * `--stop-line`: lineops's SIGTERM also stops the line (instances and data plane), which since P7
   * otherwise outlive it. Only for a checkout that has the flag (P7 and later).
   */
  stopLine?: boolean;
}): Promise<RunningLineops> {
  const cli = lineopsCli(opts.root);
  if (!cli) {
    throw new Error("dist/src/cli/main.js is missing: run `npm run build` first");
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const configFile = path.join(path.dirname(opts.dataDir), `${path.basename(opts.dataDir)}.lineops.yaml`);
  writeFileSync(configFile, opts.configYaml);
  const child = spawnTracked(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      cli,
      "serve",
      "--config",
      configFile,
      "--data-dir",
      opts.dataDir,
      "--port",
      String(opts.port ?? 0),
      "--log-level",
      opts.logLevel ?? "warn",
      ...(opts.stopLine ? ["--stop-line"] : []),
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
    const timeout = opts.readyTimeoutMs ?? 60_000;
    const tokenLine =
      opts.token === undefined
        ? waitForLine(child, "stderr", /admin token[^:]*:\s*(lo_\S+)/, timeout)
        : undefined;
    const urlLine = await waitForLine(child, "stderr", /^lineops (http:\/\/\S+)/, timeout);
    // The token line follows the URL line at once on a first start.
    const token = opts.token ?? ((await tokenLine)?.[1] as string);
    return {
      url: urlLine[1] as string,
      token,
      pid: child.pid ?? -1,
      dataDir: opts.dataDir,
      child,
      logTail: () => tail.join("\n"),
      stop,
    };
  } catch (err) {
    const log = tail.join("\n");
    if (isRunning(child)) {
      await stop(5000);
    }
    throw new Error(`${(err as Error).message}\n${log}`);
  }
}
