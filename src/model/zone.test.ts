import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertTimeZone,
  civilFromDays,
  daysFromCivil,
  formatLocal,
  localTime,
  offsetChangeIn,
  wallClockToUtc,
  weekdayOfDays,
} from "./zone.js";

const at = (iso: string) => Date.parse(iso);
const zones = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
];

/** Independent reading of the wall clock, straight from Intl without the offset cache. */
function intlWallClock(t: number, tz: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  }).formatToParts(t);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    minuteOfDay: get("hour") * 60 + get("minute"),
  };
}

describe("zone", () => {
  it("agrees with Intl on the wall clock everywhere, DST days included", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          fc.integer({ min: at("2000-01-01T00:00:00Z"), max: at("2040-01-01T00:00:00Z") }),
          fc.integer({ min: at("2026-03-28T00:00:00Z"), max: at("2026-03-30T00:00:00Z") }),
          fc.integer({ min: at("2026-10-24T00:00:00Z"), max: at("2026-10-26T00:00:00Z") }),
          fc.integer({ min: at("2026-04-04T00:00:00Z"), max: at("2026-04-06T00:00:00Z") }),
        ),
        (tz, t) => {
          expect(localTime(t, tz)).toEqual(intlWallClock(t, tz));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("converts civil dates and weekdays", () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(civilFromDays(daysFromCivil(2028, 2, 29))).toEqual({ year: 2028, month: 2, day: 29 });
    expect(weekdayOfDays(daysFromCivil(2026, 1, 12))).toBe(0); // Monday
    expect(weekdayOfDays(daysFromCivil(1969, 12, 28))).toBe(6); // Sunday
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 3_000_000 }), (d) => {
        const c = civilFromDays(d);
        expect(daysFromCivil(c.year, c.month, c.day)).toBe(d);
        expect(new Date(d * 86_400_000).getUTCDate()).toBe(c.day);
      }),
    );
  });

  it("maps wall-clock times to none, one or two instants", () => {
    expect(wallClockToUtc(2026, 3, 29, 2 * 60 + 30, "Europe/Berlin")).toEqual([]);
    expect(wallClockToUtc(2026, 3, 29, 3 * 60, "Europe/Berlin")).toEqual([at("2026-03-29T01:00:00Z")]);
    expect(wallClockToUtc(2026, 10, 25, 2 * 60 + 30, "Europe/Berlin")).toEqual([
      at("2026-10-25T00:30:00Z"),
      at("2026-10-25T01:30:00Z"),
    ]);
    expect(wallClockToUtc(2026, 1, 12, 5 * 60 + 45, "Asia/Kolkata")).toEqual([at("2026-01-12T00:15:00Z")]);
  });

  it("finds offset changes to the second", () => {
    expect(offsetChangeIn(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"), "Europe/Berlin")).toBe(
      at("2026-03-29T01:00:00Z"),
    );
    expect(offsetChangeIn(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"), "UTC")).toBeUndefined();
    // Lord Howe shifts by 30 minutes at 02:00 local (15:00 UTC), first Sunday of April.
    expect(
      offsetChangeIn(at("2026-04-04T00:00:00Z"), at("2026-04-05T00:00:00Z"), "Australia/Lord_Howe"),
    ).toBe(at("2026-04-04T15:00:00Z"));
  });

  it("formats local times with their offset", () => {
    expect(formatLocal(at("2026-10-25T00:30:00Z"), "Europe/Berlin")).toBe("2026-10-25T02:30:00+02:00");
    expect(formatLocal(at("2026-10-25T01:30:00Z"), "Europe/Berlin")).toBe("2026-10-25T02:30:00+01:00");
    expect(formatLocal(at("2026-01-12T00:15:00Z"), "America/New_York")).toBe("2026-01-11T19:15:00-05:00");
    expect(formatLocal(at("2026-01-12T00:15:00Z"), "Asia/Kolkata")).toBe("2026-01-12T05:45:00+05:30");
  });

  it("rejects unknown zones with a stable code", () => {
    expect(() => assertTimeZone("Europe/Berln")).toThrow(
      expect.objectContaining({
        code: "LINEOPS_ERR_GATE_TIMEZONE_INVALID",
        message: 'timezone: unknown IANA time zone "Europe/Berln"',
      }),
    );
    expect(() => localTime(0, "Mars/Olympus")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_GATE_TIMEZONE_INVALID" }),
    );
    assertTimeZone("Europe/Berlin");
  });
});
