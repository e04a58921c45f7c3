// Grafana's time range syntax, as dashboards store it and URLs carry it: "now", "now-6h",
// "now-1d/d" (rounded to the start of the day; to the end of it for the range's end), epoch
// milliseconds, or an RFC 3339 / ISO date. Rounding uses the browser's time zone, as Grafana does.

export type TimeRangeText = { from: string; to: string };
/** Epoch milliseconds, start before end. */
export type ResolvedRange = { startMs: number; endMs: number };

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const RELATIVE = /^now(?:([+-])(\d+)([smhdwMy]))?(?:\/([smhdwMy]))?$/;

/** Epoch ms of `text` at `nowMs`; `end` rounds "/unit" to the unit's end. Undefined: not a time. */
export function resolveTime(text: string, nowMs: number, end = false): number | undefined {
  const s = text.trim();
  const rel = RELATIVE.exec(s);
  if (rel) {
    let d = new Date(nowMs);
    const [, sign, amount, unit, round] = rel;
    if (sign !== undefined && amount !== undefined && unit !== undefined) {
      d = shift(d, (sign === "-" ? -1 : 1) * Number(amount), unit);
    }
    if (round !== undefined) {
      d = roundTo(d, round, end);
    }
    return d.getTime();
  }
  if (/^\d{10,15}$/.test(s)) {
    return Number(s);
  }
  // Dates only from an ISO-like string: Date.parse accepts much that is not a time people meant.
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
    const t = Date.parse(s);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

function shift(d: Date, n: number, unit: string): Date {
  const out = new Date(d.getTime());
  if (unit === "M") {
    out.setMonth(out.getMonth() + n);
  } else if (unit === "y") {
    out.setFullYear(out.getFullYear() + n);
  } else {
    out.setTime(out.getTime() + n * (UNIT_MS[unit] ?? 0));
  }
  return out;
}

function roundTo(d: Date, unit: string, end: boolean): Date {
  const o = new Date(d.getTime());
  switch (unit) {
    case "y":
      o.setMonth(0, 1);
      o.setHours(0, 0, 0, 0);
      break;
    case "M":
      o.setDate(1);
      o.setHours(0, 0, 0, 0);
      break;
    case "w":
      o.setDate(o.getDate() - o.getDay()); // weeks start on Sunday, as in Grafana's default locale
      o.setHours(0, 0, 0, 0);
      break;
    case "d":
      o.setHours(0, 0, 0, 0);
      break;
    case "h":
      o.setMinutes(0, 0, 0);
      break;
    case "m":
      o.setSeconds(0, 0);
      break;
    case "s":
      o.setMilliseconds(0);
      break;
  }
  if (end) {
    // The last millisecond of the unit: "now/d" as an end is the end of today.
    const next =
      unit === "y" || unit === "M" ? shift(o, 1, unit) : new Date(o.getTime() + (UNIT_MS[unit] ?? 0));
    return new Date(next.getTime() - 1);
  }
  return o;
}

/** Both ends resolved, or an error naming the one at fault. */
export function resolveRange(r: TimeRangeText, nowMs: number): ResolvedRange | { error: string } {
  const startMs = resolveTime(r.from, nowMs);
  const endMs = resolveTime(r.to, nowMs, true);
  if (startMs === undefined) {
    return { error: `from ${JSON.stringify(r.from)} is not a time (now-6h, 2026-01-31T08:00:00Z, epoch ms)` };
  }
  if (endMs === undefined) {
    return { error: `to ${JSON.stringify(r.to)} is not a time (now, 2026-01-31T16:00:00Z, epoch ms)` };
  }
  if (startMs >= endMs) {
    return { error: `from (${r.from}) is not before to (${r.to})` };
  }
  return { startMs, endMs };
}

/** A range that moves with the clock: auto-refresh re-reads only these. */
export function isRelative(r: TimeRangeText): boolean {
  return r.to.trim().startsWith("now");
}

/**
 * "The last N up to now" (now-6h to now, no rounding): a window that slides with the clock, so its
 * panels are live subscriptions. A rounded or earlier end ("now-1d/d", "now-1h") is not.
 */
export function isLive(r: TimeRangeText): boolean {
  return r.to.trim() === "now" && /^now-\d+[smhdwMy]$/.test(r.from.trim());
}

export const RELATIVE_PRESETS: readonly { from: string; label: string }[] = [
  { from: "now-5m", label: "Last 5 minutes" },
  { from: "now-15m", label: "Last 15 minutes" },
  { from: "now-30m", label: "Last 30 minutes" },
  { from: "now-1h", label: "Last 1 hour" },
  { from: "now-3h", label: "Last 3 hours" },
  { from: "now-6h", label: "Last 6 hours" },
  { from: "now-12h", label: "Last 12 hours" },
  { from: "now-24h", label: "Last 24 hours" },
  { from: "now-2d", label: "Last 2 days" },
  { from: "now-7d", label: "Last 7 days" },
  { from: "now-30d", label: "Last 30 days" },
  { from: "now/d", label: "Today so far" },
];

/** The label of a range for the picker: a preset's name or the two ends as written. */
export function describeRange(r: TimeRangeText): string {
  const preset = RELATIVE_PRESETS.find((p) => p.from === r.from.trim());
  if (preset && r.to.trim() === "now") {
    return preset.label;
  }
  return `${r.from} to ${r.to}`;
}
