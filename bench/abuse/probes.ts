// What the abuse benchmark watches from outside lineops while the abuse runs: a /-/healthy probe
// every 10 ms (the longest time without an answer is the event-loop stall as a client sees it) and lineops's memory from /proc (VmRSS polled, VmHWM as the kernel's own peak).
import { peakRssBytes, rssBytes } from "../common/proc.js";

export class HealthProbe {
  private stopped = false;
  private running: Promise<void> | undefined;
  private lastOkAt = performance.now();
  /** Slowest single answer (or timeout) seen, ms. */
  maxResponseMs = 0;
  /** Longest time between two successful answers, ms. */
  maxGapMs = 0;
  /** The same since the last startWindow(): the stall one abusive request caused. */
  windowMaxGapMs = 0;
  probes = 0;
  failures = 0;

  constructor(
    private url: string,
    private readonly timeoutMs: number,
  ) {}

  start(): void {
    this.lastOkAt = performance.now();
    this.running = this.loop();
  }

  /** After a restart, lineops answers on another port. */
  retarget(url: string): void {
    this.url = url;
    this.lastOkAt = performance.now();
  }

  /** Starts measuring the longest gap of the next window (one abusive request). */
  startWindow(): void {
    this.windowMaxGapMs = 0;
  }

  /** Starts over: the calm phase's gaps are reported apart from the abuse's. */
  resetMax(): void {
    this.maxGapMs = 0;
    this.maxResponseMs = 0;
  }

  /** Forgets the gap that a crash (not a stall) opened. */
  resetGap(): void {
    this.lastOkAt = performance.now();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const t0 = performance.now();
      let ok = false;
      try {
        const res = await fetch(`${this.url}/-/healthy`, { signal: AbortSignal.timeout(this.timeoutMs) });
        await res.text();
        ok = res.ok;
      } catch {
        ok = false;
      }
      const t1 = performance.now();
      this.probes++;
      this.maxResponseMs = Math.max(this.maxResponseMs, t1 - t0);
      if (ok) {
        this.maxGapMs = Math.max(this.maxGapMs, t1 - this.lastOkAt);
        this.windowMaxGapMs = Math.max(this.windowMaxGapMs, t1 - this.lastOkAt);
        this.lastOkAt = t1;
      } else {
        this.failures++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
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
