import { describe, expect, it } from "vitest";
import {
  compileTimeInterval,
  isActive,
  mutedAt,
  TimeIntervalError,
  type TimeIntervalSpec,
} from "./time-intervals.js";

// Go's "02 Jan 06 15:04 -0700" layout, as Alertmanager's timeinterval_test.go writes its instants.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function goTime(s: string): number {
  const m = /^(\d{1,2}) (\w{3}) (\d{2}) (\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (m === null) {
    throw new Error(`bad test instant ${s}`);
  }
  const [, d, mon, y, hh, mm, sign, oh, om] = m as unknown as string[];
  const offset = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  return (
    Date.UTC(2000 + Number(y), MONTHS.indexOf(mon as string), Number(d), Number(hh), Number(mm)) -
    offset * 60_000
  );
}

// The scenarios of Alertmanager's timeIntervalTestCases, written as the YAML would give them.
const scenarios: { name: string; spec: TimeIntervalSpec; inside: string[]; outside: string[] }[] = [
  {
    name: "empty interval: always",
    spec: {},
    inside: ["02 Jan 06 15:04 +0000", "03 Jan 07 10:04 +0000", "04 Jan 06 09:04 +0000"],
    outside: [],
  },
  {
    name: "9am to 5pm, monday to friday",
    spec: { times: [{ start_time: "09:00", end_time: "17:00" }], weekdays: ["monday:friday"] },
    inside: ["04 May 20 15:04 +0000", "05 May 20 10:04 +0000", "09 Jun 20 09:04 +0000"],
    outside: ["03 May 20 15:04 +0000", "04 May 20 08:59 +0000", "05 May 20 05:00 +0000"],
  },
  {
    name: "Easter 2020",
    spec: { days_of_month: ["4:6"], months: ["april"], years: ["2020"] },
    inside: ["04 Apr 20 15:04 +0000", "05 Apr 20 00:00 +0000", "06 Apr 20 23:05 +0000"],
    outside: [
      "03 May 18 15:04 +0000",
      "03 Apr 20 23:59 +0000",
      "04 Jun 20 23:59 +0000",
      "06 Apr 19 23:59 +0000",
      "07 Apr 20 00:00 +0000",
    ],
  },
  {
    name: "last 3 days of each month",
    spec: { days_of_month: ["-3:-1"] },
    inside: [
      "31 Jan 20 15:04 +0000",
      "30 Jan 20 15:04 +0000",
      "29 Jan 20 15:04 +0000",
      "30 Jun 20 00:00 +0000",
      "29 Feb 20 23:05 +0000",
    ],
    outside: [
      "03 May 18 15:04 +0000",
      "27 Jan 20 15:04 +0000",
      "03 Apr 20 23:59 +0000",
      "04 Jun 20 23:59 +0000",
      "06 Apr 19 23:59 +0000",
      "07 Apr 20 00:00 +0000",
      "01 Mar 20 00:00 +0000",
    ],
  },
  {
    name: "out-of-bound days clamp to the month",
    // Alertmanager's case builds "-31:31" in Go, past its own validation; "-31:-1" and "1:31" are the YAML forms.
    spec: { months: ["6"], days_of_month: ["-31:-1", "1:31"] },
    inside: ["30 Jun 20 00:00 +0000", "01 Jun 20 00:00 +0000"],
    outside: ["31 May 20 00:00 +0000", "01 Jul 20 00:00 +0000"],
  },
  {
    name: "AEST 9am to 5pm, monday to friday",
    spec: {
      times: [{ start_time: "09:00", end_time: "17:00" }],
      weekdays: ["monday:friday"],
      location: "Australia/Sydney",
    },
    inside: ["06 Apr 21 13:00 +1000"],
    outside: ["06 Apr 21 13:00 +0000"],
  },
  {
    name: "Sydney in daylight saving time",
    spec: {
      times: [{ start_time: "09:00", end_time: "17:00" }],
      weekdays: ["monday:friday"],
      months: ["november"],
      location: "Australia/Sydney",
    },
    inside: ["01 Nov 21 09:00 +1100", "31 Oct 21 22:00 +0000"],
    outside: ["31 Oct 21 21:00 +0000"],
  },
  {
    name: "last day does not shift in a spring-forward month",
    spec: { days_of_month: ["-1"], location: "America/New_York" },
    inside: ["31 Mar 21 12:00 -0400"],
    outside: ["30 Mar 21 12:00 -0400"],
  },
  {
    name: "several time ranges, weekend list, case-insensitive names",
    spec: {
      times: [
        { start_time: "00:00", end_time: "06:00" },
        { start_time: "22:00", end_time: "24:00" },
      ],
      weekdays: ["Saturday", "SUNDAY"],
    },
    inside: ["02 May 20 05:59 +0000", "03 May 20 22:00 +0000", "03 May 20 23:59 +0000"],
    outside: ["02 May 20 06:00 +0000", "04 May 20 23:00 +0000", "02 May 20 21:59 +0000"],
  },
  {
    name: "an empty list matches nothing",
    spec: { weekdays: [] },
    inside: [],
    outside: ["02 May 20 05:59 +0000"],
  },
];

describe("compileTimeInterval and isActive (Alertmanager's scenarios)", () => {
  for (const s of scenarios) {
    const interval = compileTimeInterval(s.spec);
    it.each(s.inside)(`${s.name}: contains %s`, (t) => {
      expect(isActive([interval], goTime(t))).toBe(true);
      expect(isActive([interval], new Date(goTime(t)))).toBe(true);
    });
    it.each(s.outside)(`${s.name}: excludes %s`, (t) => {
      expect(isActive([interval], goTime(t))).toBe(false);
    });
  }

  it("is active when any entry of the list is", () => {
    const weekend = compileTimeInterval({ weekdays: ["saturday", "sunday"] });
    const nights = compileTimeInterval({ times: [{ start_time: "00:00", end_time: "06:00" }] });
    expect(isActive([weekend, nights], goTime("04 May 20 05:00 +0000"))).toBe(true);
    expect(isActive([weekend, nights], goTime("04 May 20 07:00 +0000"))).toBe(false);
    expect(isActive([], goTime("04 May 20 07:00 +0000"))).toBe(false);
  });
});

describe("compileTimeInterval errors (Alertmanager's messages)", () => {
  it.each([
    [
      { times: [{ start_time: "01:00", end_time: "01:99" }] },
      "times",
      "couldn't parse timestamp 01:99, invalid format",
    ],
    [
      { times: [{ start_time: "99:99", end_time: "01:00" }] },
      "times",
      "couldn't parse timestamp 99:99, invalid format",
    ],
    [
      { times: [{ start_time: "01:00", end_time: "01:00" }] },
      "times",
      "start time cannot be equal or greater than end time",
    ],
    [
      { times: [{ start_time: "02:00", end_time: "01:00" }] },
      "times",
      "start time cannot be equal or greater than end time",
    ],
    [
      { times: [{ start_time: "24:00", end_time: "25:00" }] },
      "times",
      "couldn't parse timestamp 25:00, invalid format",
    ],
    [{ times: [{ start_time: "01:00" }] }, "times", "both start and end times must be provided"],
    [
      { times: [{ start_time: "1:00", end_time: "02:00" }] },
      "times",
      "couldn't parse timestamp 1:00, invalid format",
    ],
    [{ weekdays: ["friday:monday"] }, "weekdays", "start day cannot be before end day"],
    [{ weekdays: ["saturday:sunday"] }, "weekdays", "start day cannot be before end day"], // no wrap in Alertmanager
    [{ weekdays: ["blurgsday:flurgsday"] }, "weekdays", "blurgsday is not a valid weekday"],
    [{ weekdays: ["1"] }, "weekdays", "1 is not a valid weekday"],
    [{ weekdays: ["mon"] }, "weekdays", "mon is not a valid weekday"],
    [{ days_of_month: ["0"] }, "days_of_month", "0 is not a valid day of the month: out of range"],
    [{ days_of_month: ["-50"] }, "days_of_month", "-50 is not a valid day of the month: out of range"],
    [{ days_of_month: ["50"] }, "days_of_month", "50 is not a valid day of the month: out of range"],
    [{ days_of_month: ["-15:5"] }, "days_of_month", "end day must be negative if start day is negative"],
    [{ days_of_month: ["10:-25"] }, "days_of_month", "end day -25 is always before start day 10"],
    [{ days_of_month: ["1:2:3"] }, "days_of_month", "couldn't parse range 1:2:3, invalid format"],
    [{ months: ["martius:junius"] }, "months", "martius is not a valid month"],
    [{ months: ["january:junius"] }, "months", "junius is not a valid month"],
    [{ months: ["december:january"] }, "months", "end month january is before start month december"],
    [{ months: ["13"] }, "months", "13 is not a valid month: out of range 1..12"],
    [{ years: ["2022:2020"] }, "years", "end year 2020 is before start year 2022"],
    [{ location: "Mars/Olympus_Mons" }, "location", "unknown time zone Mars/Olympus_Mons"],
  ] as [TimeIntervalSpec, string, string][])("%j: %s: %s", (spec, field, message) => {
    let err: unknown;
    try {
      compileTimeInterval(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TimeIntervalError);
    expect((err as TimeIntervalError).field).toBe(field);
    expect((err as TimeIntervalError).message).toBe(message);
  });

  it.each([
    [{ days_of_month: ["1:-1"] }],
    [{ months: ["January:december"] }],
    [{ years: ["2020:2022"], location: "Australia/Sydney" }],
    [{ location: "Local" }],
    [{ times: [{ start_time: "00:00", end_time: "24:00" }] }],
  ] as [TimeIntervalSpec][])("accepts %j", (spec) => {
    expect(() => compileTimeInterval(spec)).not.toThrow();
  });
});

describe("mutedAt (mute_time_intervals and active_time_intervals of a route)", () => {
  const named = new Map([
    ["weekends", [compileTimeInterval({ weekdays: ["saturday", "sunday"] })]],
    [
      "office",
      [
        compileTimeInterval({
          times: [{ start_time: "09:00", end_time: "17:00" }],
          weekdays: ["monday:friday"],
        }),
      ],
    ],
  ]);
  const saturday = goTime("02 May 20 12:00 +0000");
  const mondayNoon = goTime("04 May 20 12:00 +0000");
  const mondayNight = goTime("04 May 20 20:00 +0000");
  it.each([
    [[], [], mondayNoon, false],
    [["weekends"], [], saturday, true],
    [["weekends"], [], mondayNoon, false],
    [[], ["office"], mondayNoon, false],
    [[], ["office"], mondayNight, true],
    [[], ["office"], saturday, true],
    [["weekends"], ["office", "weekends"], saturday, true], // mute wins over active
    [[], ["office", "weekends"], saturday, false],
  ] as [string[], string[], number, boolean][])(
    "mute %j active %j at %i: muted %s",
    (mute, active, t, want) => {
      expect(mutedAt({ muteTimeIntervals: mute, activeTimeIntervals: active }, named, t)).toBe(want);
    },
  );
  it("names an interval that does not exist", () => {
    expect(() => mutedAt({ muteTimeIntervals: ["nope"], activeTimeIntervals: [] }, named, saturday)).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_ALERTING_TIME_INTERVAL_UNKNOWN" }),
    );
  });
});
