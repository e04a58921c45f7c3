// Capacity planning, pure: the line's instances as items to pack (per line, per service, per
// replica or station), the host's headroom (requests against allocatable) and where a resource's
// use is heading (least squares as PromQL's predict_linear, and Holt's smoothing).
import { holt, linearFit } from "../../model/stats.js";
import type { PackItem } from "./binpack.js";

/** What capacity planning needs of a line.yaml service. */
export type ServiceShape = {
  name: string;
  replicas: number;
  stations?: readonly string[];
};

export type Requests = { cpuCores?: number; memoryBytes?: number };

/**
 * The instances N copies of the line run, each with its service's requests: one per station for
 * per-station services, `replicas` otherwise. A service without a request in a dimension is left
 * out and named in `missing` (a guess would make the packing look more certain than it is).
 */
export function lineItems(
  services: readonly ServiceShape[],
  lines: number,
  requestsOf: (service: string) => Requests,
): { items: PackItem[]; missing: string[] } {
  if (!Number.isInteger(lines) || lines < 1) {
    throw new Error(`lines: ${lines} is not a whole number of lines of at least 1`);
  }
  const items: PackItem[] = [];
  const missing: string[] = [];
  for (const s of services) {
    const r = requestsOf(s.name);
    if (r.cpuCores === undefined || r.memoryBytes === undefined) {
      missing.push(s.name);
      continue;
    }
    const slots = s.stations ?? Array.from({ length: s.replicas }, (_, i) => String(i));
    for (let line = 1; line <= lines; line++) {
      for (const slot of slots) {
        items.push({
          id: `line-${line}/${s.name}/${slot}`,
          service: s.name,
          cpuCores: r.cpuCores,
          memoryBytes: r.memoryBytes,
        });
      }
    }
  }
  return { items, missing };
}

export type Headroom = {
  allocatable?: number;
  requested: number;
  /** allocatable − requested; negative: the host is overcommitted. */
  free?: number;
  /** requested / allocatable. */
  ratio?: number;
};

export function headroom(allocatable: number | undefined, requested: number): Headroom {
  if (allocatable === undefined || !(allocatable > 0)) {
    return { requested };
  }
  return { allocatable, requested, free: allocatable - requested, ratio: requested / allocatable };
}

export type Forecast = {
  /** The last observed value. */
  current?: number;
  /** Least-squares slope in units per second (predict_linear's). */
  slopePerSecond?: number;
  /** The linear forecast `horizonSeconds` after the last point. */
  atHorizon?: number;
  horizonSeconds: number;
  /** Seconds until the linear trend reaches `limit`; absent when not rising towards it. */
  reachesLimitInSeconds?: number;
  /** The same by Holt's smoothing (recent behaviour weighs more). */
  holtReachesLimitInSeconds?: number;
  /** First to last point: a trend over minutes is noise. */
  spanSeconds: number;
};

const HOLT_ALPHA = 0.3;
const HOLT_BETA = 0.1;

/** Where evenly spaced `points` ({t ms, v}) are heading, and when they reach `limit` (e.g. 1 for a ratio). */
export function forecast(
  points: readonly { t: number; v: number }[],
  limit: number,
  horizonSeconds: number,
  stepSeconds: number,
): Forecast {
  const finite = points.filter((p) => Number.isFinite(p.v));
  const last = finite.at(-1);
  const spanSeconds = finite.length > 1 ? ((last?.t ?? 0) - (finite[0]?.t ?? 0)) / 1000 : 0;
  const out: Forecast = { horizonSeconds, spanSeconds };
  if (last === undefined) {
    return out;
  }
  out.current = last.v;
  if (finite.length < 3) {
    return out; // two points make any line
  }
  const fit = linearFit(
    finite.map((p) => p.t),
    finite.map((p) => p.v),
    last.t,
  );
  if (Number.isFinite(fit.slope)) {
    out.slopePerSecond = fit.slope;
    out.atHorizon = fit.intercept + fit.slope * horizonSeconds;
    const until = secondsUntil(fit.intercept, fit.slope, limit);
    if (until !== undefined) {
      out.reachesLimitInSeconds = until;
    }
  }
  const h = holt(
    finite.map((p) => p.v),
    HOLT_ALPHA,
    HOLT_BETA,
  );
  const hu = stepSeconds > 0 ? secondsUntil(h.level, h.trend / stepSeconds, limit) : undefined;
  if (hu !== undefined) {
    out.holtReachesLimitInSeconds = hu;
  }
  return out;
}

function secondsUntil(now: number, slope: number, limit: number): number | undefined {
  if (!Number.isFinite(now) || !Number.isFinite(slope)) {
    return undefined;
  }
  if (now >= limit) {
    return 0;
  }
  return slope > 0 ? (limit - now) / slope : undefined;
}
