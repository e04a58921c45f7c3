// How the Infrastructure page words its numbers: "disk full in N days", ratios as percentages,
// rates per second. Bytes and cores read as the Services page writes them (services/resources.ts).
export { formatBytes, formatCores } from "../services/resources.js";
import { formatBytes } from "../services/resources.js";

const HOUR = 3600;
const DAY = 86_400;

/**
 * When a disk is full at its trend: minutes under an hour, hours under two days, days after; a
 * disk that is not filling (no forecast) says so rather than show a date that would be made up.
 */
export function formatFullIn(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) {
    return "not filling";
  }
  if (seconds <= 0) {
    return "full now";
  }
  if (seconds < HOUR) {
    return `full in ${Math.max(1, Math.round(seconds / 60))} min`;
  }
  if (seconds < 2 * DAY) {
    return `full in ${(seconds / HOUR).toFixed(1)} h`;
  }
  const days = seconds / DAY;
  return days >= 365 * 10
    ? "full in > 10 years"
    : `full in ${days < 10 ? days.toFixed(1) : Math.round(days)} days`;
}

export function formatPercent(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? "—" : `${(ratio * 100).toFixed(1)} %`;
}

export function formatRate(bytesPerSecond: number | undefined): string {
  return bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)
    ? "—"
    : `${formatBytes(bytesPerSecond)}/s`;
}

/** Which forecast to trust first: the sooner of the two, since either may see a fill coming. */
export function soonestFullIn(linear: number | undefined, holt: number | undefined): number | undefined {
  const xs = [linear, holt].filter((x): x is number => x !== undefined && Number.isFinite(x));
  return xs.length === 0 ? undefined : Math.min(...xs);
}

/** Below this much data in the trend window a forecast is not shown: minutes of a trend are noise. */
export const MIN_TREND_SPAN_S = 3600;

/** The forecast cell: a date once the trend saw an hour, otherwise how much it has seen so far. */
export function forecastText(fullIn: number | undefined, spanSeconds: number | undefined): string {
  if (spanSeconds === undefined || spanSeconds < MIN_TREND_SPAN_S) {
    return `collecting data (${Math.floor((spanSeconds ?? 0) / 60)} of 60 min)`;
  }
  return formatFullIn(fullIn);
}
