// Calendar windows (deploy windows, and Alertmanager time intervals through time-interval.ts in
// alerting) as calendar expressions in the spirit of systemd.time(7) calendar events, but
// spanning a time range: `[weekdays] [date] HH:MM-HH:MM`, evaluated on a wall clock in an IANA zone.
//
// Grammar (whitespace separates the parts, which come in this order):
//   weekdays  = item ("," item)*         item = day | day ".." day   (Mon..Fri, Sat,Sun, Fri..Mon wraps)
//               day = Mon|Tue|…|Sun or the full English name, any case
//   date      = [year "-"] month "-" day  each "*" or a list of N / N..M  (2026-12-24, *-*-01..07, 12-24)
//   timerange = HH:MM ("-" | "..") HH:MM    start inclusive, end exclusive; "24:00" ends at midnight
// Omitted weekdays or date match every day. An end at or before the start crosses midnight: the
// window opens on a matching day and closes on the next day ("Mon 22:00-02:00" is Mon 22:00 to Tue
// 02:00). Weekdays and date must both match (systemd semantics); "00:00" as an end means "24:00".
//
// Time is the wall clock of the zone, so DST is handled as a clock on the shop floor would show it:
// - skipped hour (spring forward): wall times inside it never occur; a window lying wholly in it does
//   not open that day, a window reaching into it is open only for the part that the clock shows (a
//   window "02:30-04:00" on a Europe/Berlin spring-forward day opens at 03:00 CEST, when the clock jumps).
// - repeated hour (fall back): wall times inside it occur twice, and so does the window: "02:15-02:45"
//   opens once in summer time and again an hour later in standard time.
import type { LineopsError } from "../errors.js";
import { CalendarErrors } from "./errors.js";
import {
  civilFromDays,
  daysFromCivil,
  localTime,
  offsetChangeIn,
  wallClockToUtc,
  weekdayOfDays,
  type LocalTime,
} from "./zone.js";

export type Window = {
  /** Bit 0 = Monday … bit 6 = Sunday; 0x7f = every day. */
  readonly weekdays: number;
  /** Sorted, merged inclusive ranges; undefined = every year. */
  readonly years: readonly (readonly [number, number])[] | undefined;
  /** Bits 1..12. */
  readonly months: number;
  /** Bits 1..31 (read with >>>). */
  readonly days: number;
  /**
   * Days of the month as inclusive ranges in which a negative day counts from the month's end (-1 is
   * its last day), as Alertmanager's days_of_month: [-3, -1] is the last three days of every month,
   * [1, -1] all of it. Set, it replaces `days`; a range whose start lies beyond the month's length
   * matches nothing that month, an end beyond it stops at the last day. Deploy-window expressions
   * cannot write it (they never set it).
   */
  readonly monthDays?: readonly (readonly [number, number])[];
  /** Minute of the day the window opens, 0..1439. */
  readonly start: number;
  /** Minute of the day it closes, 1..1440; at or before `start` means the next day. */
  readonly end: number;
};

/** A window syntax error: LINEOPS_ERR_GATE_WINDOW_INVALID with the 1-based column it points at. */
export type WindowSyntaxError = LineopsError & { column: number; detail: string };

export const MAX_WINDOW_LENGTH = 256;
export const ALL_WEEKDAYS = 0x7f;
export const ALL_MONTHS = 0b1_1111_1111_1110;
export const ALL_DAYS = 0xffff_fffe | 0; // bits 1..31
export const DEFAULT_HORIZON_DAYS = 400;

const DAY_MS = 86_400_000;
const YEAR_MIN = 1970;
const YEAR_MAX = 9999;
const WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
const WEEKDAY_FULL = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

function syntax(column: number, detail: string): WindowSyntaxError {
  return Object.assign(CalendarErrors.invalidWindow(`1:${column}: ${detail}`), { column, detail });
}

function weekdayIndex(name: string): number {
  const n = name.toLowerCase();
  const i = WEEKDAY_FULL.findIndex((f) => f === n || f.slice(0, 3) === n);
  return i;
}

/** Splits `text` on `sep`, keeping each piece's column. */
function split(text: string, column: number, sep: string): { text: string; column: number }[] {
  const out: { text: string; column: number }[] = [];
  let at = 0;
  for (;;) {
    const i = text.indexOf(sep, at);
    out.push({ text: text.slice(at, i === -1 ? undefined : i), column: column + at });
    if (i === -1) {
      return out;
    }
    at = i + sep.length;
  }
}

function parseWeekdays(text: string, column: number): number {
  let mask = 0;
  for (const item of split(text, column, ",")) {
    if (item.text === "") {
      throw syntax(item.column, "empty item in weekday list");
    }
    const ends = split(item.text, item.column, "..");
    if (ends.length > 2) {
      throw syntax(item.column, `invalid weekday range "${item.text}"`);
    }
    const idx = ends.map((e) => {
      if (e.text === "") {
        throw syntax(e.column, `weekday range "${item.text}" needs a day on both sides of ".."`);
      }
      const i = weekdayIndex(e.text);
      if (i < 0) {
        throw syntax(
          e.column,
          e.text.includes("-")
            ? `unknown weekday "${e.text}" (ranges are written Mon..Fri)`
            : `unknown weekday "${e.text}"`,
        );
      }
      return i;
    });
    const from = idx[0] as number;
    const to = idx[idx.length - 1] as number;
    // A range may wrap through Sunday: Fri..Mon is Fri, Sat, Sun, Mon.
    for (let d = from; ; d = (d + 1) % 7) {
      mask |= 1 << d;
      if (d === to) {
        break;
      }
    }
  }
  return mask;
}

type Ranges = [number, number][];

function parseNumberList(
  text: string,
  column: number,
  what: string,
  min: number,
  max: number,
): Ranges | undefined {
  if (text === "*") {
    return undefined;
  }
  const out: Ranges = [];
  for (const item of split(text, column, ",")) {
    if (item.text === "") {
      throw syntax(item.column, `empty item in ${what} list`);
    }
    const ends = split(item.text, item.column, "..");
    if (ends.length > 2) {
      throw syntax(item.column, `invalid ${what} range "${item.text}"`);
    }
    const vals = ends.map((e) => {
      if (!/^\d{1,4}$/.test(e.text)) {
        throw syntax(e.column, `invalid ${what} "${e.text}", expected a number or "*"`);
      }
      const v = Number(e.text);
      if (v < min || v > max) {
        throw syntax(e.column, `${what} ${e.text} out of range ${min}..${max}`);
      }
      return v;
    });
    const lo = vals[0] as number;
    const hi = vals[vals.length - 1] as number;
    if (hi < lo) {
      throw syntax(item.column, `${what} range "${item.text}" runs backwards`);
    }
    out.push([lo, hi]);
  }
  return out;
}

function rangesToMask(r: Ranges | undefined, all: number): number {
  if (r === undefined) {
    return all;
  }
  let m = 0;
  for (const [lo, hi] of r) {
    for (let v = lo; v <= hi; v++) {
      m |= 1 << v;
    }
  }
  return m;
}

function mergeRanges(r: Ranges): Ranges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) {
      last[1] = Math.max(last[1], hi);
    } else {
      out.push([lo, hi]);
    }
  }
  return out;
}

function parseDate(
  text: string,
  column: number,
): { years: Ranges | undefined; months: number; days: number } {
  const parts = split(text, column, "-");
  if (parts.length !== 2 && parts.length !== 3) {
    throw syntax(
      column,
      `invalid date "${text}", expected YYYY-MM-DD or MM-DD (each part a number, list or "*")`,
    );
  }
  const y = parts.length === 3 ? parts[0] : undefined;
  const m = parts[parts.length - 2] as { text: string; column: number };
  const d = parts[parts.length - 1] as { text: string; column: number };
  const years = y === undefined ? undefined : parseNumberList(y.text, y.column, "year", YEAR_MIN, YEAR_MAX);
  const months = parseNumberList(m.text, m.column, "month", 1, 12);
  const days = parseNumberList(d.text, d.column, "day", 1, 31);
  return {
    years: years === undefined ? undefined : mergeRanges(years),
    months: rangesToMask(months, ALL_MONTHS),
    days: rangesToMask(days, ALL_DAYS),
  };
}

function parseTime(text: string, column: number, isEnd: boolean): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (m === null) {
    throw syntax(column, `invalid time "${text}", expected HH:MM`);
  }
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (isEnd && h === 24 && min === 0) {
    return 1440;
  }
  if (h > 23) {
    throw syntax(column, `hour ${m[1]} out of range 0..23${isEnd ? " (or 24:00 as an end)" : ""}`);
  }
  if (min > 59) {
    throw syntax(column + (m[1] as string).length + 1, `minute ${m[2]} out of range 0..59`);
  }
  return h * 60 + min;
}

function parseTimeRange(text: string, column: number): { start: number; end: number } {
  const dots = text.indexOf("..");
  const dash = text.indexOf("-");
  const at = dots !== -1 ? dots : dash;
  if (at === -1) {
    throw syntax(column, `time range "${text}" needs an end, e.g. 05:45-06:15`);
  }
  const sepLen = dots !== -1 ? 2 : 1;
  const start = parseTime(text.slice(0, at), column, false);
  let end = parseTime(text.slice(at + sepLen), column + at + sepLen, true);
  if (end === 0) {
    end = 1440;
  }
  if (end === start) {
    throw syntax(column, `empty time range "${text}"`);
  }
  return { start, end };
}

export function daysInMonth(year: number, month: number): number {
  return (
    daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1)
  );
}

function inMonthDays(
  ranges: readonly (readonly [number, number])[],
  year: number,
  month: number,
  day: number,
): boolean {
  const len = daysInMonth(year, month);
  return ranges.some(([lo, hi]) => {
    const from = lo < 0 ? len + lo + 1 : lo;
    const to = hi < 0 ? len + hi + 1 : hi;
    return from <= len && day >= from && day <= to;
  });
}

function dayMatches(w: Window, days: number): boolean {
  if (((w.weekdays >>> weekdayOfDays(days)) & 1) === 0) {
    return false;
  }
  const { year, month, day } = civilFromDays(days);
  if (((w.months >>> month) & 1) === 0) {
    return false;
  }
  if (
    w.monthDays === undefined ? ((w.days >>> day) & 1) === 0 : !inMonthDays(w.monthDays, year, month, day)
  ) {
    return false;
  }
  return w.years === undefined || w.years.some(([lo, hi]) => year >= lo && year <= hi);
}

/** True if some day can match; years that are "*" are tried over a 28-year (weekday) cycle. */
function occurs(w: Window): boolean {
  const years = w.years ?? [[2000, 2027] as const];
  let tried = 0;
  for (const [lo, hi] of years) {
    for (let y = lo; y <= hi && tried < 28; y++, tried++) {
      for (let m = 1; m <= 12; m++) {
        if (((w.months >>> m) & 1) === 0) {
          continue;
        }
        const len = daysInMonth(y, m);
        for (let d = 1; d <= len; d++) {
          if (dayMatches(w, daysFromCivil(y, m, d))) {
            return true;
          }
        }
      }
    }
  }
  return false;
}

/** Parses one window expression; errors are LINEOPS_ERR_GATE_WINDOW_INVALID, e.g. `1:5: unknown weekday "Mun"`. */
export function parseWindow(text: string): Window {
  if (text.length > MAX_WINDOW_LENGTH) {
    throw syntax(MAX_WINDOW_LENGTH + 1, `window expression longer than ${MAX_WINDOW_LENGTH} characters`);
  }
  const tokens = [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], column: m.index + 1 }));
  if (tokens.length === 0) {
    throw syntax(1, "empty window expression, expected e.g. Mon..Fri 05:45-06:15");
  }
  let weekdays: number | undefined;
  let date: ReturnType<typeof parseDate> | undefined;
  let time: { start: number; end: number } | undefined;
  let dateColumn = 1;
  for (const t of tokens) {
    if (time !== undefined) {
      throw syntax(t.column, `unexpected "${t.text}" after the time range`);
    }
    if (t.text.includes(":")) {
      time = parseTimeRange(t.text, t.column);
    } else if (/^[A-Za-z]/.test(t.text)) {
      if (weekdays !== undefined) {
        throw syntax(
          t.column,
          `unexpected "${t.text}": weekdays are one comma-separated list without spaces`,
        );
      }
      if (date !== undefined) {
        throw syntax(t.column, `unexpected "${t.text}": weekdays come before the date`);
      }
      weekdays = parseWeekdays(t.text, t.column);
    } else {
      if (date !== undefined) {
        throw syntax(t.column, `unexpected "${t.text}": only one date pattern is allowed`);
      }
      date = parseDate(t.text, t.column);
      dateColumn = t.column;
    }
  }
  if (time === undefined) {
    throw syntax(text.trimEnd().length + 1, "missing time range HH:MM-HH:MM");
  }
  const w: Window = {
    weekdays: weekdays ?? ALL_WEEKDAYS,
    years: date?.years,
    months: date?.months ?? ALL_MONTHS,
    days: date?.days ?? ALL_DAYS,
    start: time.start,
    end: time.end,
  };
  if (!occurs(w)) {
    throw syntax(
      weekdays !== undefined ? 1 : dateColumn,
      weekdays !== undefined ? "no date matches both the weekdays and the date" : "the date never occurs",
    );
  }
  return w;
}

/** Parses a config's window list; errors are prefixed with the list path, e.g. `windows[0]: 1:5: …`. */
export function parseWindows(texts: readonly string[], path = "windows"): Window[] {
  return texts.map((text, i) => {
    try {
      return parseWindow(text);
    } catch (e) {
      const err = e as WindowSyntaxError;
      throw Object.assign(CalendarErrors.invalidWindow(`${path}[${i}]: ${err.message}`, { cause: e }), {
        column: err.column,
        detail: err.detail,
      });
    }
  });
}

function listFromMask(
  mask: number,
  from: number,
  to: number,
  fmt: (v: number) => string,
  sep = "..",
): string {
  const items: string[] = [];
  for (let v = from; v <= to; v++) {
    if (((mask >>> v) & 1) === 0) {
      continue;
    }
    let e = v;
    while (e < to && ((mask >>> (e + 1)) & 1) === 1) {
      e++;
    }
    items.push(e - v >= 2 ? `${fmt(v)}${sep}${fmt(e)}` : e === v ? fmt(v) : `${fmt(v)},${fmt(e)}`);
    v = e;
  }
  return items.join(",");
}

function describeWeekdays(mask: number): string {
  // Start after a gap so that runs through Sunday read as one range (Fri..Mon).
  let first = 0;
  while (first < 6 && ((mask >>> first) & 1) === 1 && ((mask >>> ((first + 6) % 7)) & 1) === 1) {
    first++;
  }
  const items: string[] = [];
  for (let i = 0; i < 7; i++) {
    const d = (first + i) % 7;
    if (((mask >>> d) & 1) === 0) {
      continue;
    }
    let n = 0;
    while (i + n + 1 < 7 && ((mask >>> ((first + i + n + 1) % 7)) & 1) === 1) {
      n++;
    }
    const name = (k: number) => WEEKDAY_NAMES[k % 7] as string;
    items.push(n >= 2 ? `${name(d)}..${name(d + n)}` : n === 1 ? `${name(d)},${name(d + 1)}` : name(d));
    i += n;
  }
  return items.join(",");
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const hhmm = (m: number) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;

/** The canonical expression of a window; parseWindow(describe(w)) is equal to w (unless w has monthDays). */
export function describe(w: Window): string {
  const parts: string[] = [];
  if (w.weekdays !== ALL_WEEKDAYS) {
    parts.push(describeWeekdays(w.weekdays));
  }
  const anyDate =
    w.years === undefined && w.months === ALL_MONTHS && w.days === ALL_DAYS && w.monthDays === undefined;
  if (!anyDate || w.weekdays === ALL_WEEKDAYS) {
    const y =
      w.years === undefined
        ? "*"
        : w.years.map(([lo, hi]) => (lo === hi ? pad(lo, 4) : `${pad(lo, 4)}..${pad(hi, 4)}`)).join(",");
    const m = w.months === ALL_MONTHS ? "*" : listFromMask(w.months, 1, 12, (v) => pad(v));
    // monthDays has no expression syntax: written as Alertmanager's ranges in parentheses (not parseable).
    const d =
      w.monthDays !== undefined
        ? `(${w.monthDays.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}:${hi}`)).join(",")})`
        : w.days === ALL_DAYS
          ? "*"
          : listFromMask(w.days, 1, 31, (v) => pad(v));
    parts.push(`${y}-${m}-${d}`);
  }
  parts.push(`${hhmm(w.start)}-${hhmm(w.end)}`);
  return parts.join(" ");
}

function openAtLocal(w: Window, lt: LocalTime): boolean {
  const today = daysFromCivil(lt.year, lt.month, lt.day);
  const m = lt.minuteOfDay;
  if (w.end > w.start) {
    return m >= w.start && m < w.end && dayMatches(w, today);
  }
  if (m >= w.start) {
    return dayMatches(w, today);
  }
  return m < w.end && dayMatches(w, today - 1);
}

/** Whether the window is open at instant t on a wall clock in tz. */
export function isOpen(w: Window, tMs: number, tz: string): boolean {
  return openAtLocal(w, localTime(tMs, tz));
}

/** Whether any of the windows is open at t. */
export function anyOpen(windows: readonly Window[], tMs: number, tz: string): boolean {
  if (windows.length === 0) {
    return false;
  }
  const lt = localTime(tMs, tz);
  return windows.some((w) => openAtLocal(w, lt));
}

/**
 * The earliest instant at or after t at which any window is open (t itself when one is open), or
 * undefined if none opens within horizonDays. A window opens either when the clock reaches its start
 * or when a DST change makes the clock jump into it, so only those instants are candidates.
 */
export function nextOpen(
  windows: readonly Window[],
  tMs: number,
  tz: string,
  horizonDays = DEFAULT_HORIZON_DAYS,
): number | undefined {
  if (anyOpen(windows, tMs, tz)) {
    return tMs;
  }
  if (windows.length === 0) {
    return undefined;
  }
  const limit = tMs + horizonDays * DAY_MS;
  const lt = localTime(tMs, tz);
  const firstDay = daysFromCivil(lt.year, lt.month, lt.day);
  let best: number | undefined;
  let stopAfter = Infinity;
  const consider = (u: number) => {
    if (u > tMs && u <= limit && (best === undefined || u < best) && anyOpen(windows, u, tz)) {
      best = u;
    }
  };
  for (let day = firstDay - 1; day <= firstDay + horizonDays && day <= stopAfter; day++) {
    const { year, month, day: dom } = civilFromDays(day);
    for (const w of windows) {
      if (dayMatches(w, day)) {
        for (const u of wallClockToUtc(year, month, dom, w.start, tz)) {
          consider(u);
        }
      }
    }
    const change = offsetChangeIn(day * DAY_MS, (day + 1) * DAY_MS, tz);
    if (change !== undefined) {
      consider(change);
    }
    // Candidates of one local day can interleave with the next only across a DST change; one more
    // day settles it.
    if (best !== undefined && stopAfter === Infinity) {
      stopAfter = day + 1;
    }
  }
  return best;
}

/**
 * The earliest instant after t at which no window is open (t itself when none is), or undefined if
 * the windows stay open until `untilMs`. Windows that abut ("22:00-24:00" then "00:00-06:00") are
 * one stretch. A window closes when the clock reaches its end or when a DST change makes the clock
 * jump out of it, so only those instants are candidates, as in nextOpen.
 */
export function nextClose(
  windows: readonly Window[],
  tMs: number,
  tz: string,
  untilMs: number,
): number | undefined {
  if (!anyOpen(windows, tMs, tz)) {
    return tMs;
  }
  const lt = localTime(tMs, tz);
  const firstDay = daysFromCivil(lt.year, lt.month, lt.day);
  const lastDay = firstDay + Math.ceil((untilMs - tMs) / DAY_MS) + 1;
  let best: number | undefined;
  let stopAfter = Infinity;
  const consider = (u: number) => {
    if (u > tMs && u <= untilMs && (best === undefined || u < best) && !anyOpen(windows, u, tz)) {
      best = u;
    }
  };
  for (let day = firstDay - 1; day <= lastDay && day <= stopAfter; day++) {
    for (const w of windows) {
      if (dayMatches(w, day)) {
        // A window crossing midnight closes on the next day; an end of 24:00 is the next midnight.
        const { year, month, day: dom } = civilFromDays(w.end > w.start ? day : day + 1);
        for (const u of wallClockToUtc(year, month, dom, w.end, tz)) {
          consider(u);
        }
      }
    }
    const change = offsetChangeIn(day * DAY_MS, (day + 1) * DAY_MS, tz);
    if (change !== undefined) {
      consider(change);
    }
    if (best !== undefined && stopAfter === Infinity) {
      stopAfter = day + 1;
    }
  }
  return best;
}

/**
 * The stretches of [fromMs, toMs) during which any window is open, clipped to the range, oldest
 * first; at most `limit` of them (a range of a few weeks holds a few hundred shifts or breaks).
 */
export function openIntervals(
  windows: readonly Window[],
  fromMs: number,
  toMs: number,
  tz: string,
  limit = 10_000,
): [number, number][] {
  const out: [number, number][] = [];
  let t = fromMs;
  while (t < toMs && out.length < limit) {
    const start = nextOpen(windows, t, tz, Math.ceil((toMs - t) / DAY_MS) + 1);
    if (start === undefined || start >= toMs) {
      break;
    }
    const end = Math.min(nextClose(windows, start, tz, toMs) ?? toMs, toMs);
    out.push([start, end]);
    t = end;
  }
  return out;
}
