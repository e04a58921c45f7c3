// Child processes of a benchmark: every one is registered, stopped gracefully on request and killed
// when the benchmark exits for any reason (normal end, error, Ctrl-C), so nothing outlives a run.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

const live = new Set<ChildProcess>();
let hooked = false;

const cleanups = new Set<() => void>();

/** A synchronous step (e.g. removing a temp dir) run at exit, after the children are killed. */
export function onExitCleanup(fn: () => void): () => void {
  hook();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  live.clear();
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // Best effort: exiting anyway.
    }
  }
  cleanups.clear();
}

function hook(): void {
  if (hooked) {
    return;
  }
  hooked = true;
  process.on("exit", killAll);
}

/** For a benchmark's main: on Ctrl-C / SIGTERM / SIGHUP, kill every child and exit 130. */
export function killChildrenOnSignals(): void {
  hook();
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping child processes\n`);
      killAll();
      process.exit(130);
    });
  }
}

/** spawn(), plus registration for the kill-on-exit net. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  hook();
  const child = spawn(cmd, args, opts);
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/**
 * A TypeScript program of the benchmark as a tracked child, run by `node --import tsx` (not the tsx
 * CLI, which forks): the pid is the program's own, so its CPU and memory can be measured.
 */
export function spawnTsx(script: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawnTracked(process.execPath, ["--import", "tsx", script, ...args], opts);
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL if it has not exited within timeoutMs. Resolves once it has exited. */
export async function stopChild(child: ChildProcess, timeoutMs: number): Promise<{ graceful: boolean }> {
  if (!isRunning(child)) {
    return { graceful: true };
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const graceful = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!graceful) {
    child.kill("SIGKILL");
    await exited;
  }
  return { graceful };
}

/** Resolves with the first stream line matching re (its match), rejects on timeout or exit. */
export function waitForLine(
  child: ChildProcess,
  stream: "stdout" | "stderr",
  re: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const src = child[stream];
  if (!src) {
    return Promise.reject(new Error(`${stream} is not piped`));
  }
  return new Promise((resolve, reject) => {
    let buf = "";
    const done = (err: Error | undefined, m?: RegExpMatchArray) => {
      clearTimeout(timer);
      src.off("data", onData);
      child.off("exit", onExit);
      if (err) {
        reject(err);
      } else {
        resolve(m as RegExpMatchArray);
      }
    };
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = re.exec(line);
        if (m) {
          done(undefined, m);
          return;
        }
      }
    };
    const onExit = (code: number | null) =>
      done(new Error(`process exited (code ${code}) before printing ${re} on ${stream}`));
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${re} on ${stream}`)), timeoutMs);
    src.on("data", onData);
    child.once("exit", onExit);
  });
}
