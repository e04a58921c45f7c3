// Which time a report covers, and when a schedule is due. Periods follow the line's wall clock (the
// shift calendar's zone): a day report at 06:00 covers 06:00 yesterday to 06:00 today (one wall-clock
// day, 23 or 25 h across DST); a weekly one the week before its due time; a shift report one
// occurrence of a shift, due when it ends.
import { z } from "zod";
import { civilFromDays, daysFromCivil, localTime, wallClockToUtc, weekdayOfDays } from "../../model/zone.js";
import type { ShiftCalendar } from "../analytics/index.js";
import { ReportErrors } from "./errors.js";

const DAY_MS = 86_400_000;
/** The longest range one report may cover: a week report with room for a month-end one. */
export const MAX_REPORT_RANGE_MS = 31 * DAY_MS;

export const REPORT_FORMATS = ["html", "csv", "pdf"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)");
const name = z.string().trim().min(1).max(64);
const formats = z
  .array(z.enum(REPORT_FORMATS))
  .min(1)
  .max(3)
  .refine((f) => new Set(f).size === f.length, "must not repeat a format");
const shiftName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, "must be a shift name");

/** A schedule as the API takes it: at each end of a shift (or of every shift), daily, or weekly. */
export const scheduleSpecSchema = z.discriminatedUnion("period", [
  z.strictObject({ name, period: z.literal("shift"), shift: shiftName.optional(), formats }),
  z.strictObject({ name, period: z.literal("day"), at: clock, formats }),
  z.strictObject({ name, period: z.literal("week"), weekday: z.enum(WEEKDAYS), at: clock, formats }),
]);
export type ScheduleSpec = z.output<typeof scheduleSpecSchema>;

/** One run of a schedule (or one report asked for): due at `due`, covering [from, to). */
export type ReportSpan = { due: number; from: number; to: number; shift?: string };

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The instant a wall clock in tz shows minute on that day; in a skipped hour, the first instant after it. */
function wallAt(days: number, minute: number, tz: string): number {
  const { year, month, day } = civilFromDays(days);
  for (let m = minute; m < minute + 180; m += 30) {
    const at = wallClockToUtc(year, month, day, m, tz);
    if (at[0] !== undefined) {
      return at[0];
    }
  }
  return days * DAY_MS + minute * 60_000;
}

function localDays(t: number, tz: string): number {
  const l = localTime(t, tz);
  return daysFromCivil(l.year, l.month, l.day);
}

/** The runs of `spec` due in (after, until], oldest first. */
export function dueRuns(
  spec: ScheduleSpec,
  calendar: ShiftCalendar,
  after: number,
  until: number,
): ReportSpan[] {
  if (!(until > after)) {
    return [];
  }
  const tz = calendar.timezone;
  if (spec.period === "shift") {
    if (spec.shift !== undefined && !calendar.shiftNames.includes(spec.shift)) {
      return [];
    }
    // Occurrences are clipped to the range asked for: a week back covers any shift that ends in it.
    return calendar
      .occurrences(after - 8 * DAY_MS, until + 1)
      .filter((o) => (spec.shift === undefined || o.shift === spec.shift) && o.end > after && o.end <= until)
      .map((o) => ({ due: o.end, from: o.start, to: o.end, shift: o.shift }));
  }
  const minute = minuteOf(spec.at);
  const out: ReportSpan[] = [];
  for (let d = localDays(after, tz) - 1; d <= localDays(until, tz) + 1; d++) {
    if (spec.period === "week" && WEEKDAYS[weekdayOfDays(d)] !== spec.weekday) {
      continue;
    }
    const due = wallAt(d, minute, tz);
    if (due > after && due <= until) {
      out.push({ due, from: wallAt(d - (spec.period === "week" ? 7 : 1), minute, tz), to: due });
    }
  }
  return out;
}

/** The next run of `spec` after `now` (within a fortnight), or undefined (a shift that never runs). */
export function nextRun(spec: ScheduleSpec, calendar: ShiftCalendar, now: number): ReportSpan | undefined {
  return dueRuns(spec, calendar, now, now + 15 * DAY_MS)[0];
}

/** What a report asks for: a period, optionally a shift, optionally an explicit range. */
export type PeriodRequest = {
  period: "shift" | "day" | "week";
  shift?: string;
  fromMs?: number;
  toMs?: number;
};

/**
 * The range of a report: from..to when given; otherwise the last complete period before `now` —
 * the last occurrence of the shift (of any shift), yesterday, or last week (Monday to Monday).
 */
export function reportSpan(calendar: ShiftCalendar, r: PeriodRequest, now: number): ReportSpan {
  if (r.shift !== undefined && !calendar.shiftNames.includes(r.shift)) {
    throw ReportErrors.invalid(
      `shift: unknown shift "${r.shift}" (the calendar has ${calendar.shiftNames.map((s) => `"${s}"`).join(", ")})`,
    );
  }
  if (r.fromMs !== undefined || r.toMs !== undefined) {
    const to = r.toMs ?? now;
    const from = r.fromMs ?? to - (r.period === "week" ? 7 * DAY_MS : DAY_MS);
    if (!(to > from)) {
      throw ReportErrors.invalid("to: must be after from");
    }
    if (to - from > MAX_REPORT_RANGE_MS) {
      throw ReportErrors.invalid(`from: the range is longer than ${MAX_REPORT_RANGE_MS / DAY_MS} days`);
    }
    return { due: to, from, to, ...(r.shift === undefined ? {} : { shift: r.shift }) };
  }
  const spec: ScheduleSpec =
    r.period === "shift"
      ? { name: "", period: "shift", formats: ["html"], ...(r.shift === undefined ? {} : { shift: r.shift }) }
      : r.period === "day"
        ? { name: "", period: "day", at: "00:00", formats: ["html"] }
        : { name: "", period: "week", weekday: "Mon", at: "00:00", formats: ["html"] };
  const last = dueRuns(spec, calendar, now - 8 * DAY_MS, now).at(-1);
  if (last === undefined) {
    throw ReportErrors.invalid(
      "shift: no occurrence of the shift ended in the last 8 days; give from and to",
    );
  }
  return last;
}
