import fc from "fast-check";
import { describe as group, expect, it } from "vitest";
import {
  ALL_DAYS,
  ALL_MONTHS,
  ALL_WEEKDAYS,
  daysInMonth,
  describe,
  isOpen,
  MAX_WINDOW_LENGTH,
  nextClose,
  nextOpen,
  openIntervals,
  parseWindow,
  parseWindows,
  type Window,
  type WindowSyntaxError,
} from "./calendar.js";

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;

function syntaxError(text: string): WindowSyntaxError {
  try {
    parseWindow(text);
  } catch (e) {
    return e as WindowSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

group("parseWindow", () => {
  it.each([
    ["Mon..Fri 05:45-06:15", "Mon..Fri 05:45-06:15"],
    ["Sat,Sun 00:00-23:59", "Sat,Sun 00:00-23:59"],
    ["*-*-* 13:50-14:10", "*-*-* 13:50-14:10"],
    ["*-*-* 13:50..14:10", "*-*-* 13:50-14:10"],
    ["13:50-14:10", "*-*-* 13:50-14:10"],
    ["Mon 22:00-02:00", "Mon 22:00-02:00"],
    ["2026-12-24 08:00-12:00", "2026-12-24 08:00-12:00"],
    ["12-24 08:00-12:00", "*-12-24 08:00-12:00"],
    ["monday,WEDNESDAY,fri 8:00-9:30", "Mon,Wed,Fri 08:00-09:30"],
    ["Fri..Mon 10:00-11:00", "Fri..Mon 10:00-11:00"],
    ["Mon..Sun 10:00-11:00", "*-*-* 10:00-11:00"],
    ["Mon *-*-01..07 05:00-06:00", "Mon *-*-01..07 05:00-06:00"],
    ["2026,2027..2029,2028-01,07-1,2,3,15 22:00-24:00", "2026..2029-01,07-01..03,15 22:00-24:00"],
    ["  Sat   18:00-00:00  ", "Sat 18:00-24:00"],
  ])("%s reads as %s", (text, canonical) => {
    expect(describe(parseWindow(text))).toBe(canonical);
  });

  it("keeps the structure it was given", () => {
    expect(parseWindow("Mon,Thu 2026-12-24 22:00-02:00")).toEqual({
      weekdays: 0b1001,
      years: [[2026, 2026]],
      months: 1 << 12,
      days: 1 << 24,
      start: 22 * 60,
      end: 2 * 60,
    } satisfies Window);
  });

  it.each([
    ["", 1, "empty window expression"],
    ["   ", 1, "empty window expression"],
    ["Mon,Mun 05:00-06:00", 5, 'unknown weekday "Mun"'],
    ["Mon-Fri 05:00-06:00", 1, 'unknown weekday "Mon-Fri" (ranges are written Mon..Fri)'],
    ["Mon,,Tue 05:00-06:00", 5, "empty item in weekday list"],
    ["Mon.. 05:00-06:00", 6, 'weekday range "Mon.." needs a day on both sides'],
    ["Mon..Tue..Wed 05:00-06:00", 1, 'invalid weekday range "Mon..Tue..Wed"'],
    ["Mon Tue 05:00-06:00", 5, "weekdays are one comma-separated list"],
    ["*-*-* Mon 05:00-06:00", 7, "weekdays come before the date"],
    ["*-*-* *-*-* 05:00-06:00", 7, "only one date pattern"],
    ["2026-12-24-01 05:00-06:00", 1, 'invalid date "2026-12-24-01"'],
    ["24 05:00-06:00", 1, 'invalid date "24"'],
    ["2026-x-01 05:00-06:00", 6, 'invalid month "x"'],
    ["1969-*-* 05:00-06:00", 1, "year 1969 out of range 1970..9999"],
    ["*-13-* 05:00-06:00", 3, "month 13 out of range 1..12"],
    ["*-*-32 05:00-06:00", 5, "day 32 out of range 1..31"],
    ["*-*-0 05:00-06:00", 5, "day 0 out of range 1..31"],
    ["*-*-07..01 05:00-06:00", 5, 'day range "07..01" runs backwards'],
    ["*-*-1,,2 05:00-06:00", 7, "empty item in day list"],
    ["*-*-1..2..3 05:00-06:00", 5, 'invalid day range "1..2..3"'],
    ["*-02-30 05:00-06:00", 1, "the date never occurs"],
    ["2027-02-29 05:00-06:00", 1, "the date never occurs"],
    ["Mon 2026-12-24 05:00-06:00", 1, "no date matches both the weekdays and the date"],
    ["Mon", 4, "missing time range"],
    ["Mon 2026-12-24", 15, "missing time range"],
    ["05:00", 1, 'time range "05:00" needs an end'],
    ["5h:00-06:00", 1, 'invalid time "5h:00", expected HH:MM'],
    ["05:00-6", 7, 'invalid time "6", expected HH:MM'],
    ["24:00-02:00", 1, "hour 24 out of range 0..23"],
    ["22:00-24:30", 7, "hour 24 out of range 0..23 (or 24:00 as an end)"],
    ["12:60-13:00", 4, "minute 60 out of range 0..59"],
    ["Mon 05:00-05:00", 5, 'empty time range "05:00-05:00"'],
    ["Mon 05:00-06:00 Tue", 17, 'unexpected "Tue" after the time range'],
    ["Mon 05:00-06:00 " + "x".repeat(MAX_WINDOW_LENGTH), MAX_WINDOW_LENGTH + 1, "longer than"],
  ])("rejects %j at column %i: %s", (text, column, detail) => {
    const e = syntaxError(text);
    expect(e.code).toBe("LINEOPS_ERR_GATE_WINDOW_INVALID");
    expect(e.httpStatus).toBe(400);
    expect(e.column).toBe(column);
    expect(e.detail).toContain(detail);
    expect(e.message).toBe(`1:${column}: ${e.detail}`);
  });

  it("names the list entry in config errors", () => {
    let err: WindowSyntaxError | undefined;
    try {
      parseWindows(["Mon..Fri 05:45-06:15", "Mon,Mun 05:00-06:00"]);
    } catch (e) {
      err = e as WindowSyntaxError;
    }
    expect(err?.code).toBe("LINEOPS_ERR_GATE_WINDOW_INVALID");
    expect(err?.message).toBe('windows[1]: 1:5: unknown weekday "Mun"');
    expect(err?.column).toBe(5);
  });

  const alphabet = fc.constantFrom(..."MonTueWdhFriSatSunx0123456789*-.,: \t".split(""));
  it("never crashes on arbitrary input, and what it accepts round-trips through describe", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: alphabet, maxLength: 40 })),
        (text) => {
          let w: Window;
          try {
            w = parseWindow(text);
          } catch (e) {
            const err = e as WindowSyntaxError;
            expect(err.code).toBe("LINEOPS_ERR_GATE_WINDOW_INVALID");
            expect(err.column).toBeGreaterThanOrEqual(1);
            expect(err.column).toBeLessThanOrEqual(text.length + 1);
            return;
          }
          expect(parseWindow(describe(w))).toEqual(w);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/** Windows that occur every few days at most: weekdays, or days of month covering a week. */
const windowArb: fc.Arbitrary<Window> = fc
  .record({
    weekdays: fc.integer({ min: 1, max: 0x7f }),
    years: fc.option(
      fc.constantFrom<[number, number][]>(
        [[2026, 2027]],
        [
          [2025, 2025],
          [2027, 2030],
        ],
      ),
      { nil: undefined },
    ),
    months: fc.oneof(
      fc.constant(0b1_1111_1111_1110),
      fc.integer({ min: 1, max: 0xfff }).map((m) => m << 1),
    ),
    days: fc.oneof(
      fc.constant(0xffff_fffe | 0),
      fc.integer({ min: 0, max: 0x00ff_ffff }).map((d) => ((d << 8) | 0xfe) & 0xffff_fffe),
    ),
    // Starts in the small hours meet the DST changes (at 01:00-03:00 local in the zones tested).
    start: fc.oneof(
      fc.integer({ min: 0, max: 1439 }),
      fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
      fc.integer({ min: 60, max: 200 }),
    ),
    len: fc.oneof(
      fc.integer({ min: 1, max: 1439 }),
      fc.integer({ min: 1, max: 8 }).map((h) => h * 60),
    ),
  })
  .map(({ len, ...w }) => {
    const end = (w.start + len) % 1440;
    return { ...w, end: end === 0 ? 1440 : end };
  });

group("describe", () => {
  it("parse(describe(w)) gives back w", () => {
    fc.assert(
      fc.property(windowArb, (w) => {
        expect(parseWindow(describe(w))).toEqual(w);
      }),
      { numRuns: 2000 },
    );
  });
});

group("isOpen", () => {
  const weekdayMornings = parseWindow("Mon..Fri 05:45-06:15");

  it("reads the wall clock of the zone, in winter and in summer", () => {
    // 2026-01-12 and 2026-07-13 are Mondays; Berlin is UTC+1 in January and UTC+2 in July.
    expect(isOpen(weekdayMornings, at("2026-01-12T04:45:00Z"), "Europe/Berlin")).toBe(true);
    expect(isOpen(weekdayMornings, at("2026-01-12T04:44:59Z"), "Europe/Berlin")).toBe(false);
    expect(isOpen(weekdayMornings, at("2026-01-12T05:14:59Z"), "Europe/Berlin")).toBe(true);
    expect(isOpen(weekdayMornings, at("2026-01-12T05:15:00Z"), "Europe/Berlin")).toBe(false);
    expect(isOpen(weekdayMornings, at("2026-01-12T05:45:00Z"), "Europe/Berlin")).toBe(false);
    expect(isOpen(weekdayMornings, at("2026-01-12T05:45:00Z"), "UTC")).toBe(true);
    expect(isOpen(weekdayMornings, at("2026-07-13T03:45:00Z"), "Europe/Berlin")).toBe(true);
    expect(isOpen(weekdayMornings, at("2026-07-13T04:45:00Z"), "Europe/Berlin")).toBe(false);
    expect(isOpen(weekdayMornings, at("2026-01-10T05:50:00Z"), "UTC")).toBe(false); // Saturday
  });

  it("uses the local weekday where it differs from UTC's", () => {
    // Monday 00:10 in Kolkata (UTC+05:30) is Sunday 18:40 UTC.
    const w = parseWindow("Mon 00:00-00:30");
    expect(isOpen(w, at("2026-01-11T18:40:00Z"), "Asia/Kolkata")).toBe(true);
    expect(isOpen(w, at("2026-01-11T18:40:00Z"), "UTC")).toBe(false);
    // Sunday 20:00 in New York (UTC-5) is Monday 01:00 UTC.
    const evening = parseWindow("Sun 19:00-21:00");
    expect(isOpen(evening, at("2026-01-12T01:00:00Z"), "America/New_York")).toBe(true);
    expect(isOpen(evening, at("2026-01-12T01:00:00Z"), "UTC")).toBe(false);
  });

  it("keeps a window that crosses midnight open into the next day, keyed on the day it starts", () => {
    const w = parseWindow("Mon 22:00-02:00");
    expect(isOpen(w, at("2026-01-12T21:59:00Z"), "UTC")).toBe(false);
    expect(isOpen(w, at("2026-01-12T22:00:00Z"), "UTC")).toBe(true);
    expect(isOpen(w, at("2026-01-13T01:59:59Z"), "UTC")).toBe(true); // Tuesday morning
    expect(isOpen(w, at("2026-01-13T02:00:00Z"), "UTC")).toBe(false);
    expect(isOpen(w, at("2026-01-13T22:30:00Z"), "UTC")).toBe(false); // Tuesday night
    expect(isOpen(w, at("2026-01-12T01:00:00Z"), "UTC")).toBe(false); // Monday morning (Sunday's night)
    expect(isOpen(w, at("2026-01-13T00:59:00Z"), "Europe/Berlin")).toBe(true);
    expect(isOpen(w, at("2026-01-13T01:00:00Z"), "Europe/Berlin")).toBe(false);
    // A date pattern applies to the start day too: the 31st's night runs into the 1st.
    const monthEnd = parseWindow("*-*-31 22:00-02:00");
    expect(isOpen(monthEnd, at("2026-02-01T01:00:00Z"), "UTC")).toBe(true);
    expect(isOpen(monthEnd, at("2026-03-01T01:00:00Z"), "UTC")).toBe(false); // no 28 Feb start
  });

  it("opens a date window only on that date", () => {
    const w = parseWindow("2026-12-24 08:00-12:00");
    expect(isOpen(w, at("2026-12-24T07:00:00Z"), "Europe/Berlin")).toBe(true);
    expect(isOpen(w, at("2027-12-24T07:00:00Z"), "Europe/Berlin")).toBe(false);
    expect(isOpen(w, at("2026-12-23T07:00:00Z"), "Europe/Berlin")).toBe(false);
  });

  group("on DST transition days (Europe/Berlin 2026: +1→+2 at 03-29 01:00Z, +2→+1 at 10-25 01:00Z)", () => {
    it("never opens a window that lies inside the skipped hour", () => {
      const w = parseWindow("Sun 02:15-02:45");
      for (let t = at("2026-03-28T22:00:00Z"); t < at("2026-03-29T04:00:00Z"); t += MIN) {
        expect(isOpen(w, t, "Europe/Berlin")).toBe(false);
      }
      expect(nextOpen([w], at("2026-03-28T12:00:00Z"), "Europe/Berlin")).toBe(at("2026-04-05T00:15:00Z"));
    });

    it("shortens a window reaching into the skipped hour to what the clock shows", () => {
      const into = parseWindow("Sun 01:30-02:30");
      expect(isOpen(into, at("2026-03-29T00:30:00Z"), "Europe/Berlin")).toBe(true);
      expect(isOpen(into, at("2026-03-29T00:59:59Z"), "Europe/Berlin")).toBe(true);
      expect(isOpen(into, at("2026-03-29T01:00:00Z"), "Europe/Berlin")).toBe(false); // clock shows 03:00
      const across = parseWindow("Sun 02:30-04:00");
      expect(isOpen(across, at("2026-03-29T00:59:59Z"), "Europe/Berlin")).toBe(false);
      expect(isOpen(across, at("2026-03-29T01:00:00Z"), "Europe/Berlin")).toBe(true);
      expect(isOpen(across, at("2026-03-29T01:59:59Z"), "Europe/Berlin")).toBe(true);
      expect(isOpen(across, at("2026-03-29T02:00:00Z"), "Europe/Berlin")).toBe(false);
      // It opens when the clock jumps into it, not at a wall time of its own.
      expect(nextOpen([across], at("2026-03-28T22:00:00Z"), "Europe/Berlin")).toBe(
        at("2026-03-29T01:00:00Z"),
      );
    });

    it("opens a window inside the repeated hour twice", () => {
      const w = parseWindow("Sun 02:15-02:45");
      const open: number[] = [];
      for (let t = at("2026-10-24T22:00:00Z"); t < at("2026-10-25T04:00:00Z"); t += MIN) {
        if (isOpen(w, t, "Europe/Berlin")) {
          open.push(t);
        }
      }
      expect(open.length).toBe(60);
      expect(open[0]).toBe(at("2026-10-25T00:15:00Z")); // 02:15 CEST
      expect(open[29]).toBe(at("2026-10-25T00:44:00Z"));
      expect(open[30]).toBe(at("2026-10-25T01:15:00Z")); // 02:15 CET
      expect(nextOpen([w], at("2026-10-25T00:50:00Z"), "Europe/Berlin")).toBe(at("2026-10-25T01:15:00Z"));
    });

    it("reopens a window when the clock falls back into it", () => {
      const w = parseWindow("Sun 01:00-02:30");
      expect(isOpen(w, at("2026-10-25T00:29:00Z"), "Europe/Berlin")).toBe(true); // 02:29 CEST
      expect(isOpen(w, at("2026-10-25T00:30:00Z"), "Europe/Berlin")).toBe(false); // 02:30 CEST
      expect(nextOpen([w], at("2026-10-25T00:40:00Z"), "Europe/Berlin")).toBe(at("2026-10-25T01:00:00Z"));
      expect(isOpen(w, at("2026-10-25T01:29:00Z"), "Europe/Berlin")).toBe(true); // 02:29 CET
      expect(isOpen(w, at("2026-10-25T01:30:00Z"), "Europe/Berlin")).toBe(false);
    });
  });
});

group("nextOpen", () => {
  const berlin = "Europe/Berlin";
  const mornings = parseWindow("Mon..Fri 05:45-06:15");

  it("is t itself inside a window", () => {
    const t = at("2026-01-12T04:50:00.123Z");
    expect(nextOpen([mornings], t, berlin)).toBe(t);
  });

  it("skips the weekend", () => {
    // Friday 2026-01-16 after the window: next is Monday 2026-01-19 05:45 CET.
    expect(nextOpen([mornings], at("2026-01-16T06:00:00Z"), berlin)).toBe(at("2026-01-19T04:45:00Z"));
  });

  it("takes the earliest of several windows", () => {
    const ws = ["Mon..Fri 05:45-06:15", "Sat,Sun 00:00-23:59", "*-*-* 13:50-14:10"].map(parseWindow);
    expect(nextOpen(ws, at("2026-01-16T06:00:00Z"), berlin)).toBe(at("2026-01-16T12:50:00Z"));
    expect(nextOpen(ws, at("2026-01-16T13:30:00Z"), berlin)).toBe(at("2026-01-16T23:00:00Z"));
  });

  it("finds a window that crosses midnight and has already started", () => {
    const w = parseWindow("Mon 22:00-02:00");
    expect(nextOpen([w], at("2026-01-13T01:00:00Z"), "UTC")).toBe(at("2026-01-13T01:00:00Z"));
    expect(nextOpen([w], at("2026-01-13T02:00:00Z"), "UTC")).toBe(at("2026-01-19T22:00:00Z"));
  });

  it("is undefined without windows, for dates in the past and beyond the horizon", () => {
    expect(nextOpen([], 0, "UTC")).toBeUndefined();
    const xmas = parseWindow("2026-12-24 08:00-12:00");
    expect(nextOpen([xmas], at("2026-12-24T11:00:00Z"), berlin)).toBeUndefined();
    const later = parseWindow("2028-06-01 08:00-09:00");
    expect(nextOpen([later], at("2026-01-01T00:00:00Z"), "UTC")).toBeUndefined();
    expect(nextOpen([later], at("2026-01-01T00:00:00Z"), "UTC", 1000)).toBe(at("2028-06-01T08:00:00Z"));
  });

  it("finds the first Monday of a month", () => {
    const w = parseWindow("Mon *-*-01..07 05:00-06:00");
    expect(nextOpen([w], at("2026-01-06T00:00:00Z"), "UTC")).toBe(at("2026-02-02T05:00:00Z"));
  });

  const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"];
  // Around the 2026 DST changes of those zones, and anywhere in the year.
  const instants = fc.oneof(
    fc.constantFrom(
      at("2026-03-29T00:00:00Z"),
      at("2026-10-24T22:00:00Z"),
      at("2026-03-07T20:00:00Z"),
      at("2026-10-31T20:00:00Z"),
      at("2026-04-04T10:00:00Z"),
      at("2026-10-03T10:00:00Z"),
    ),
    fc.integer({ min: at("2026-01-01T00:00:00Z"), max: at("2027-01-01T00:00:00Z") }),
  );

  it("returns an open instant with no open minute between t and it (minute-stepping oracle)", () => {
    const horizon = 3 * 1440;
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...zones),
        instants,
        fc.integer({ min: 0, max: 59_999 }),
        (ws, tz, base, jitter) => {
          const t = base + jitter;
          const n = nextOpen(ws, t, tz);
          const open = (u: number) => ws.some((w) => isOpen(w, u, tz));
          let first: number | undefined = open(t) ? t : undefined;
          for (let i = 1, u = Math.ceil(t / MIN) * MIN; first === undefined && i <= horizon; i++, u += MIN) {
            if (u > t && open(u)) {
              first = u;
            }
          }
          if (first !== undefined) {
            expect(n).toBe(first);
          } else if (n !== undefined) {
            expect(n).toBeGreaterThan(t + horizon * MIN - 2 * MIN);
            expect(open(n)).toBe(true);
            expect(open(n - MIN)).toBe(false);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

group("monthDays (days of the month counted from either end)", () => {
  const allDay = (monthDays: readonly (readonly [number, number])[]): Window => ({
    weekdays: ALL_WEEKDAYS,
    years: undefined,
    months: ALL_MONTHS,
    days: ALL_DAYS,
    monthDays,
    start: 0,
    end: 1440,
  });

  it.each([
    // [ranges, instant, open]: Alertmanager's "last three days" and clamping scenarios
    [[[-3, -1]], "2020-01-31T15:04:00Z", true],
    [[[-3, -1]], "2020-01-29T15:04:00Z", true],
    [[[-3, -1]], "2020-01-27T15:04:00Z", false],
    [[[-3, -1]], "2020-02-29T23:05:00Z", true],
    [[[-3, -1]], "2020-02-27T23:05:00Z", true],
    [[[-3, -1]], "2020-02-26T23:05:00Z", false],
    [[[-3, -1]], "2020-03-01T00:00:00Z", false],
    [[[-3, -1]], "2020-06-30T00:00:00Z", true],
    [[[1, -1]], "2021-02-28T12:00:00Z", true],
    [[[5, -3]], "2021-01-29T12:00:00Z", true],
    [[[5, -3]], "2021-01-30T12:00:00Z", false],
    [[[5, -3]], "2021-01-04T12:00:00Z", false],
    [[[-31, 31]], "2020-06-01T00:00:00Z", true],
    [[[-31, 31]], "2020-06-30T00:00:00Z", true],
    [[[31, 31]], "2021-04-30T12:00:00Z", false],
    [[[30, 31]], "2021-04-30T12:00:00Z", true],
    [[[31, 31]], "2021-05-31T12:00:00Z", true],
    [
      [
        [1, 1],
        [-1, -1],
      ],
      "2021-05-01T12:00:00Z",
      true,
    ],
    [
      [
        [1, 1],
        [-1, -1],
      ],
      "2021-05-02T12:00:00Z",
      false,
    ],
  ] as const)("%j at %s is open: %s", (ranges, iso, open) => {
    expect(isOpen(allDay(ranges), at(iso), "UTC")).toBe(open);
  });

  it("counts from the end of the local month, not the UTC one", () => {
    // 2021-04-01T02:00Z is still March 31 in New York: the last day there.
    expect(isOpen(allDay([[-1, -1]]), at("2021-04-01T02:00:00Z"), "America/New_York")).toBe(true);
    expect(isOpen(allDay([[-1, -1]]), at("2021-03-30T16:00:00Z"), "America/New_York")).toBe(false);
  });

  it("finds the next opening through nextOpen", () => {
    expect(nextOpen([allDay([[-1, -1]])], at("2021-02-10T00:00:00Z"), "UTC")).toBe(
      at("2021-02-28T00:00:00Z"),
    );
  });

  it("is written with Alertmanager's ranges by describe", () => {
    expect(
      describe(
        allDay([
          [-3, -1],
          [5, 5],
        ]),
      ),
    ).toBe("*-*-(-3:-1,5) 00:00-24:00");
  });

  it.each([
    [2020, 2, 29],
    [2021, 2, 28],
    [1900, 2, 28],
    [2000, 2, 29],
    [2021, 4, 30],
    [2021, 12, 31],
  ])("daysInMonth(%i, %i) is %i", (y, m, n) => {
    expect(daysInMonth(y, m)).toBe(n);
  });
});

group("nextClose and openIntervals (shift calendars)", () => {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  const ws = (...texts: string[]) => parseWindows(texts);

  it("closes a window crossing midnight on the next day, and abutting windows as one stretch", () => {
    expect(
      iso(nextClose(ws("Mon 22:00-06:00"), at("2026-03-02T23:00:00Z"), "UTC", at("2026-04-01T00:00:00Z"))),
    ).toBe("2026-03-03T06:00:00.000Z");
    expect(
      iso(
        nextClose(
          ws("Mon 14:00-22:00", "Mon 22:00-24:00"),
          at("2026-03-02T15:00:00Z"),
          "UTC",
          at("2026-04-01T00:00:00Z"),
        ),
      ),
    ).toBe("2026-03-03T00:00:00.000Z");
    // Already closed: now. Open past the horizon: undefined.
    expect(
      nextClose(ws("Mon 06:00-14:00"), at("2026-03-02T15:00:00Z"), "UTC", at("2026-03-03T00:00:00Z")),
    ).toBe(at("2026-03-02T15:00:00Z"));
    expect(
      nextClose(ws("00:00-24:00"), at("2026-03-02T15:00:00Z"), "UTC", at("2026-03-05T00:00:00Z")),
    ).toBeUndefined();
  });

  it("lists the open stretches of a range, clipped, in wall-clock time across DST", () => {
    expect(
      openIntervals(
        ws("Mon..Fri 06:00-14:00"),
        at("2026-03-06T10:00:00Z"),
        at("2026-03-09T12:00:00Z"),
        "UTC",
      ).map(([a, b]) => [iso(a), iso(b)]),
    ).toEqual([
      ["2026-03-06T10:00:00.000Z", "2026-03-06T14:00:00.000Z"],
      ["2026-03-09T06:00:00.000Z", "2026-03-09T12:00:00.000Z"],
    ]);
    // 06:00 Berlin is 05:00Z before the spring change (2026-03-29) and 04:00Z after it.
    expect(
      openIntervals(
        ws("06:00-07:00"),
        at("2026-03-28T00:00:00Z"),
        at("2026-03-30T00:00:00Z"),
        "Europe/Berlin",
      ).map(([a, b]) => [iso(a), iso(b)]),
    ).toEqual([
      ["2026-03-28T05:00:00.000Z", "2026-03-28T06:00:00.000Z"],
      ["2026-03-29T04:00:00.000Z", "2026-03-29T05:00:00.000Z"],
    ]);
    expect(
      openIntervals(ws("Sat 06:00-07:00"), at("2026-03-02T00:00:00Z"), at("2026-03-06T00:00:00Z"), "UTC"),
    ).toEqual([]);
  });

  it("ends every stretch where the windows are closed and starts the next where one is open", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("Mon..Fri 06:00-14:00", "22:00-06:00", "Sat,Sun 10:00-10:30", "*-*-01 00:00-24:00"),
        fc.integer({ min: 0, max: 60 * 24 * 40 }),
        fc.constantFrom("UTC", "Europe/Berlin", "America/New_York"),
        (text, startMin, tz) => {
          const windows = ws(text);
          const from = at("2026-01-01T00:00:00Z") + startMin * MIN;
          const to = from + 14 * 24 * 60 * MIN;
          for (const [a, b] of openIntervals(windows, from, to, tz)) {
            expect(a).toBeLessThan(b);
            expect(isOpen(windows[0]!, a, tz)).toBe(true);
            expect(isOpen(windows[0]!, b - 1000, tz)).toBe(true);
            if (b < to) {
              expect(isOpen(windows[0]!, b, tz)).toBe(false);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
