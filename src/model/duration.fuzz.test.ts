// Fuzzing of durations (P5 item 7): the one Prometheus grammar that config files, PromQL literals
// and API parameters share. Found by this suite: the config parser took "1s1m" and "1m1m", and every
// parser answered Infinity or an inexact number for a long run of digits.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MonitoringErrors } from "../monitoring/errors.js";
import { parseDurationParam } from "../monitoring/params.js";
import { formatDuration, parseDuration as promqlDuration } from "../monitoring/promql/literals.js";
import { fuzzParams, nearValid, tokenSoup, withinBudget } from "../test-support/fuzz.js";
import { parseDuration } from "./duration.js";

const UNITS = ["y", "w", "d", "h", "m", "s", "ms"] as const;
const TOKENS = [
  ...UNITS,
  "0",
  "1",
  "9",
  "15",
  "90",
  "00",
  "99999999999999999999",
  ".",
  "-",
  "+",
  "e",
  " ",
  "µs",
  "ns",
];
const EXAMPLES = ["0", "0s", "500ms", "15s", "1m30s", "1h30m", "2d12h", "1y2w3d4h5m6s7ms", "5m"];

/** A duration, or not: undefined or a safe integer of milliseconds, nothing else. */
function expectDuration(ms: number | undefined): void {
  if (ms !== undefined) {
    expect(Number.isSafeInteger(ms) && ms >= 0, String(ms)).toBe(true);
  }
}

describe("duration fuzzing", () => {
  it("config and PromQL share one parser", () => {
    expect(promqlDuration).toBe(parseDuration);
  });

  it("edited durations, token soup and any text: a safe integer or undefined, within budget", () => {
    const input = fc.oneof(nearValid(EXAMPLES, TOKENS), tokenSoup(TOKENS, 12), fc.string({ maxLength: 16 }));
    fc.assert(
      fc.property(input, (text) => {
        const r = withinBudget(() => parseDuration(text), []);
        expectDuration(r.ok ? r.value : undefined);
      }),
      fuzzParams(500),
    );
  });

  it("accepts units only once each and largest first, as Prometheus's ParseDuration", () => {
    const parts = fc.array(fc.tuple(fc.integer({ min: 0, max: 999 }), fc.constantFrom(...UNITS)), {
      minLength: 1,
      maxLength: 5,
    });
    fc.assert(
      fc.property(parts, (ps) => {
        const text = ps.map(([n, u]) => `${n}${u}`).join("");
        const order = ps.map(([, u]) => UNITS.indexOf(u));
        const ordered = order.every((k, i) => i === 0 || k > (order[i - 1] as number));
        const expected = ps.reduce((sum, [n, u]) => sum + n * (parseDuration(`1${u}`) as number), 0);
        expect(parseDuration(text)).toBe(ordered ? expected : undefined);
      }),
      fuzzParams(500),
    );
  });

  it("formatDuration and parseDuration round-trip every exact duration", () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.maxSafeNat()), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms === 0 ? 0 : ms);
      }),
      fuzzParams(300),
    );
  });

  it.each([
    [0, "0s"],
    [500, "500ms"],
    [15_000, "15s"],
    [60_000, "1m"],
    [90_000, "1m30s"],
    [90 * 86_400_000, "90d"],
    [14 * 86_400_000, "2w"],
    [365 * 86_400_000, "1y"],
    [366 * 86_400_000, "366d"],
  ])("formatDuration(%d) is %j, as Prometheus's Duration.String()", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("a duration too long to be exact is not a duration", () => {
    expect(parseDuration(`${"9".repeat(400)}s`)).toBeUndefined();
    expect(parseDuration("300000y")).toBeUndefined();
    expect(parseDuration("285000y")).toBe(285_000 * 365 * 86_400_000);
  });

  it("API duration parameters: a positive safe integer or a 400 naming the parameter", () => {
    const value = fc.oneof(
      nearValid(EXAMPLES, TOKENS),
      fc.double().map(String),
      fc.constantFrom("1e300", "Infinity", "NaN", "-1", "0.0001", "1e-9", "0x10", " 1", "1_000"),
    );
    fc.assert(
      fc.property(value, (v) => {
        const r = withinBudget(() => parseDurationParam("step", v), [MonitoringErrors.badParameter.code]);
        if (r.ok) {
          expect(
            r.value === undefined || (Number.isSafeInteger(r.value) && r.value >= 0),
            String(r.value),
          ).toBe(true);
        } else {
          expect(r.error.message).toContain('"step"');
        }
      }),
      fuzzParams(400),
    );
  });
});
