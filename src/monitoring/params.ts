// Parses the time and duration parameters of the Prometheus HTTP API: RFC 3339 or Unix seconds for
// times, Prometheus durations or float seconds for steps. Errors name the parameter.
import { parseDuration } from "../model/duration.js";
import { MonitoringErrors } from "./errors.js";

/** Milliseconds since the epoch from a Prometheus API time parameter. */
export function parseTimeParam(name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined || value === "") {
    return fallbackMs;
  }
  const n = Number(value);
  if (Number.isFinite(n)) {
    return Math.round(n * 1000);
  }
  // Prometheus's "far past/future" sentinels used by clients for open ranges.
  if (value === "-292273086-05-16T16:47:06Z" || value === "292277025-08-18T07:12:54.999999999Z") {
    return value.startsWith("-") ? -8.64e15 : 8.64e15;
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw MonitoringErrors.badParameter(
      `invalid parameter "${name}": cannot parse "${value}" to a valid timestamp`,
    );
  }
  return ms;
}

/** Milliseconds from a Prometheus API duration parameter (float seconds or "15s"). */
export function parseDurationParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") {
    return undefined;
  }
  const n = Number(value);
  if (Number.isFinite(n)) {
    if (n <= 0) {
      throw MonitoringErrors.badParameter(
        `invalid parameter "${name}": zero or negative query resolution step widths are not accepted. Try a positive integer`,
      );
    }
    // Prometheus refuses a float that overflows its int64 durations; a double is exact to 2^53 ms.
    const ms = Math.round(n * 1000);
    if (!Number.isSafeInteger(ms)) {
      throw MonitoringErrors.badParameter(
        `invalid parameter "${name}": cannot parse "${value}" to a valid duration. It overflows`,
      );
    }
    if (ms === 0) {
      // 0.0001 rounds to 0 ms: a zero step would make step loops (forecast) spin for ever.
      throw MonitoringErrors.badParameter(
        `invalid parameter "${name}": "${value}" is below the 1 ms resolution of lineops`,
      );
    }
    return ms;
  }
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw MonitoringErrors.badParameter(
      `invalid parameter "${name}": cannot parse "${value}" to a valid duration`,
    );
  }
  return ms;
}

/**
 * Thanos's max_source_resolution: "auto" (or absent: lineops's default) lets the query choose its
 * tier by step and window; "0" (or "raw") reads raw samples only; a duration ("5m", "1h", or float
 * seconds) is the coarsest tier it may read. Errors name the parameter.
 */
export function parseSourceResolutionParam(value: string | undefined): "auto" | number {
  if (value === undefined || value === "" || value === "auto") {
    return "auto";
  }
  if (value === "raw") {
    return 0;
  }
  const n = Number(value);
  const ms = Number.isFinite(n) ? Math.round(n * 1000) : parseDuration(value);
  if (ms === undefined || !Number.isSafeInteger(ms)) {
    throw MonitoringErrors.badParameter(
      `invalid parameter "max_source_resolution": cannot parse "${value}": use auto, 0 (raw only) or a duration such as 5m or 1h`,
    );
  }
  if (ms < 0) {
    throw MonitoringErrors.badParameter(
      `invalid parameter "max_source_resolution": negative "${value}" is not accepted. Try a positive duration, 0 or auto`,
    );
  }
  return ms;
}
