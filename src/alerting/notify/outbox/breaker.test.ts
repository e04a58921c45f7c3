import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./breaker.js";

describe("CircuitBreaker", () => {
  it("opens after N consecutive failures, lets one probe through after the cool-down, and closes on its success", () => {
    const b = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000 });
    b.failure(0);
    b.failure(0);
    b.success(); // not consecutive: counting starts again
    b.failure(10);
    b.failure(10);
    expect(b.state(10)).toBe("closed");
    b.failure(10);
    expect(b.state(10)).toBe("open");
    expect(b.tryAcquire(1009)).toBe(false);
    expect(b.state(1010)).toBe("half-open");
    expect(b.tryAcquire(1010)).toBe(true);
    expect(b.tryAcquire(1010)).toBe(false); // one probe at a time
    b.success();
    expect(b.state(1010)).toBe("closed");
    expect(b.tryAcquire(1010)).toBe(true);
  });

  it("reopens at once when the probe fails, for a full cool-down", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1000 });
    b.failure(0);
    expect(b.tryAcquire(1000)).toBe(true);
    b.failure(1200);
    expect(b.state(1200)).toBe("open");
    expect(b.retryAt()).toBe(2200);
  });

  it("frees the probe slot when a probe ends without news about the channel", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 100 });
    b.failure(0);
    expect(b.tryAcquire(100)).toBe(true);
    b.release();
    expect(b.state(100)).toBe("half-open");
    expect(b.tryAcquire(100)).toBe(true);
  });
});
