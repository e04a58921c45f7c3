// OEE by shift or day, and the downtime Pareto, over a time range: totals gathered with PromQL from
// the series oee.rules.yml records (the ones alerts and dashboards read) and the shift calendar's
// planned time, then oee.ts's arithmetic. Times are ms since the epoch.
import type { MetricsQuerier, QueryValue } from "../../monitoring/index.js";
import { AnalyticsErrors } from "./errors.js";
import { oeeFactors, pareto, sumTotals, type OeeFactors, type OeeTotals, type ParetoItem } from "./oee.js";
import type { ShiftCalendar } from "./shift-calendar.js";

export type AnalyticsScope = {
  /** The line lineops runs (one per lineops); another name is refused. */
  line: string;
  calendar: ShiftCalendar;
  querier: MetricsQuerier;
};

export type OeeRequest = {
  line?: string;
  station?: string;
  fromMs: number;
  toMs: number;
  by: "shift" | "day";
};

export type OeeFigures = OeeFactors & OeeTotals;
export type OeeBucket = {
  start: number;
  end: number;
  /** The shift of a by=shift bucket. */
  shift?: string;
  plannedSeconds: number;
  line: OeeFigures;
  stations: ({ station: string } & OeeFigures)[];
};
export type OeeReport = {
  line: string;
  timezone: string;
  by: "shift" | "day";
  from: number;
  to: number;
  buckets: OeeBucket[];
  /** The whole range: the buckets' totals added up. */
  total: { line: OeeFigures; stations: ({ station: string } & OeeFigures)[] };
};

export type DowntimeRequest = {
  line?: string;
  station?: string;
  fromMs: number;
  toMs: number;
  by: "reason" | "station";
};
export type DowntimeReport = {
  line: string;
  from: number;
  to: number;
  plannedSeconds: number;
  downtimeSeconds: number;
  items: ParetoItem<{ reason: string; station?: string }>[];
};

/** The longest range one request may cover: a quarter and then some (reports go up to a quarter). */
export const MAX_RANGE_MS = 100 * 86_400_000;

/** A PromQL string literal: JSON's escapes are a subset of PromQL's (Go's). */
const lit = (s: string) => JSON.stringify(s);

function checkRequest(scope: AnalyticsScope, r: { line?: string; fromMs: number; toMs: number }): void {
  if (r.line !== undefined && r.line !== scope.line) {
    throw AnalyticsErrors.unknownLine(`unknown line "${r.line}": this lineops runs line "${scope.line}"`);
  }
  if (!(r.toMs > r.fromMs)) {
    throw AnalyticsErrors.badRange("the range is empty: to must be after from");
  }
  if (r.toMs - r.fromMs > MAX_RANGE_MS) {
    throw AnalyticsErrors.badRange(
      `the range is ${Math.ceil((r.toMs - r.fromMs) / 86_400_000)} days; at most ${MAX_RANGE_MS / 86_400_000} days per request`,
    );
  }
}

/** Label value per station of an instant vector, or of one label. */
function byLabel(v: QueryValue, label = "station"): Map<string, number> {
  const out = new Map<string, number>();
  if (v.type === "vector") {
    for (const s of v.samples) {
      const key = s.labels[label];
      if (key !== undefined && Number.isFinite(s.v)) {
        out.set(key, s.v);
      }
    }
  }
  return out;
}

/** The station totals of one span [start, end) with `plannedMs` of planned time in it. */
async function spanTotals(
  scope: AnalyticsScope,
  station: string | undefined,
  start: number,
  end: number,
  plannedMs: number,
): Promise<{ station: string; totals: OeeTotals }[]> {
  const range = `[${end - start}ms]`;
  const line = `line=${lit(scope.line)}`;
  const own = station === undefined ? "" : `station=${lit(station)}`;
  const rule = `{${[line, own].filter(Boolean).join(",")}}`;
  const raw = own === "" ? "" : `{${own}}`;
  const q = (expr: string) => scope.querier.instant(expr, end).then((v) => byLabel(v));
  const [roster, runShare, produced, scrapped, ideal] = await Promise.all([
    q(`max by (station) (last_over_time(lineops_station_info${rule}${range}))`),
    // The share of the planned samples in which the station ran: availability, as the rules record it.
    q(
      `avg_over_time(station:oee_running_planned:bool${rule}${range})` +
        ` / on (line) group_left () (avg_over_time(line:lineops_shift_planned:max{${line}}${range}) > 0)`,
    ),
    q(`sum by (station) (increase(units_produced_total${raw}${range}))`),
    q(`sum by (station) (increase(units_scrapped_total${raw}${range}))`),
    q(`max by (station) (last_over_time(lineops_station_ideal_cycle_seconds${rule}${range}))`),
  ]);
  const plannedSeconds = plannedMs / 1000;
  return [...roster.keys()].sort(compareStations).map((name) => {
    const share = runShare.get(name);
    const good = produced.get(name) ?? 0;
    const total = good + (scrapped.get(name) ?? 0);
    const cycle = ideal.get(name);
    return {
      station: name,
      totals: {
        // No planned sample recorded for the station (lineops was not running): no availability.
        plannedSeconds: share === undefined ? 0 : plannedSeconds,
        runSeconds: share === undefined ? 0 : share * plannedSeconds,
        totalUnits: total,
        goodUnits: good,
        idealSeconds: cycle === undefined ? undefined : total * cycle,
      },
    };
  });
}

/** Numeric station ids in numeric order ("2" before "10"), others by text. */
function compareStations(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

const figures = (t: OeeTotals): OeeFigures => ({ ...oeeFactors(t), ...t });

export async function queryOee(scope: AnalyticsScope, r: OeeRequest): Promise<OeeReport> {
  checkRequest(scope, r);
  const spans =
    r.by === "shift"
      ? scope.calendar
          .occurrences(r.fromMs, r.toMs)
          .map((o) => ({ ...o, shift: o.shift as string | undefined }))
      : scope.calendar.days(r.fromMs, r.toMs).map(([start, end]) => ({
          start,
          end,
          shift: undefined as string | undefined,
          plannedMs: scope.calendar.plannedMs(start, end),
        }));
  const buckets: OeeBucket[] = [];
  const perStation = new Map<string, OeeTotals[]>();
  // One span after the other: the PromQL engine runs on this event loop either way, and a long
  // range should not queue hundreds of queries at once.
  for (const span of spans) {
    const stations = await spanTotals(scope, r.station, span.start, span.end, span.plannedMs);
    for (const s of stations) {
      perStation.set(s.station, [...(perStation.get(s.station) ?? []), s.totals]);
    }
    buckets.push({
      start: span.start,
      end: span.end,
      ...(span.shift === undefined ? {} : { shift: span.shift }),
      plannedSeconds: span.plannedMs / 1000,
      line: figures(sumTotals(stations.map((s) => s.totals))),
      stations: stations.map((s) => ({ station: s.station, ...figures(s.totals) })),
    });
  }
  const totals = [...perStation.entries()]
    .sort(([a], [b]) => compareStations(a, b))
    .map(([station, parts]) => ({ station, totals: sumTotals(parts) }));
  return {
    line: scope.line,
    timezone: scope.calendar.timezone,
    by: r.by,
    from: r.fromMs,
    to: r.toMs,
    buckets,
    total: {
      line: figures(sumTotals(totals.map((t) => t.totals))),
      stations: totals.map((t) => ({ station: t.station, ...figures(t.totals) })),
    },
  };
}

export async function queryDowntime(scope: AnalyticsScope, r: DowntimeRequest): Promise<DowntimeReport> {
  checkRequest(scope, r);
  const range = `[${r.toMs - r.fromMs}ms]`;
  const line = `line=${lit(scope.line)}`;
  const sel = `{${[line, r.station === undefined ? "" : `station=${lit(r.station)}`].filter(Boolean).join(",")}}`;
  const by = r.by === "station" ? "station, reason" : "reason";
  // Per reason, the share of the planned samples a station was down for it, summed over stations:
  // times the planned time, the station-seconds lost to it.
  const v = await scope.querier.instant(
    `sum by (${by}) (avg_over_time(station_reason:oee_downtime_planned:bool${sel}${range})` +
      ` / on (line) group_left () (avg_over_time(line:lineops_shift_planned:max{${line}}${range}) > 0))`,
    r.toMs,
  );
  const plannedSeconds = scope.calendar.plannedMs(r.fromMs, r.toMs) / 1000;
  const causes =
    v.type === "vector"
      ? v.samples
          .filter((s) => Number.isFinite(s.v))
          .map((s) => ({
            reason: s.labels.reason ?? "",
            ...(r.by === "station" ? { station: s.labels.station ?? "" } : {}),
            seconds: s.v * plannedSeconds,
          }))
      : [];
  const items = pareto(causes);
  return {
    line: scope.line,
    from: r.fromMs,
    to: r.toMs,
    plannedSeconds,
    downtimeSeconds: items.reduce((n, i) => n + i.seconds, 0),
    items,
  };
}
