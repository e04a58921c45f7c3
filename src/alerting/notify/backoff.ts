// The one retry schedule of notification delivery, shared by deliver() (one group's message, retried
// in memory until group_interval) and the durable outbox (retried across restarts): exponential
// backoff with jitter as Alertmanager's RetryStage gets it from cenkalti/backoff.

/** cenkalti/backoff defaults, which Alertmanager's RetryStage uses. */
const MULTIPLIER = 1.5;
const RANDOMIZATION = 0.5;

export type BackoffOptions = {
  /** The base of the first wait. Alertmanager's (cenkalti/backoff's) default is 500 ms. */
  initialMs: number;
  /** Neither the base nor the jittered wait ever exceeds this. */
  maxMs: number;
  /** Uniform in [0, 1). Tests pin it; production uses Math.random. */
  random?: () => number;
};

/**
 * The wait before retry number `retry` (1 = the first retry): the base initial * 1.5^(retry-1),
 * capped at maxMs, scaled uniformly into [50 %, 150 %) of itself (so retries of many messages that
 * failed together spread out instead of arriving as one burst), and capped at maxMs again.
 */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const { initialMs, maxMs } = options;
  for (const [name, v] of [
    ["initialMs", initialMs],
    ["maxMs", maxMs],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(
        `backoff: ${name} must be a non-negative number of milliseconds, got ${String(v)}`,
      );
    }
  }
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`backoff: retry must be a whole number from 1, got ${String(retry)}`);
  }
  // Growing the base step by step (not 1.5 ** n) keeps it finite however many retries a row has seen.
  let base = initialMs;
  for (let n = 1; n < retry && base < maxMs; n++) {
    base = Math.min(base * MULTIPLIER, maxMs);
  }
  base = Math.min(base, maxMs);
  const random = options.random ?? Math.random;
  return Math.min(base * (1 - RANDOMIZATION + 2 * RANDOMIZATION * random()), maxMs);
}
