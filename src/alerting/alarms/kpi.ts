// The alarm system performance report EEMUA 191 and ISA-18.2 measure operators by: alarm rates per
// position (per 10 minutes, hour, day, and the busiest 10 minutes), the share of time in flood, the
// most frequent alarms, the priority distribution against ~80/15/5, chattering and standing alarms,
// MTTA and MTTR. Computed from stored history only; what cannot be known is reported as such.
import type { AlarmPriorityName, AlarmRepository } from "../../store/alarms.js";
import type { AlarmConfig } from "./config.js";
import type { AcknowledgementSource } from "./ports.js";

const TEN_MIN = 600_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** EEMUA 191's target distribution of annunciated alarms by priority (high includes critical). */
export const PRIORITY_TARGET = { low: 80, medium: 15, high: 5 } as const;
/** EEMUA 191: about one alarm per 10 minutes per operator is very likely acceptable. */
export const ACCEPTABLE_PER_10_MIN = 1;
/** The most activations one report reads; past it the report says it is truncated. */
const MAX_ROWS = 1_000_000;

export type PositionKpi = {
  position: string;
  alarms: number;
  per10Min: number;
  perHour: number;
  perDay: number;
  /** The most alarms in one 10-minute slice of the period. */
  peak10Min: number;
  /** Share of the period (0-100) the position spent in flood. */
  floodPercent: number;
  floods: number;
};

/** A mean over n activations, or null with the reason it cannot be given. */
export type MeanTime = { seconds: number | null; n: number; note?: string };

export type AlarmKpiReport = {
  from: number;
  to: number;
  position?: string;
  truncated: boolean;
  alarms: number;
  /** Activations that were shelved or suppressed by design when they came (not shown to operators). */
  notAnnunciated: number;
  positions: PositionKpi[];
  /** Share of the period (0-100) that at least one (selected) position was in flood. */
  floodPercent: number;
  badActors: {
    fingerprint: string;
    alertname: string;
    position: string;
    labels: Record<string, string>;
    count: number;
  }[];
  priorities: {
    counts: Record<AlarmPriorityName, number>;
    /** Percent of annunciated alarms: low, medium, high (critical counted with high, as the target has three). */
    percent: { low: number; medium: number; high: number };
    target: typeof PRIORITY_TARGET;
  };
  /** Distinct alarms that chattered (>= N activations in the window) in the period. */
  chattering: number;
  /** Activations that stood active longer than the stale limit in the period. */
  stale: number;
  mtta: MeanTime;
  mttr: MeanTime;
  targets: { acceptablePer10Min: number; floodAlarms: number; floodWindowMs: number; staleMs: number };
};

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Length of the union of intervals, clipped to [from, to). */
function unionLength(intervals: [number, number][], from: number, to: number): number {
  const clipped = intervals
    .map(([s, e]): [number, number] => [Math.max(s, from), Math.min(e, to)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [s, e] of clipped) {
    if (cur === undefined || s > cur[1]) {
      total += cur === undefined ? 0 : cur[1] - cur[0];
      cur = [s, e];
    } else {
      cur[1] = Math.max(cur[1], e);
    }
  }
  total += cur === undefined ? 0 : cur[1] - cur[0];
  return total;
}

export function alarmKpi(
  repo: AlarmRepository,
  config: AlarmConfig,
  q: { from: number; to: number; now: number; position?: string },
  acks: AcknowledgementSource | undefined,
): AlarmKpiReport {
  const { from, to, now } = q;
  const span = to - from;
  type Acc = { alarms: number; slices: Map<number, number> };
  const perPosition = new Map<string, Acc>();
  const actors = new Map<string, AlarmKpiReport["badActors"][number]>();
  const counts: Record<AlarmPriorityName, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  const chattering = new Set<string>();
  let alarms = 0;
  let notAnnunciated = 0;
  let stale = 0;
  let rows = 0;
  let truncated = false;
  let ackSum = 0;
  let ackN = 0;
  let repairSum = 0;
  let repairN = 0;
  for (const a of repo.overlapping(from, to)) {
    if (++rows > MAX_ROWS) {
      truncated = true;
      break;
    }
    if (q.position !== undefined && a.position !== q.position) {
      continue;
    }
    const end = a.returnedAt ?? now;
    if (Math.min(end, to) - a.activatedAt > config.staleMs) {
      stale++;
    }
    if (a.activatedAt < from) {
      continue; // active in the period but activated before it: counts as standing only
    }
    if (a.chattering) {
      chattering.add(a.fingerprint);
    }
    if (!a.annunciated) {
      notAnnunciated++;
      continue;
    }
    alarms++;
    counts[a.priority]++;
    const acc = perPosition.get(a.position) ?? { alarms: 0, slices: new Map<number, number>() };
    acc.alarms++;
    const slice = Math.floor((a.activatedAt - from) / TEN_MIN);
    acc.slices.set(slice, (acc.slices.get(slice) ?? 0) + 1);
    perPosition.set(a.position, acc);
    const actor = actors.get(a.fingerprint) ?? {
      fingerprint: a.fingerprint,
      alertname: a.alertname,
      position: a.position,
      labels: a.labels,
      count: 0,
    };
    actor.count++;
    actors.set(a.fingerprint, actor);
    if (a.returnedAt !== undefined) {
      repairSum += a.returnedAt - a.activatedAt;
      repairN++;
    }
    const ackAt = acks?.acknowledgedAt(a.fingerprint, a.activatedAt);
    if (ackAt !== undefined && ackAt >= a.activatedAt) {
      ackSum += ackAt - a.activatedAt;
      ackN++;
    }
  }

  const floods = repo.floods(from, to).filter((f) => q.position === undefined || f.position === q.position);
  const floodIntervals = (position?: string): [number, number][] =>
    floods
      .filter((f) => position === undefined || f.position === position)
      .map((f): [number, number] => [f.startedAt, f.endedAt ?? now]);
  const positionNames = new Set([...perPosition.keys(), ...floods.map((f) => f.position)]);
  const positions: PositionKpi[] = [...positionNames].sort().map((position) => {
    const acc = perPosition.get(position) ?? { alarms: 0, slices: new Map<number, number>() };
    return {
      position,
      alarms: acc.alarms,
      per10Min: round((acc.alarms * TEN_MIN) / span),
      perHour: round((acc.alarms * HOUR) / span),
      perDay: round((acc.alarms * DAY) / span),
      peak10Min: Math.max(0, ...acc.slices.values()),
      floodPercent: round((100 * unionLength(floodIntervals(position), from, to)) / span, 2),
      floods: floods.filter((f) => f.position === position).length,
    };
  });
  const high = counts.high + counts.critical;
  const pct = (n: number) => (alarms === 0 ? 0 : round((100 * n) / alarms, 1));
  return {
    from,
    to,
    ...(q.position !== undefined ? { position: q.position } : {}),
    truncated,
    alarms,
    notAnnunciated,
    positions,
    floodPercent: round((100 * unionLength(floodIntervals(), from, to)) / span, 2),
    badActors: [...actors.values()]
      .sort((a, b) => b.count - a.count || (a.fingerprint < b.fingerprint ? -1 : 1))
      .slice(0, 10),
    priorities: {
      counts,
      percent: { low: pct(counts.low), medium: pct(counts.medium), high: pct(high) },
      target: PRIORITY_TARGET,
    },
    chattering: chattering.size,
    stale,
    mtta:
      acks === undefined
        ? { seconds: null, n: 0, note: "n/a: no acknowledgement source is connected (incidents provide it)" }
        : ackN === 0
          ? { seconds: null, n: 0, note: "n/a: no alarm of the period was acknowledged" }
          : { seconds: round(ackSum / ackN / 1000), n: ackN },
    mttr:
      repairN === 0
        ? { seconds: null, n: 0, note: "n/a: no alarm of the period returned to normal" }
        : { seconds: round(repairSum / repairN / 1000), n: repairN },
    targets: {
      acceptablePer10Min: ACCEPTABLE_PER_10_MIN,
      floodAlarms: config.flood.alarms,
      floodWindowMs: config.flood.windowMs,
      staleMs: config.staleMs,
    },
  };
}

/** One RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
function field(v: string | number | null): string {
  const s = v === null ? "n/a" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The report as one RFC 4180 table (CRLF line ends, header row): section, position, name, value,
 * target — long form, so every figure is one row a spreadsheet can filter.
 */
export function alarmKpiCsv(r: AlarmKpiReport): string {
  const rows: (string | number | null)[][] = [["section", "position", "name", "value", "target"]];
  rows.push(["period", "", "from", iso(r.from), ""], ["period", "", "to", iso(r.to), ""]);
  rows.push(["total", "", "alarms", r.alarms, ""], ["total", "", "not_annunciated", r.notAnnunciated, ""]);
  rows.push(["total", "", "flood_percent", r.floodPercent, 0]);
  for (const p of r.positions) {
    rows.push(
      ["position", p.position, "alarms", p.alarms, ""],
      ["position", p.position, "per_10min", p.per10Min, r.targets.acceptablePer10Min],
      ["position", p.position, "per_hour", p.perHour, r.targets.acceptablePer10Min * 6],
      ["position", p.position, "per_day", p.perDay, r.targets.acceptablePer10Min * 144],
      ["position", p.position, "peak_10min", p.peak10Min, r.targets.floodAlarms],
      ["position", p.position, "flood_percent", p.floodPercent, 0],
      ["position", p.position, "floods", p.floods, 0],
    );
  }
  for (const a of r.badActors) {
    rows.push(["bad_actor", a.position, `${a.alertname} ${a.fingerprint}`, a.count, ""]);
  }
  for (const k of ["low", "medium", "high"] as const) {
    rows.push(["priority", "", `${k}_percent`, r.priorities.percent[k], r.priorities.target[k]]);
  }
  for (const k of ["low", "medium", "high", "critical"] as const) {
    rows.push(["priority", "", `${k}_count`, r.priorities.counts[k], ""]);
  }
  rows.push(
    ["quality", "", "chattering_alarms", r.chattering, 0],
    ["quality", "", "stale_alarms", r.stale, 0],
  );
  rows.push(["response", "", "mtta_seconds", r.mtta.seconds, ""], ["response", "", "mtta_n", r.mtta.n, ""]);
  rows.push(["response", "", "mttr_seconds", r.mttr.seconds, ""], ["response", "", "mttr_n", r.mttr.n, ""]);
  return rows.map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}
