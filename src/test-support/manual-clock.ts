// A Clock (src/clock.ts) that moves only when a test says so, so gate waits and analysis runs
// never wait in real time.
import type { Clock, TimerHandle } from "../clock.js";

type Timer = { at: number; seq: number; fn: () => void };

export class ManualClock implements Clock {
  private readonly timers = new Map<number, Timer>();
  private seq = 0;

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Due times of the pending timers, soonest first. */
  pending(): number[] {
    return [...this.timers.values()].map((x) => x.at).sort((a, b) => a - b);
  }

  /** Moves the clock forward by ms, firing due timers in order and letting their async work settle. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (let fired = 0; fired < 100_000; fired++) {
      await settle();
      const next = this.soonest();
      if (next === undefined || next[1].at > until) {
        break;
      }
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = until;
    await settle();
  }

  /** The next timer to fire: earliest due, and of those the first set. */
  private soonest(): [number, Timer] | undefined {
    let next: [number, Timer] | undefined;
    for (const e of this.timers) {
      if (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq)) {
        next = e;
      }
    }
    return next;
  }
}

/**
 * Lets pending promise callbacks and I/O completions run (one macrotask turn per round). Five rounds
 * cover a gate query against a real TSDB, the slowest work a fired timer starts in these tests.
 */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((r) => setImmediate(r));
  }
}
