// Wall-clock time in an IANA time zone, read from the platform's tz database through Intl, and the
// reverse mapping (a wall-clock time to the 0, 1 or 2 instants that show it around DST changes).
import { CalendarErrors } from "./errors.js";

/** A local calendar date and the minute of that day, as a wall clock in the zone shows it. */
export type LocalTime = { year: number; month: number; day: number; minuteOfDay: number };

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

type Zone = { fmt: Intl.DateTimeFormat; offsets: Map<number, number> };
const zones = new Map<string, Zone>();

function zone(tz: string): Zone {
  let z = zones.get(tz);
  if (z === undefined) {
    let fmt: Intl.DateTimeFormat;
    try {
      fmt = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw CalendarErrors.invalidTimezone(`timezone: unknown IANA time zone "${tz}"`);
    }
    z = { fmt, offsets: new Map() };
    zones.set(tz, z);
  }
  return z;
}

/** Throws LINEOPS_ERR_GATE_TIMEZONE_INVALID unless the platform knows the zone. */
export function assertTimeZone(tz: string): void {
  zone(tz);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: doy - Math.floor((153 * mp + 2) / 5) + 1,
  };
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

/** Where each of formatToParts' numeric fields goes in directOffset's fields array. */
const PART_INDEX: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {
  year: 0,
  month: 1,
  day: 2,
  hour: 3,
  minute: 4,
  second: 5,
};

function directOffset(t: number, fmt: Intl.DateTimeFormat): number {
  const s = Math.floor(t / 1000) * 1000;
  const f = [0, 0, 0, 0, 0, 0];
  for (const p of fmt.formatToParts(s)) {
    const k = PART_INDEX[p.type];
    if (k !== undefined) {
      f[k] = Number(p.value);
    }
  }
  const [year, month, day, hour, minute, second] = f as [number, number, number, number, number, number];
  return daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * 60_000 + second * 1000 - s;
}

/**
 * Local time minus UTC at instant t. Intl is slow (~10 µs a call), so offsets are cached per UTC hour:
 * an hour whose first and last second share an offset is taken to have no transition inside, which
 * holds for every zone in the tz database (transitions are months apart); hours with a change are
 * resolved per call.
 */
export function utcOffsetMs(t: number, tz: string): number {
  const z = zone(tz);
  const bucket = Math.floor(t / HOUR_MS);
  let o = z.offsets.get(bucket);
  if (o === undefined) {
    const a = directOffset(bucket * HOUR_MS, z.fmt);
    const b = directOffset(bucket * HOUR_MS + HOUR_MS - 1000, z.fmt);
    o = a === b ? a : NaN;
    if (z.offsets.size > 20_000) {
      z.offsets.clear();
    }
    z.offsets.set(bucket, o);
  }
  return Number.isNaN(o) ? directOffset(t, z.fmt) : o;
}

export function localTime(t: number, tz: string): LocalTime {
  const wall = t + utcOffsetMs(t, tz);
  const days = Math.floor(wall / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  return { year, month, day, minuteOfDay: Math.floor((wall - days * DAY_MS) / 60_000) };
}

/**
 * The instants at which a wall clock in tz shows the start of the given minute, ascending: none in a
 * skipped (spring-forward) hour, two in a repeated (fall-back) hour, one otherwise.
 */
export function wallClockToUtc(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  tz: string,
): number[] {
  const wall = daysFromCivil(year, month, day) * DAY_MS + minuteOfDay * 60_000;
  const out: number[] = [];
  // Offsets a day either side bracket any transition near this wall time.
  for (const probe of [wall - DAY_MS, wall, wall + DAY_MS]) {
    const u = wall - utcOffsetMs(probe, tz);
    if (!out.includes(u) && u + utcOffsetMs(u, tz) === wall) {
      out.push(u);
    }
  }
  return out.sort((x, y) => x - y);
}

/** The first instant in (from, to] whose UTC offset differs from the offset at `from`, to the second. */
export function offsetChangeIn(from: number, to: number, tz: string): number | undefined {
  const o = utcOffsetMs(from, tz);
  if (utcOffsetMs(to, tz) === o) {
    return undefined;
  }
  let lo = from;
  let hi = to;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo) {
      break;
    }
    if (utcOffsetMs(mid, tz) === o) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return hi;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** RFC 3339 with the zone's offset, e.g. 2026-03-02T05:45:00+01:00: unambiguous in a repeated hour. */
export function formatLocal(t: number, tz: string): string {
  const off = utcOffsetMs(t, tz);
  const wall = t + off;
  const days = Math.floor(wall / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  const ms = wall - days * DAY_MS;
  const sign = off < 0 ? "-" : "+";
  const offMin = Math.round(Math.abs(off) / 60_000);
  return (
    `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}T${pad2(Math.floor(ms / HOUR_MS))}:` +
    `${pad2(Math.floor(ms / 60_000) % 60)}:${pad2(Math.floor(ms / 1000) % 60)}` +
    `${sign}${pad2(Math.floor(offMin / 60))}:${pad2(offMin % 60)}`
  );
}

/**
 * The first instant of a local day (days since 1970-01-01 on the zone's calendar): its midnight, or
 * the first wall time after midnight that occurs when a DST change skips midnight itself.
 */
export function localDayStart(days: number, tz: string): number {
  const { year, month, day } = civilFromDays(days);
  for (let minute = 0; minute < 24 * 60; minute += 30) {
    const at = wallClockToUtc(year, month, day, minute, tz)[0];
    if (at !== undefined) {
      return at;
    }
  }
  return days * DAY_MS;
}

/**
 * The instant a wall clock in tz first shows `minuteOfDay` on the given day; when the clock skips it
 * (spring forward), the instant the clock jumps past it, as a clock on the wall would have it.
 */
export function firstInstantAtOrAfter(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  tz: string,
): number {
  for (let m = minuteOfDay; m < minuteOfDay + 24 * 60; m++) {
    const at = wallClockToUtc(year, month, day, m, tz)[0];
    if (at !== undefined) {
      return at;
    }
  }
  return daysFromCivil(year, month, day) * DAY_MS + minuteOfDay * 60_000;
}
