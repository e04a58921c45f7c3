// The benchmark's side of the restart load generator (load.ts): starts it as a tracked child, keeps
// every window it reports, and cuts spans out of them (timeline.ts).
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isRunning, spawnTsx, stopChild } from "../common/children.js";
import { summarize, type LoadWindow, type SpanSummary } from "./timeline.js";

const here = path.dirname(fileURLToPath(import.meta.url));

export class RestartLoad {
  readonly windows: LoadWindow[] = [];
  private buf = "";
  private stderr = "";
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly windowMs: number,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.stdout?.on("data", (d: Buffer) => {
      this.buf += d.toString("utf8");
      for (let nl = this.buf.indexOf("\n"); nl >= 0; nl = this.buf.indexOf("\n")) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (line !== "") {
          this.windows.push(JSON.parse(line) as LoadWindow);
        }
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString("utf8")).slice(-4000);
    });
  }

  static start(opts: { url: string; rate: number; timeoutMs: number; windowMs?: number }): RestartLoad {
    const windowMs = opts.windowMs ?? 250;
    const child = spawnTsx(
      path.join(here, "load.ts"),
      [
        "--url",
        opts.url,
        "--rate",
        String(opts.rate),
        "--timeout-ms",
        String(opts.timeoutMs),
        "--window-ms",
        String(windowMs),
      ],
      { cwd: path.resolve(here, "../.."), stdio: ["pipe", "pipe", "pipe"] },
    );
    return new RestartLoad(child, windowMs);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Points the load at a new address (a client reconfigured after its old address died). */
  retarget(url: string): void {
    this.assertRunning();
    this.child.stdin?.write(`url ${url}\n`);
  }

  /**
   * The span [from, to] (epoch ms), once the load has reported past `to` plus a request deadline, so
   * requests sent before `to` that were still waiting have been counted.
   */
  async span(from: number, to: number, requestTimeoutMs: number): Promise<SpanSummary> {
    // Requests sent before `to` finish up to a deadline later: their windows belong to the span.
    return this.summary(from, to + requestTimeoutMs);
  }

  /** The windows that ended in [from, to], once the load has reported past `to`. */
  async summary(from: number, to: number): Promise<SpanSummary> {
    while ((this.windows.at(-1)?.to ?? 0) < to + this.windowMs) {
      this.assertRunning();
      await new Promise((r) => setTimeout(r, this.windowMs));
    }
    return summarize(this.windows, from, to);
  }

  async stop(): Promise<void> {
    if (!isRunning(this.child)) {
      return;
    }
    this.child.stdin?.write("stop\n");
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 10_000))]);
    await stopChild(this.child, 2000);
  }

  private assertRunning(): void {
    if (!isRunning(this.child)) {
      throw new Error(
        `the load generator exited (${this.child.exitCode ?? this.child.signalCode})\n${this.stderr}`,
      );
    }
  }
}
