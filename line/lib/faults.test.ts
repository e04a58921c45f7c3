// FaultState and fault-request parsing.
import { afterEach, describe, expect, it, vi } from "vitest";
import { FaultState, parseFaultRequest } from "./faults.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("parseFaultRequest", () => {
  it("accepts the four fault types with an optional duration", () => {
    expect(parseFaultRequest({ type: "jam" })).toEqual({ type: "jam" });
    expect(parseFaultRequest({ type: "slow", durationMs: 100 })).toEqual({ type: "slow", durationMs: 100 });
  });

  it("rejects unknown types, a missing body and bad durations with 400", () => {
    for (const bad of [
      { type: "fire" },
      undefined,
      { type: "jam", durationMs: -1 },
      { type: "jam", durationMs: "5" },
    ]) {
      expect(() => parseFaultRequest(bad)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});

describe("FaultState", () => {
  it("keeps a fault without duration until cleared", () => {
    const faults = new FaultState();
    faults.inject("jam");
    faults.inject("slow");
    expect(faults.list().map((f) => f.type)).toEqual(["jam", "slow"]);
    faults.clear("jam");
    expect(faults.isActive("jam")).toBe(false);
    faults.clear();
    expect(faults.list()).toEqual([]);
  });

  it("expires a fault after its duration, and re-injecting re-arms it", () => {
    vi.useFakeTimers();
    const faults = new FaultState();
    faults.inject("plc-disconnect", 1_000);
    vi.advanceTimersByTime(900);
    faults.inject("plc-disconnect", 1_000);
    vi.advanceTimersByTime(900);
    expect(faults.isActive("plc-disconnect")).toBe(true);
    vi.advanceTimersByTime(200);
    expect(faults.isActive("plc-disconnect")).toBe(false);
  });
});
