import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scheduleSlotMs, SharedTimers } from "./schedule.js";

describe("scheduleSlotMs", () => {
  it("sizes slots for about four targets, between 1 ms and the interval", () => {
    expect(scheduleSlotMs(5000, 200)).toBe(100);
    expect(scheduleSlotMs(1000, 50)).toBe(80);
    expect(scheduleSlotMs(5000, 3)).toBe(5000);
    expect(scheduleSlotMs(1000, 1_000_000)).toBe(1);
    expect(scheduleSlotMs(1000, 0)).toBe(1000);
  });
});

describe("SharedTimers", () => {
  const t0 = 1_700_000_000_000;
  beforeEach(() => {
    vi.useFakeTimers({ now: t0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs callbacks due at the same time from one timer, in the order added", () => {
    const timers = new SharedTimers();
    const calls: string[] = [];
    timers.at(t0 + 100, () => calls.push("a"));
    timers.at(t0 + 100, () => calls.push("b"));
    timers.at(t0 + 200, () => calls.push("c"));
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(99);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(["a", "b"]);
    expect(timers.size).toBe(1);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(["a", "b", "c"]);
    expect(timers.size).toBe(0);
  });

  it("cancels one callback, and clears the timer with the last one", () => {
    const timers = new SharedTimers();
    const calls: string[] = [];
    const cancelA = timers.at(t0 + 50, () => calls.push("a"));
    const cancelB = timers.at(t0 + 50, () => calls.push("b"));
    cancelA();
    expect(vi.getTimerCount()).toBe(1);
    cancelB();
    expect(vi.getTimerCount()).toBe(0);
    timers.at(t0 + 50, () => calls.push("c"));
    vi.advanceTimersByTime(50);
    expect(calls).toEqual(["c"]);
  });

  it("runs a callback whose time has passed at once", () => {
    const timers = new SharedTimers();
    const calls: string[] = [];
    timers.at(t0 - 10, () => calls.push("late"));
    vi.advanceTimersByTime(0);
    expect(calls).toEqual(["late"]);
  });
});
