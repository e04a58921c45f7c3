// The benchmark's side of the load generator: starts load.ts as a tracked child, asks it for
// snapshots, and accumulates every failure so a window (one scenario) can be cut out later.
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isRunning, spawnTsx, stopChild } from "../common/children.js";
import type { FailureRecord, LoadCounts, Snapshot } from "./load.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Totals between two marks. latencyMs: since the mark taken just before the window's end (marks reset
 * the load's reservoir).
 */
export type Window = LoadCounts & {
  from: number;
  to: number;
  /** Requests per second over the window. */
  rate: number;
};

export class LoadClient {
  private buf = "";
  private waiters: ((s: Snapshot) => void)[] = [];
  /** Every failure seen so far, in order (bounded: MAX_KEPT). */
  private readonly failures: FailureRecord[] = [];
  private dropped = 0;
  private last: Snapshot | undefined;
  private stderr = "";

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on("data", (d: Buffer) => {
      this.buf += d.toString("utf8");
      for (let nl = this.buf.indexOf("\n"); nl >= 0; nl = this.buf.indexOf("\n")) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line.trim() === "") {
          continue;
        }
        const snap = JSON.parse(line) as Snapshot;
        this.absorb(snap);
        this.waiters.shift()?.(snap);
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString("utf8")).slice(-4000);
    });
  }

  static start(opts: { url: string; rate: number; concurrency: number; timeoutMs: number }): LoadClient {
    const child = spawnTsx(
      path.join(here, "load.ts"),
      [
        "--url",
        opts.url,
        "--rate",
        String(opts.rate),
        "--concurrency",
        String(opts.concurrency),
        "--timeout-ms",
        String(opts.timeoutMs),
      ],
      { cwd: path.resolve(here, "../.."), stdio: ["pipe", "pipe", "pipe"] },
    );
    return new LoadClient(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** A point in the load's history; window(a, b) gives what happened between two marks. */
  async mark(): Promise<Mark> {
    const snap = await this.ask("snap");
    return { snap, failureIndex: this.failures.length, dropped: this.dropped };
  }

  window(a: Mark, b: Mark): Window {
    const byCause: Record<string, number> = {};
    for (const [k, v] of Object.entries(b.snap.byCause)) {
      const d = v - (a.snap.byCause[k] ?? 0);
      if (d > 0) {
        byCause[k] = d;
      }
    }
    const total = b.snap.total - a.snap.total;
    const secs = Math.max(0.001, (b.snap.at - a.snap.at) / 1000);
    return {
      from: a.snap.at,
      to: b.snap.at,
      total,
      failed: b.snap.failed - a.snap.failed,
      skipped: b.snap.skipped - a.snap.skipped,
      byCause,
      failures: this.failures.slice(a.failureIndex, b.failureIndex),
      failuresDropped: b.dropped - a.dropped,
      rate: Math.round(total / secs),
      latencyMs: b.snap.latencyMs,
    };
  }

  async stop(): Promise<Snapshot | undefined> {
    if (!isRunning(this.child)) {
      return this.last;
    }
    try {
      const snap = await this.ask("stop", 10_000);
      await stopChild(this.child, 3000);
      return snap;
    } catch {
      await stopChild(this.child, 3000);
      return this.last;
    }
  }

  private absorb(snap: Snapshot): void {
    this.last = snap;
    for (const f of snap.failures) {
      if (this.failures.length < MAX_KEPT) {
        this.failures.push(f);
      } else {
        this.dropped++;
      }
    }
    this.dropped += snap.failuresDropped;
  }

  private ask(cmd: string, timeoutMs = 5000): Promise<Snapshot> {
    if (!isRunning(this.child) || !this.child.stdin) {
      return Promise.reject(new Error(`load generator is not running\n${this.stderr}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const k = this.waiters.indexOf(onSnap);
        if (k >= 0) {
          this.waiters.splice(k, 1);
        }
        reject(new Error(`load generator did not answer "${cmd}" within ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      const onSnap = (s: Snapshot) => {
        clearTimeout(timer);
        resolve(s);
      };
      this.waiters.push(onSnap);
      this.child.stdin?.write(`${cmd}\n`);
    });
  }
}

const MAX_KEPT = 200_000;

export type Mark = { snap: Snapshot; failureIndex: number; dropped: number };
