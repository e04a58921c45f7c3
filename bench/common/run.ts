// Runs a command to completion under a deadline (promtool, a lineops CLI step): tracked like every
// benchmark child, so Ctrl-C or an error kills it; output kept (stdout whole, stderr's tail).
import { spawnTracked } from "./children.js";

export type RunResult = { stdout: string; stderr: string; ms: number };

export function runToCompletion(
  cmd: string,
  args: string[],
  opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string) => void },
): Promise<RunResult> {
  const t0 = performance.now();
  const child = spawnTracked(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    const s = d.toString("utf8");
    opts.onStderr?.(s);
    stderr = (stderr + s).slice(-8000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`${cmd} ${args.join(" ")}: no result within ${opts.timeoutMs} ms\n${stderr.slice(-800)}`),
      );
    }, opts.timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve({ stdout, stderr, ms: performance.now() - t0 });
      } else {
        reject(
          new Error(
            `${cmd} ${args.join(" ")} failed (${code ?? signal}):\n${(stderr || stdout).slice(-1500)}`,
          ),
        );
      }
    });
  });
}
