// A token bucket per channel: at most `burst` sends at once, refilled at `perSecond`. A send that
// finds the bucket empty waits for its token (the row stays pending); nothing is ever dropped.
// Receivers throttle (Slack: about one message per second per webhook; SMS gateways bill per
// message), and a backlog released after an outage would otherwise hit them all at once.

export type RateLimitOptions = {
  /** Sustained sends per second. */
  perSecond: number;
  /** Sends allowed back to back after a quiet spell. */
  burst: number;
};

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly options: RateLimitOptions,
    now: number,
  ) {
    this.tokens = options.burst;
    this.at = now;
  }

  /** Takes a token if one is there at `now`. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** When the next token will be there (now, if one is). */
  availableAt(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      return now;
    }
    return now + Math.ceil(((1 - this.tokens) * 1000) / this.options.perSecond);
  }

  private refill(now: number): void {
    // A clock that stepped back (manual clock, NTP) neither adds nor removes tokens.
    if (now > this.at) {
      this.tokens = Math.min(
        this.options.burst,
        this.tokens + ((now - this.at) * this.options.perSecond) / 1000,
      );
    }
    this.at = Math.max(this.at, now);
  }
}
