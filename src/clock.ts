// Time and timers as one injectable type. Production passes systemClock; tests pass a manual clock
// (src/test-support/manual-clock.ts) that moves only when told, so waits never take real time.

/** An opaque timer handle: whatever the clock's setTimer returned. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The reading half of a Clock, for parts that only stamp times (router outcomes, the TSDB's bounds). */
export type Now = Clock["now"];
