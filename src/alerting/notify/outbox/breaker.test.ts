import fc from "fast-check";
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

describe("CircuitBreaker properties", () => {
  const event = fc.oneof(
    fc.record({ kind: fc.constant("acquire" as const), dt: fc.integer({ min: 0, max: 2000 }) }),
    fc.record({
      kind: fc.constantFrom("success" as const, "failure" as const, "release" as const),
      dt: fc.constant(0),
    }),
  );

  it("never lets a send through while open, and at most one probe at a time while half-open", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(event, { maxLength: 200 }),
        (threshold, events) => {
          const b = new CircuitBreaker({ failureThreshold: threshold, coolDownMs: 1000 });
          let now = 0;
          let outstanding = 0; // sends let through and not yet reported
          let probes = 0;
          for (const e of events) {
            now += e.dt;
            if (e.kind === "acquire") {
              const before = b.state(now);
              const ok = b.tryAcquire(now);
              if (before === "open") {
                expect(ok).toBe(false);
              }
              if (ok) {
                outstanding++;
                if (before === "half-open") {
                  probes++;
                  expect(probes).toBe(1);
                }
              }
            } else if (outstanding > 0) {
              outstanding--;
              probes = 0;
              if (e.kind === "success") {
                b.success();
                expect(b.state(now)).toBe("closed");
              } else if (e.kind === "failure") {
                const wasProbe = b.probeInFlight;
                b.failure(now);
                if (wasProbe) {
                  expect(b.state(now)).toBe("open");
                }
              } else {
                b.release();
              }
            }
          }
        },
      ),
    );
  });
});
