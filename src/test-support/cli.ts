// Runs the compiled `lineops` CLI as a real process, as users and scripts do, and cleans up after
// the long-running ones (serve, demo).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pino } from "pino";
import { stopLineOf } from "../runtime/stop-line.js";
import { PACKAGE_ROOT } from "../version.js";
import { waitFor } from "./wait.js";

export const CLI = path.join(PACKAGE_ROOT, "dist", "src", "cli", "main.js");

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** `input`: written to the command's standard input, then closed (without it, stdin is empty). */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LINEOPS_URL: "", LINEOPS_TOKEN: "", LINEOPS_CONFIG: "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // A command that exits before reading its input (a usage error) closes the pipe: EPIPE is expected.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`lineops ${args.join(" ")} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running CLI command (serve, demo); the caller stops it. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LINEOPS_URL: "", LINEOPS_TOKEN: "", LINEOPS_CONFIG: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a started `lineops serve` listens and the admin token it printed (once, on a fresh data
 * dir); fails with the process's output if it prints neither within `timeoutMs`.
 */
export function servedAt(
  serve: ReturnType<typeof spawnCli>,
  timeoutMs = 20_000,
): Promise<{ url: string; token: string }> {
  return waitFor(
    () => {
      const url = /lineops (http:\/\/\S+)/.exec(serve.output())?.[1];
      const token = /admin token \(shown once, store it now\): (\S+)/.exec(serve.output())?.[1];
      return url && token ? { url, token } : undefined;
    },
    timeoutMs,
    "serve to print its URL and token",
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${serve.output()}`, { cause: err });
  });
}

/**
 * The long-running CLI processes (serve, demo) of a test file and the data dirs they ran on.
 * stopAll() leaves no process behind, whatever the test did: it kills the control planes, then any
 * instance and data plane a killed one left (found by their pidfiles, identity-checked, then stopped).
 */
export class ControlPlanes {
  private readonly children: ReturnType<typeof spawnCli>[] = [];
  private readonly dataDirs = new Set<string>();

  /** Starts `lineops args...` on `dataDir` (the caller passes --data-dir in args as well). */
  spawn(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnCli> {
    this.dataDirs.add(dataDir);
    const child = spawnCli(args, env);
    this.children.push(child);
    return child;
  }

  async stopAll(): Promise<void> {
    for (const c of this.children.splice(0)) {
      c.kill("SIGKILL");
    }
    for (const dataDir of this.dataDirs) {
      await stopLineOf(dataDir, { logger: pino({ level: "silent" }), stopTimeoutMs: 2000 });
    }
    this.dataDirs.clear();
  }
}
