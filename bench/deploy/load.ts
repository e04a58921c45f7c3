// The deploy benchmark's load generator, a process of its own so its CPU and event loop stay apart
// from the benchmark's: paced POST /work-orders (with some GET / and /healthz) over keep-alive
// connections, every failure kept with its time and cause. Commands on stdin, one per line:
// `snap` prints a Snapshot as one JSON line on stdout; `stop` prints the last one and exits.
import http from "node:http";
import { createInterface } from "node:readline";
import { requestOnce } from "../common/http-once.js";
import { classify, isFailure, type Outcome } from "./failures.js";

export type FailureRecord = { at: number; path: string; cause: string };

/** What the load did over a span of time (a snapshot: since the start; a window: between two marks). */
export type LoadCounts = {
  total: number;
  failed: number;
  /** Requests that did not leave because the generator fell more than a second behind its pace. */
  skipped: number;
  byCause: Record<string, number>;
  /** Failures in the span, as many as are kept (`failuresDropped` counts the rest). */
  failures: FailureRecord[];
  failuresDropped: number;
  latencyMs: { p50: number; p99: number; max: number };
};

/**
 * Counts since the start; failures (at most MAX_FAILURES_PER_SNAP) and latency since the previous
 * snapshot.
 */
export type Snapshot = LoadCounts & { at: number };

type Options = { url: string; rate: number; concurrency: number; timeoutMs: number };

const MAX_FAILURES_PER_SNAP = 2000;
function parseOptions(argv: string[]): Options {
  const get = (name: string, def?: string) => {
    const k = argv.indexOf(`--${name}`);
    const v = k >= 0 ? argv[k + 1] : def;
    if (v === undefined) {
      throw new Error(`load: --${name} is required`);
    }
    return v;
  };
  const num = (name: string, def: string) => {
    const n = Number(get(name, def));
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(`load: --${name} must be a positive number`);
    }
    return n;
  };
  return {
    url: get("url"),
    rate: num("rate", "350"),
    concurrency: Math.floor(num("concurrency", "32")),
    timeoutMs: num("timeout-ms", "5000"),
  };
}

/** Requests in a fixed, repeating mix: 18 work orders, one GET /, one GET /healthz in every 20. */
function pathFor(n: number): { method: "GET" | "POST"; path: string } {
  const k = n % 20;
  if (k === 7) {
    return { method: "GET", path: "/" };
  }
  if (k === 17) {
    return { method: "GET", path: "/healthz" };
  }
  return { method: "POST", path: "/work-orders" };
}

class Load {
  private total = 0;
  private failed = 0;
  private skipped = 0;
  private readonly byCause = new Map<string, number>();
  private failures: FailureRecord[] = [];
  private failuresDropped = 0;
  /** Latencies (ms) since the last snapshot, a bounded reservoir. */
  private readonly lat = new Float64Array(65536);
  private latN = 0;
  private next = 0;
  private base = performance.now();
  private stopping = false;
  private readonly agent: http.Agent;
  private readonly target: URL;
  private readonly workers: Promise<void>[] = [];

  constructor(private readonly o: Options) {
    this.target = new URL(o.url);
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: o.concurrency,
      maxFreeSockets: o.concurrency,
    });
  }

  start(): void {
    for (let i = 0; i < this.o.concurrency; i++) {
      this.workers.push(this.worker());
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.race([
      Promise.all(this.workers),
      new Promise((r) => setTimeout(r, this.o.timeoutMs + 500)),
    ]);
    this.agent.destroy();
  }

  snapshot(): Snapshot {
    const lat = this.lat.subarray(0, Math.min(this.latN, this.lat.length)).sort();
    const q = (p: number) =>
      lat.length === 0 ? 0 : (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0);
    const snap: Snapshot = {
      at: Date.now(),
      total: this.total,
      failed: this.failed,
      skipped: this.skipped,
      byCause: Object.fromEntries(this.byCause),
      failures: this.failures,
      failuresDropped: this.failuresDropped,
      latencyMs: { p50: round(q(0.5)), p99: round(q(0.99)), max: round(lat[lat.length - 1] ?? 0) },
    };
    this.failures = [];
    this.failuresDropped = 0;
    this.latN = 0;
    return snap;
  }

  private async worker(): Promise<void> {
    const interval = 1000 / this.o.rate;
    while (!this.stopping) {
      const n = this.next++;
      const due = this.base + n * interval;
      const now = performance.now();
      if (due > now) {
        await new Promise((r) => setTimeout(r, due - now));
      } else if (now - due > 1000) {
        // More than a second behind (the line or this machine stalled): drop the backlog rather
        // than burst it, and count what was not sent.
        const behind = Math.floor((now - due) / interval);
        this.skipped += behind;
        this.next += behind;
      }
      if (this.stopping) {
        break;
      }
      const { method, path } = pathFor(n);
      const t0 = performance.now();
      const outcome = await this.request(method, path);
      const ms = performance.now() - t0;
      this.total++;
      this.lat[this.latN++ % this.lat.length] = ms;
      if (isFailure(outcome)) {
        this.failed++;
        const cause = classify(outcome);
        this.byCause.set(cause, (this.byCause.get(cause) ?? 0) + 1);
        if (this.failures.length < MAX_FAILURES_PER_SNAP) {
          this.failures.push({ at: Date.now(), path: `${method} ${path}`, cause });
        } else {
          this.failuresDropped++;
        }
      }
    }
  }

  private request(method: "GET" | "POST", path: string): Promise<Outcome> {
    return requestOnce(this.target, this.agent, {
      method,
      path,
      ...(method === "POST" ? { body: "{}" } : {}),
      timeoutMs: this.o.timeoutMs,
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function main(): void {
  const load = new Load(parseOptions(process.argv.slice(2)));
  load.start();
  const write = (s: Snapshot) => process.stdout.write(`${JSON.stringify(s)}\n`);
  const rl = createInterface({ input: process.stdin });
  let stopping = false;
  rl.on("line", (line) => {
    const cmd = line.trim();
    if (cmd === "snap") {
      write(load.snapshot());
    } else if (cmd === "stop") {
      stopping = true;
      rl.close();
      void load.stop().then(() => {
        write(load.snapshot());
        process.exit(0);
      });
    }
  });
  // The benchmark went away without saying stop: do not outlive it.
  rl.on("close", () => {
    if (!stopping) {
      process.exit(0);
    }
  });
}

main();
