// What the abuse benchmark watches from outside lineops while the abuse runs: a /-/healthy probe
// every 10 ms (the longest time without an answer is the event-loop stall as a client sees it) and lineops's memory from /proc (VmRSS polled, VmHWM as the kernel's own peak).
import { Worker } from "node:worker_threads";
import { peakRssBytes, rssBytes } from "../common/proc.js";

// The probe runs on a worker thread of its own: on the benchmark's main thread, the load generator
// and the abusive clients (building 0.9 MB bodies) delayed it, and their pauses were counted as
// lineops's stalls (258 ms outside against 52 ms of lag inside lineops in one run).
const PROBE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const s = new Float64Array(workerData.stats);
let url = workerData.url;
parentPort.on("message", (m) => { url = m.url; });
(async () => {
  let lastOkAt = performance.now();
  while (s[STOP] === 0) {
    if (s[RESET_GAP] !== 0) { s[RESET_GAP] = 0; lastOkAt = performance.now(); }
    const t0 = performance.now();
    let ok = false;
    try {
      const res = await fetch(url + "/-/healthy", { signal: AbortSignal.timeout(workerData.timeoutMs) });
      await res.text();
      ok = res.ok;
    } catch {}
    const t1 = performance.now();
    s[PROBES]++;
    s[MAX_RESPONSE] = Math.max(s[MAX_RESPONSE], t1 - t0);
    if (ok) {
      s[MAX_GAP] = Math.max(s[MAX_GAP], t1 - lastOkAt);
      s[WINDOW_GAP] = Math.max(s[WINDOW_GAP], t1 - lastOkAt);
      lastOkAt = t1;
    } else {
      s[FAILURES]++;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage("stopped");
})();
`;
const SLOT = { MAX_RESPONSE: 0, MAX_GAP: 1, WINDOW_GAP: 2, PROBES: 3, FAILURES: 4, RESET_GAP: 5, STOP: 6 };

export class HealthProbe {
  private readonly stats = new Float64Array(new SharedArrayBuffer(8 * 8));
  private worker: Worker | undefined;

  constructor(
    private url: string,
    private readonly timeoutMs: number,
  ) {}

  /** Slowest single answer (or timeout) seen, ms. */
  get maxResponseMs(): number {
    return this.stats[SLOT.MAX_RESPONSE]!;
  }
  /** Longest time between two successful answers, ms. */
  get maxGapMs(): number {
    return this.stats[SLOT.MAX_GAP]!;
  }
  /** The same since the last startWindow(): the stall one abusive request caused. */
  get windowMaxGapMs(): number {
    return this.stats[SLOT.WINDOW_GAP]!;
  }
  get probes(): number {
    return this.stats[SLOT.PROBES]!;
  }
  get failures(): number {
    return this.stats[SLOT.FAILURES]!;
  }

  start(): void {
    const code = PROBE_WORKER.replace(
      /\b(MAX_RESPONSE|MAX_GAP|WINDOW_GAP|PROBES|FAILURES|RESET_GAP|STOP)\b/g,
      (k) => String(SLOT[k as keyof typeof SLOT]),
    );
    this.worker = new Worker(code, {
      eval: true,
      workerData: { url: this.url, timeoutMs: this.timeoutMs, stats: this.stats.buffer },
    });
  }

  /** After a restart, lineops answers on another port. */
  retarget(url: string): void {
    this.url = url;
    this.worker?.postMessage({ url });
    this.resetGap();
  }

  /** Starts measuring the longest gap of the next window (one abusive request). */
  startWindow(): void {
    this.stats[SLOT.WINDOW_GAP] = 0;
  }

  /** Starts over: the calm phase's gaps are reported apart from the abuse's. */
  resetMax(): void {
    this.stats[SLOT.MAX_GAP] = 0;
    this.stats[SLOT.MAX_RESPONSE] = 0;
  }

  /** Forgets the gap that a crash (not a stall) opened. */
  resetGap(): void {
    this.stats[SLOT.RESET_GAP] = 1;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) {
      return;
    }
    this.stats[SLOT.STOP] = 1;
    await new Promise<void>((resolve) => {
      worker.once("message", () => resolve());
      worker.once("exit", () => resolve());
    });
    await worker.terminate();
  }
}

/** Polls a process's memory every `everyMs`; the peak covers every pid it was pointed at. */
export class MemoryPoller {
  peakBytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private pid: number,
    everyMs = 50,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  retarget(pid: number): void {
    this.sample();
    this.pid = pid;
  }

  sample(): void {
    try {
      this.peakBytes = Math.max(this.peakBytes, rssBytes(this.pid), peakRssBytes(this.pid));
    } catch {
      // Gone (crashed or stopped): its last sample stands.
    }
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
