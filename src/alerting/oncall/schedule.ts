// On-call schedules as pure functions of time, with the semantics of PagerDuty's and Grafana
// OnCall's schedules: a schedule is an ordered list of layers, each rotating its participants
// through turns of a fixed length that hand off at a wall-clock time in the schedule's zone; a
// layer's restrictions (calendar windows, e.g. "Mon..Fri 22:00-06:00") limit when it is on duty;
// a later layer takes precedence over an earlier one wherever it is on duty, an earlier one shows
// through its gaps; overrides (a person for a time range) lie on top of every layer. The final
// schedule is what that composition leaves: at most one person at any instant.
//
// Turns keep rotating through a restriction's gaps (PagerDuty's rule): a restriction only hides a
// turn's hours, it never moves the turn to the next person. Handoffs are wall-clock times, so a
// daily rotation is 23 or 25 hours long across a DST change; a handoff in a skipped hour happens
// when the clock jumps past it, in a repeated hour the first time the clock shows it.
import { openIntervals, parseWindows, type Window } from "../../model/calendar.js";
import {
  intersectIntervals,
  subtractIntervals,
  unionIntervals,
  type Interval,
} from "../../model/intervals.js";
import {
  assertTimeZone,
  civilFromDays,
  daysFromCivil,
  firstInstantAtOrAfter,
  localTime,
} from "../../model/zone.js";
import { OnCallErrors } from "./errors.js";

export type RotationSpec =
  | { type: "daily" }
  | { type: "weekly" }
  | { type: "custom"; every: number; unit: "hours" | "days" | "weeks" };

export type LayerSpec = {
  name: string;
  rotation: RotationSpec;
  /** The local date of the first handoff (YYYY-MM-DD), PagerDuty's rotation virtual start. */
  rotationStart: string;
  /** The wall-clock time of every handoff, HH:MM in the schedule's zone. */
  handoff: string;
  /** Who takes the turns, in order (opaque keys: the store uses user ids). */
  participants: readonly string[];
  /** Calendar windows the layer is on duty in; none: always. */
  restrictions?: readonly string[];
  /** The layer is in effect from (default: its first handoff) and until (default: forever), epoch ms. */
  start?: number;
  end?: number;
};

/** A person on call for a time range, on top of every layer. */
export type OverrideSpec = { id: string; user: string; start: number; end: number };

export type ScheduleSpec = {
  /** IANA zone of the handoffs and restrictions. */
  timezone: string;
  /** Lowest precedence first: a later layer wins where it is on duty. */
  layers: readonly LayerSpec[];
  overrides?: readonly OverrideSpec[];
};

export type ShiftSource = { kind: "layer"; layer: string } | { kind: "override"; override: string };

/** One stretch of the final schedule: `user` is on call in [start, end). */
export type Shift = { start: number; end: number; user: string; source: ShiftSource };

type CompiledLayer = {
  name: string;
  participants: readonly string[];
  restrictions: readonly Window[];
  /** Days from 1970-01-01 of the first handoff, and the handoff's minute of the day. */
  firstDay: number;
  handoffMinute: number;
  /** Day-based turns (daily, weekly, N days/weeks) or fixed-length ones (N hours). */
  stepDays: number | undefined;
  stepMs: number | undefined;
  /** The instant of the first handoff. */
  origin: number;
  start: number;
  end: number;
};

/** A schedule that passed compileSchedule: renderSchedule and whoIsOnCall take only these. */
export type CompiledSchedule = {
  readonly timezone: string;
  readonly layers: readonly CompiledLayer[];
  readonly overrides: readonly OverrideSpec[];
};

export const MAX_LAYERS = 20;
export const MAX_PARTICIPANTS = 200;
export const MAX_RESTRICTIONS = 20;
export const MAX_OVERRIDES = 1_000;
/** The longest range one rendering covers, and the most shifts it returns. */
export const MAX_RENDER_DAYS = 400;
export const MAX_SHIFTS = 20_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_EVERY = { hours: 24 * 366, days: 366, weeks: 53 } as const;
/** How far ahead a layer's restriction windows are checked for overlaps. */
const OVERLAP_CHECK_DAYS = 366;

const invalid = (field: string, message: string) => OnCallErrors.invalidSchedule(`${field}: ${message}`);

function parseDate(text: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const days = daysFromCivil(y, mo, d);
  const back = civilFromDays(days);
  if (!m || y < 1970 || back.year !== y || back.month !== mo || back.day !== d) {
    throw invalid(field, `invalid date ${JSON.stringify(text)}, expected YYYY-MM-DD`);
  }
  return days;
}

function parseHandoff(text: string, field: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) {
    throw invalid(field, `invalid time ${JSON.stringify(text)}, expected HH:MM (00:00..23:59)`);
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

function rotationStep(r: RotationSpec, field: string): { stepDays?: number; stepMs?: number } {
  switch (r.type) {
    case "daily":
      return { stepDays: 1 };
    case "weekly":
      return { stepDays: 7 };
    case "custom": {
      const max = MAX_EVERY[r.unit];
      if (max === undefined) {
        throw invalid(`${field}.unit`, `unknown unit ${JSON.stringify(r.unit)} (hours, days or weeks)`);
      }
      if (!Number.isInteger(r.every) || r.every < 1) {
        throw invalid(
          `${field}.every`,
          `a rotation needs a turn of at least 1 ${r.unit.slice(0, -1)}, got ${r.every}`,
        );
      }
      if (r.every > max) {
        throw invalid(`${field}.every`, `at most ${max} ${r.unit}, got ${r.every}`);
      }
      return r.unit === "hours"
        ? { stepMs: r.every * HOUR_MS }
        : { stepDays: r.unit === "days" ? r.every : r.every * 7 };
    }
    default:
      throw invalid(`${field}.type`, `unknown rotation type (daily, weekly or custom)`);
  }
}

/** Two windows of one layer that are open at the same time are a mistake: their union is not meant. */
function checkRestrictionOverlap(windows: readonly Window[], from: number, tz: string, field: string): void {
  const to = from + OVERLAP_CHECK_DAYS * DAY_MS;
  const runs = windows
    .flatMap((w, i) =>
      openIntervals([w], from, to, tz, 2 * OVERLAP_CHECK_DAYS).map(([s, e]) => ({ s, e, i })),
    )
    .sort((a, b) => a.s - b.s);
  let reach = -Infinity;
  let owner = -1;
  for (const r of runs) {
    if (r.s < reach && r.i !== owner) {
      const [a, b] = [Math.min(owner, r.i), Math.max(owner, r.i)];
      throw invalid(
        `${field}[${b}]`,
        `overlaps ${field}[${a}] at ${new Date(r.s).toISOString()}: a layer's restriction windows must not overlap`,
      );
    }
    if (r.e > reach) {
      reach = r.e;
      owner = r.i;
    }
  }
}

function compileLayer(
  l: LayerSpec,
  i: number,
  tz: string,
  isKnownUser: (u: string) => boolean,
): CompiledLayer {
  const f = `layers[${i}]`;
  if (typeof l.name !== "string" || l.name.trim() === "") {
    throw invalid(`${f}.name`, "a layer needs a name");
  }
  if (l.participants.length === 0) {
    throw invalid(`${f}.participants`, `empty layer "${l.name}": it needs at least one participant`);
  }
  if (l.participants.length > MAX_PARTICIPANTS) {
    throw invalid(`${f}.participants`, `at most ${MAX_PARTICIPANTS} participants`);
  }
  l.participants.forEach((u, j) => {
    if (!isKnownUser(u)) {
      throw invalid(`${f}.participants[${j}]`, `unknown user ${JSON.stringify(u)}`);
    }
  });
  const step = rotationStep(l.rotation, `${f}.rotation`);
  const firstDay = parseDate(l.rotationStart, `${f}.rotationStart`);
  const handoffMinute = parseHandoff(l.handoff, `${f}.handoff`);
  const first = civilFromDays(firstDay);
  const origin = firstInstantAtOrAfter(first.year, first.month, first.day, handoffMinute, tz);
  const texts = l.restrictions ?? [];
  if (texts.length > MAX_RESTRICTIONS) {
    throw invalid(`${f}.restrictions`, `at most ${MAX_RESTRICTIONS} windows`);
  }
  let restrictions: Window[];
  try {
    restrictions = parseWindows(texts, `${f}.restrictions`);
  } catch (e) {
    throw OnCallErrors.invalidSchedule((e as Error).message, { cause: e });
  }
  const start = l.start ?? origin;
  const end = l.end ?? Infinity;
  if (!Number.isFinite(start) || Number.isNaN(end)) {
    throw invalid(`${f}.start`, "not a time");
  }
  if (end <= start) {
    throw invalid(`${f}.end`, `empty layer "${l.name}": it ends at or before it starts`);
  }
  if (restrictions.length > 1) {
    checkRestrictionOverlap(restrictions, start, tz, `${f}.restrictions`);
  }
  return {
    name: l.name,
    participants: [...l.participants],
    restrictions,
    firstDay,
    handoffMinute,
    stepDays: step.stepDays,
    stepMs: step.stepMs,
    origin,
    start,
    end,
  };
}

/** Checks overrides against each other and the users; sorted by start. */
export function compileOverrides(
  overrides: readonly OverrideSpec[],
  isKnownUser: (u: string) => boolean,
): OverrideSpec[] {
  if (overrides.length > MAX_OVERRIDES) {
    throw OnCallErrors.invalidOverride(`overrides: at most ${MAX_OVERRIDES}; remove past ones first`);
  }
  overrides.forEach((o, i) => {
    if (!isKnownUser(o.user)) {
      throw OnCallErrors.invalidOverride(`overrides[${i}].user: unknown user ${JSON.stringify(o.user)}`);
    }
    if (!Number.isFinite(o.start) || !Number.isFinite(o.end) || o.end <= o.start) {
      throw OnCallErrors.invalidOverride(`overrides[${i}].end: an override must end after it starts`);
    }
  });
  const sorted = [...overrides].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1] as OverrideSpec, sorted[i] as OverrideSpec];
    if (b.start < a.end) {
      throw OnCallErrors.invalidOverride(
        `override ${b.id} (${new Date(b.start).toISOString()}..${new Date(b.end).toISOString()}) overlaps ` +
          `override ${a.id} (${new Date(a.start).toISOString()}..${new Date(a.end).toISOString()}): ` +
          "who would be on call? Shorten or remove one first",
      );
    }
  }
  return sorted;
}

/**
 * Validates a schedule and prepares it for rendering. Throws LINEOPS_ERR_ONCALL_SCHEDULE_INVALID
 * (or _OVERRIDE_INVALID) naming the field at fault: an unknown zone, no layers, an empty layer (no
 * participants, or an end before its start), duplicate layer names, an unknown user, a rotation of
 * zero length, a restriction that does not parse or overlaps another of its layer, overlapping overrides.
 */
export function compileSchedule(spec: ScheduleSpec, isKnownUser: (u: string) => boolean): CompiledSchedule {
  try {
    assertTimeZone(spec.timezone);
  } catch {
    throw invalid("timezone", `unknown IANA time zone ${JSON.stringify(spec.timezone)} (e.g. Europe/Berlin)`);
  }
  if (spec.layers.length === 0) {
    throw invalid("layers", "a schedule needs at least one layer");
  }
  if (spec.layers.length > MAX_LAYERS) {
    throw invalid("layers", `at most ${MAX_LAYERS} layers`);
  }
  const seen = new Map<string, number>();
  spec.layers.forEach((l, i) => {
    const before = seen.get(l.name);
    if (before !== undefined) {
      throw invalid(`layers[${i}].name`, `duplicate layer "${l.name}" (also layers[${before}])`);
    }
    seen.set(l.name, i);
  });
  const layers = spec.layers.map((l, i) => compileLayer(l, i, spec.timezone, isKnownUser));
  return { timezone: spec.timezone, layers, overrides: compileOverrides(spec.overrides ?? [], isKnownUser) };
}

function turnStart(l: CompiledLayer, k: number, tz: string): number {
  if (l.stepMs !== undefined) {
    return l.origin + k * l.stepMs;
  }
  const { year, month, day } = civilFromDays(l.firstDay + k * (l.stepDays as number));
  return firstInstantAtOrAfter(year, month, day, l.handoffMinute, tz);
}

/** The turn in progress at t (negative before the first handoff: rotations run backwards too). */
function turnAt(l: CompiledLayer, t: number, tz: string): number {
  if (l.stepMs !== undefined) {
    return Math.floor((t - l.origin) / l.stepMs);
  }
  const lt = localTime(t, tz);
  let k = Math.floor((daysFromCivil(lt.year, lt.month, lt.day) - l.firstDay) / (l.stepDays as number));
  while (turnStart(l, k, tz) > t) {
    k--;
  }
  while (turnStart(l, k + 1, tz) <= t) {
    k++;
  }
  return k;
}

const participantOf = (l: CompiledLayer, k: number) =>
  l.participants[((k % l.participants.length) + l.participants.length) % l.participants.length] as string;

/** A layer's own shifts in [from, to): its turns, cut to its effective range and its restrictions. */
export function layerShifts(s: CompiledSchedule, layerIndex: number, from: number, to: number): Shift[] {
  const l = s.layers[layerIndex];
  if (l === undefined) {
    return [];
  }
  const lo = Math.max(from, l.start);
  const hi = Math.min(to, l.end);
  if (hi <= lo) {
    return [];
  }
  const duty: Interval[] | undefined =
    l.restrictions.length === 0 ? undefined : openIntervals(l.restrictions, lo, hi, s.timezone, MAX_SHIFTS);
  const out: Shift[] = [];
  const source: ShiftSource = { kind: "layer", layer: l.name };
  for (let k = turnAt(l, lo, s.timezone); out.length <= MAX_SHIFTS; k++) {
    const ts = turnStart(l, k, s.timezone);
    if (ts >= hi) {
      break;
    }
    const turn: Interval = [Math.max(ts, lo), Math.min(turnStart(l, k + 1, s.timezone), hi)];
    const user = participantOf(l, k);
    for (const [start, end] of duty === undefined ? [turn] : intersectIntervals([turn], duty)) {
      out.push({ start, end, user, source });
    }
  }
  return out;
}

function checkRange(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw OnCallErrors.invalidRange("to: the range must end after it starts");
  }
  if (to - from > MAX_RENDER_DAYS * DAY_MS) {
    throw OnCallErrors.invalidRange(`to: a range covers at most ${MAX_RENDER_DAYS} days`);
  }
}

/**
 * The final schedule over [from, to): who is on call when, clipped to the range, in time order;
 * consecutive stretches of one person from one source are one shift. Gaps are instants nobody is on
 * call. Throws LINEOPS_ERR_ONCALL_RANGE_INVALID for an empty range, one over 400 days or one with
 * more than 20 000 shifts.
 */
export function renderSchedule(s: CompiledSchedule, from: number, to: number): Shift[] {
  checkRange(from, to);
  // Highest precedence first: overrides, then the layers from the last to the first.
  const bands: Shift[][] = [
    s.overrides
      .filter((o) => o.end > from && o.start < to)
      .map((o) => ({
        start: Math.max(o.start, from),
        end: Math.min(o.end, to),
        user: o.user,
        source: { kind: "override", override: o.id },
      })),
  ];
  for (let i = s.layers.length - 1; i >= 0; i--) {
    bands.push(layerShifts(s, i, from, to));
  }
  let covered: Interval[] = [];
  const out: Shift[] = [];
  for (const band of bands) {
    for (const shift of band) {
      for (const [start, end] of subtractIntervals([[shift.start, shift.end]], covered)) {
        out.push({ ...shift, start, end });
      }
    }
    covered = unionIntervals([covered, band.map((x): Interval => [x.start, x.end])]);
    if (out.length > MAX_SHIFTS) {
      throw OnCallErrors.invalidRange(`more than ${MAX_SHIFTS} shifts in the range: ask for a shorter one`);
    }
  }
  out.sort((a, b) => a.start - b.start);
  const merged: Shift[] = [];
  for (const x of out) {
    const last = merged[merged.length - 1];
    if (last && last.end === x.start && last.user === x.user && sameSource(last.source, x.source)) {
      last.end = x.end;
    } else {
      merged.push({ ...x });
    }
  }
  return merged;
}

const sameSource = (a: ShiftSource, b: ShiftSource) =>
  a.kind === "layer"
    ? b.kind === "layer" && a.layer === b.layer
    : b.kind === "override" && a.override === b.override;

/** How far either side of an instant whoIsOnCall looks for the start and end of the shift. */
export const ON_CALL_LOOKAROUND_MS = 8 * DAY_MS;

/**
 * Who is on call at `at` by the final schedule, with their shift, or undefined when nobody is. The
 * shift's start and end are looked up at most 8 days either side (a longer shift shows that horizon).
 */
export function whoIsOnCall(s: CompiledSchedule, at: number): Shift | undefined {
  const shifts = renderSchedule(s, at - ON_CALL_LOOKAROUND_MS, at + ON_CALL_LOOKAROUND_MS);
  return shifts.find((x) => x.start <= at && at < x.end);
}
