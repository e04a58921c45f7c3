// Cooperative time slicing for long jobs on the event loop (compaction, checkpoints, PromQL
// evaluation): work runs until a budget of a few milliseconds is spent, then yields with
// setImmediate so scrapes, appends, front-door traffic and other queries run in between.

/** Tracks one slice's budget; `due()` is cheap enough to call per item. */
export class Slicer {
  private t0 = performance.now();
  private cpu0 = process.cpuUsage();
  private n = 0;
  /** Yields taken so far (for logs and tests). */
  yields = 0;
  /** The longest slice so far: the longest the job kept the event loop. */
  maxSliceMs = 0;
  /** What the job is doing (set by the job), and what it was doing in its longest slice. */
  phase = "";
  maxSlicePhase = "";
  /**
   * The most CPU time (process-wide) one slice used: on a busy machine a slice's wall time also
   * counts the time the OS ran other processes, its CPU time only the job's own work.
   */
  maxSliceCpuMs = 0;

  constructor(
    private readonly budgetMs = 5,
    /** Checked after each yield; throwing from it aborts the job. */
    private readonly check: () => void = () => {},
  ) {}

  /** True when the slice's budget is spent (checks the clock every 16 calls). */
  due(): boolean {
    if ((++this.n & 15) !== 0) {
      return false;
    }
    return performance.now() - this.t0 >= this.budgetMs;
  }

  /** True when the slice's budget is spent, reading the clock on every call (for coarse steps). */
  spent(): boolean {
    return performance.now() - this.t0 >= this.budgetMs;
  }

  /** Lets the event loop run, then starts a new slice. */
  async yield(): Promise<void> {
    this.endSlice();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.yields++;
    this.check();
    this.t0 = performance.now();
    this.cpu0 = process.cpuUsage();
  }

  /** Ends the current slice (before awaiting I/O, and at the end of the job). */
  endSlice(): void {
    const ms = performance.now() - this.t0;
    if (ms > this.maxSliceMs) {
      this.maxSliceMs = ms;
      this.maxSlicePhase = this.phase;
    }
    const cpu = process.cpuUsage(this.cpu0);
    this.maxSliceCpuMs = Math.max(this.maxSliceCpuMs, (cpu.user + cpu.system) / 1000);
  }

  /** Starts a new slice after awaiting something else (I/O), whose wait is no stall. */
  restart(): void {
    this.check();
    this.t0 = performance.now();
    this.cpu0 = process.cpuUsage();
  }

  /** Awaits I/O between slices: the wait does not count as slice time. */
  async io<T>(p: Promise<T>): Promise<T> {
    this.endSlice();
    const v = await p;
    this.restart();
    return v;
  }

  /** Yields if the budget is spent; for coarse steps (always reads the clock). */
  async maybeYield(): Promise<void> {
    if (this.spent()) {
      await this.yield();
    }
  }
}
