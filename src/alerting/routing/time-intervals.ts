// Alertmanager's time_intervals (times, weekdays, days_of_month, months, years, location) compiled to
// the calendar windows of model/calendar, the one calendar deployment gates use too, and the
// mute_time_intervals / active_time_intervals decision of a route.
import { ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, isOpen, type Window } from "../../model/calendar.js";
import { assertTimeZone } from "../../model/zone.js";
import { AlertingErrors } from "../errors.js";

/** One entry of a time interval's list, as written in the YAML (every field optional). */
export type TimeIntervalSpec = {
  times?: readonly { start_time?: string; end_time?: string }[] | undefined;
  weekdays?: readonly string[] | undefined;
  days_of_month?: readonly string[] | undefined;
  months?: readonly string[] | undefined;
  years?: readonly string[] | undefined;
  location?: string | undefined;
};

/** A compiled entry: open when any window is open on the wall clock of `location`. */
export type TimeInterval = { readonly windows: readonly Window[]; readonly location: string };

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** Go's strconv.Atoi for the numbers Alertmanager reads. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d{1,9}$/.test(s) ? Number(s) : undefined;
}

/** `a` or `a:b`, lower-cased, each side read by `member` (Alertmanager's stringableRangeFromString). */
function range(text: string, member: (s: string) => number): [number, number] {
  const s = text.toLowerCase();
  if (!s.includes(":")) {
    const v = member(s);
    return [v, v];
  }
  const parts = s.split(":");
  if (parts.length !== 2) {
    throw new Error(`couldn't parse range ${s}, invalid format`);
  }
  return [member(parts[0] as string), member(parts[1] as string)];
}

function number(s: string): number {
  const v = atoi(s);
  if (v === undefined) {
    throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  return v;
}

export function parseWeekdayRange(text: string): [number, number] {
  const [b, e] = range(text, (s) => {
    const i = WEEKDAYS.indexOf(s);
    if (i < 0) {
      throw new Error(`${s} is not a valid weekday`);
    }
    return i;
  });
  if (b > e) {
    throw new Error("start day cannot be before end day");
  }
  return [b, e];
}

export function parseDayOfMonthRange(text: string): [number, number] {
  const [b, e] = range(text, number);
  for (const d of [b, e]) {
    if (d === 0 || d < -31 || d > 31) {
      throw new Error(`${d} is not a valid day of the month: out of range`);
    }
  }
  if (b < 0 && e > 0) {
    throw new Error("end day must be negative if start day is negative");
  }
  // Alertmanager compares as if every month had 28 days: "10:-25" is rejected although a 31-day
  // month would have days 10..7 (none) anyway.
  if ((b < 0 ? 28 + b : b) > (e < 0 ? 28 + e : e)) {
    throw new Error(`end day ${e} is always before start day ${b}`);
  }
  return [b, e];
}

/** Months by name (any case) or number; numbers outside 1..12 are refused (Alertmanager accepts and never matches them). */
export function parseMonthRange(text: string): [number, number] {
  const [b, e] = range(text, (s) => {
    const i = MONTHS.indexOf(s);
    if (i >= 0) {
      return i + 1;
    }
    const v = atoi(s);
    if (v === undefined) {
      throw new Error(`${s} is not a valid month`);
    }
    if (v < 1 || v > 12) {
      throw new Error(`${s} is not a valid month: out of range 1..12`);
    }
    return v;
  });
  if (b > e) {
    throw new Error(`end month ${MONTHS[e - 1]} is before start month ${MONTHS[b - 1]}`);
  }
  return [b, e];
}

export function parseYearRange(text: string): [number, number] {
  const [b, e] = range(text, number);
  if (b > e) {
    throw new Error(`end year ${e} is before start year ${b}`);
  }
  return [b, e];
}

const VALID_TIME = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

function parseTime(s: string): number {
  if (!VALID_TIME.test(s)) {
    throw new Error(`couldn't parse timestamp ${s}, invalid format`);
  }
  const [h, m] = s.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

export function parseTimeRange(t: { start_time?: string; end_time?: string }): [number, number] {
  if (!t.start_time || !t.end_time) {
    throw new Error("both start and end times must be provided");
  }
  const start = parseTime(t.start_time);
  const end = parseTime(t.end_time);
  if (start >= end) {
    throw new Error("start time cannot be equal or greater than end time");
  }
  return [start, end];
}

/** The zone Alertmanager's "Local" means: this process's own. */
function zoneName(location: string | undefined): string {
  if (location === undefined || location === "") {
    return "UTC";
  }
  return location === "Local" ? Intl.DateTimeFormat().resolvedOptions().timeZone : location;
}

/** Field of the spec at fault and Alertmanager's message; thrown by compileTimeInterval. */
export class TimeIntervalError extends Error {
  constructor(
    readonly field: string,
    readonly index: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "TimeIntervalError";
  }
}

function each<T>(field: string, items: readonly string[], parse: (s: string) => T): T[] {
  return items.map((s, i) => {
    try {
      return parse(s);
    } catch (e) {
      throw new TimeIntervalError(field, i, (e as Error).message);
    }
  });
}

/**
 * Compiles one entry. A field left out matches everything; a field given as an empty list matches
 * nothing (Alertmanager checks "field != nil", and an empty YAML list is not nil). Throws TimeIntervalError.
 */
export function compileTimeInterval(spec: TimeIntervalSpec): TimeInterval {
  let weekdays = ALL_WEEKDAYS;
  if (spec.weekdays !== undefined) {
    weekdays = 0;
    for (const [b, e] of each("weekdays", spec.weekdays, parseWeekdayRange)) {
      for (let d = b; d <= e; d++) {
        weekdays |= 1 << ((d + 6) % 7); // Alertmanager counts from Sunday, the calendar from Monday
      }
    }
  }
  let months = ALL_MONTHS;
  if (spec.months !== undefined) {
    months = 0;
    for (const [b, e] of each("months", spec.months, parseMonthRange)) {
      for (let m = b; m <= e; m++) {
        months |= 1 << m;
      }
    }
  }
  const monthDays =
    spec.days_of_month === undefined
      ? undefined
      : each("days_of_month", spec.days_of_month, parseDayOfMonthRange);
  const years =
    spec.years === undefined
      ? undefined
      : each("years", spec.years, parseYearRange).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const location = zoneName(spec.location);
  try {
    assertTimeZone(location);
  } catch {
    throw new TimeIntervalError("location", undefined, `unknown time zone ${location}`);
  }
  const times =
    spec.times === undefined
      ? [[0, 1440] as [number, number]]
      : spec.times.map((t, i) => {
          try {
            return parseTimeRange(t);
          } catch (e) {
            throw new TimeIntervalError("times", i, (e as Error).message);
          }
        });
  const windows = times.map(([start, end]): Window => ({
    weekdays,
    years,
    months,
    days: ALL_DAYS,
    ...(monthDays === undefined ? {} : { monthDays }),
    start,
    end,
  }));
  return { windows, location };
}

/** Whether any of the entries contains the instant (Alertmanager's TimeInterval.ContainsTime, any of). */
export function isActive(intervals: readonly TimeInterval[], at: Date | number): boolean {
  const t = typeof at === "number" ? at : at.getTime();
  return intervals.some((i) => i.windows.some((w) => isOpen(w, t, i.location)));
}

/** The named intervals of a config (time_intervals and the older top-level mute_time_intervals). */
export type NamedTimeIntervals = ReadonlyMap<string, readonly TimeInterval[]>;

/**
 * Whether a route's notifications are held back at `at`, as Alertmanager's TimeMuteStage and
 * TimeActiveStage: muted while any mute interval is active, or while the route has active intervals
 * and none of them is. A name that is not defined throws (the config loader refuses such configs).
 */
export function mutedAt(
  route: { readonly muteTimeIntervals: readonly string[]; readonly activeTimeIntervals: readonly string[] },
  named: NamedTimeIntervals,
  at: Date | number,
): boolean {
  const active = (name: string) => {
    const intervals = named.get(name);
    if (intervals === undefined) {
      throw AlertingErrors.unknownTimeInterval(`time interval ${name} doesn't exist in config`);
    }
    return isActive(intervals, at);
  };
  if (route.muteTimeIntervals.some(active)) {
    return true;
  }
  return route.activeTimeIntervals.length > 0 && !route.activeTimeIntervals.some(active);
}
