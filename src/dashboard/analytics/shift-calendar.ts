// The line's shift calendar (lineops.yaml `shifts`) as time: which shift is planned to produce at
// an instant, each shift's occurrences over a range and its planned production time (the shift
// minus its breaks). The one calendar implementation of model/calendar.ts does the wall-clock work.
import type { ShiftsConfig } from "../../config/shifts-schema.js";
import { anyOpen, openIntervals, parseWindows, type Window } from "../../model/calendar.js";
import { subtractIntervals, totalMs, unionIntervals, type Interval } from "../../model/intervals.js";
import { daysFromCivil, localDayStart, localTime } from "../../model/zone.js";

// The interval algebra lives with the calendar (model/intervals.ts); re-exported for OEE's callers.
export { subtractIntervals, unionIntervals, type Interval };

/** One shift as it happened: from its start to its end (breaks included) and its planned time. */
export type ShiftOccurrence = { shift: string; start: number; end: number; plannedMs: number };

type Shift = { name: string; windows: Window[]; breaks: Window[] };

const DAY_MS = 86_400_000;
/** Occurrences a single query may enumerate: three shifts a day for more than a year. */
const MAX_INTERVALS = 2_000;

export class ShiftCalendar {
  readonly timezone: string;
  /** The line's target of good units per planned hour (lineops.yaml shifts.targetUnitsPerHour). */
  readonly targetUnitsPerHour: number | undefined;
  private readonly shifts: Shift[];

  /** The config is checked by its schema (shifts-schema.ts); windows parse here without error. */
  constructor(config: ShiftsConfig) {
    this.timezone = config.timezone;
    this.targetUnitsPerHour = config.targetUnitsPerHour;
    this.shifts = config.calendar.map((s) => ({
      name: s.name,
      windows: parseWindows(s.windows),
      breaks: parseWindows(s.breaks),
    }));
  }

  get shiftNames(): string[] {
    return this.shifts.map((s) => s.name);
  }

  /** Per shift: whether it is in planned production time at t (running, and not on a break). */
  plannedAt(tMs: number): { shift: string; planned: boolean }[] {
    return this.shifts.map((s) => ({
      shift: s.name,
      planned: anyOpen(s.windows, tMs, this.timezone) && !anyOpen(s.breaks, tMs, this.timezone),
    }));
  }

  /** Each shift's occurrences that overlap [from, to), clipped to it, in start order. */
  occurrences(fromMs: number, toMs: number): ShiftOccurrence[] {
    const out: ShiftOccurrence[] = [];
    for (const s of this.shifts) {
      const runs = openIntervals(s.windows, fromMs, toMs, this.timezone, MAX_INTERVALS);
      const breaks = openIntervals(s.breaks, fromMs, toMs, this.timezone, MAX_INTERVALS);
      // A shift around the clock is one stretch of open windows: an occurrence per day of it instead.
      for (const run of runs.flatMap((r) => (r[1] - r[0] > DAY_MS ? this.days(r[0], r[1]) : [r]))) {
        out.push({
          shift: s.name,
          start: run[0],
          end: run[1],
          plannedMs: totalMs(subtractIntervals([run], breaks)),
        });
      }
    }
    return out.sort((x, y) => x.start - y.start || x.shift.localeCompare(y.shift));
  }

  /** The line's planned production time in [from, to): any shift planned (overlaps count once). */
  plannedIntervals(fromMs: number, toMs: number): Interval[] {
    return unionIntervals(
      this.shifts.map((s) =>
        subtractIntervals(
          openIntervals(s.windows, fromMs, toMs, this.timezone, MAX_INTERVALS),
          openIntervals(s.breaks, fromMs, toMs, this.timezone, MAX_INTERVALS),
        ),
      ),
    );
  }

  plannedMs(fromMs: number, toMs: number): number {
    return totalMs(this.plannedIntervals(fromMs, toMs));
  }

  /** The calendar days (local midnight to midnight, 23 or 25 h across DST) overlapping [from, to), clipped. */
  days(fromMs: number, toMs: number): Interval[] {
    const out: Interval[] = [];
    const first = localTime(fromMs, this.timezone);
    let day = daysFromCivil(first.year, first.month, first.day);
    let start = fromMs;
    while (start < toMs && out.length < MAX_INTERVALS) {
      day++;
      const next = localDayStart(day, this.timezone);
      const end = Math.min(next, toMs);
      if (end > start) {
        out.push([start, end]);
      }
      start = end;
    }
    return out;
  }
}
