// A circuit breaker per channel: after N consecutive failed sends the channel is left alone for a
// cool-down (its messages wait, or go to the fallback channel), then one probe decides whether it
// is back. Without it a dead receiver would take every retry of every message, and a fallback
// would only be tried after each message had used up its own attempts.

export type BreakerState = "closed" | "open" | "half-open";

export type BreakerOptions = {
  /** Consecutive failed sends that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit stays open before one probe is let through (ms). */
  coolDownMs: number;
};

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;

  constructor(private readonly options: BreakerOptions) {}

  /** The state at `now`: open turns half-open once the cool-down has passed. */
  state(now: number): BreakerState {
    if (this.openedAt === undefined) {
      return "closed";
    }
    return now >= this.openedAt + this.options.coolDownMs ? "half-open" : "open";
  }

  /** When an open circuit lets its probe through (undefined when not open). */
  retryAt(): number | undefined {
    return this.openedAt === undefined ? undefined : this.openedAt + this.options.coolDownMs;
  }

  /**
   * Whether a send may start at `now`. In half-open only one may (the probe) until it reports;
   * allowing it marks the probe as taken.
   */
  tryAcquire(now: number): boolean {
    const s = this.state(now);
    if (s === "closed") {
      return true;
    }
    if (s === "open" || this.probing) {
      return false;
    }
    this.probing = true;
    return true;
  }

  /** A probe is in flight: nothing else may go until it reports. */
  get probeInFlight(): boolean {
    return this.probing;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.probing = false;
  }

  failure(now: number): void {
    this.failures++;
    // A failed probe reopens at once; a closed circuit opens at the threshold.
    if (this.probing || this.failures >= this.options.failureThreshold) {
      this.openedAt = now;
    }
    this.probing = false;
  }

  /** A send that ended without telling anything about the channel (shutdown, a message's own fault). */
  release(): void {
    this.probing = false;
  }
}
