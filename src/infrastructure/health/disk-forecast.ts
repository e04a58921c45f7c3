// "Disk full in N days": when a filesystem's free space reaches zero at its recent trend, from two
// estimators: least squares over the window (what PromQL's predict_linear and deriv compute, and
// what the DiskWillFill alerts use) and Holt's double exponential smoothing (trends/, which weights
// recent behaviour more, so a log burst that stopped an hour ago fades out of it).
import { holt } from "../../model/stats.js";

/** Seconds until `avail` bytes reach zero falling at `slopePerSecond`; undefined when not falling. */
export function secondsUntilEmpty(avail: number, slopePerSecond: number): number | undefined {
  if (!Number.isFinite(avail) || !Number.isFinite(slopePerSecond) || slopePerSecond >= 0) {
    return undefined;
  }
  return avail <= 0 ? 0 : avail / -slopePerSecond;
}

/** Holt's smoothing weights, trends/'s defaults for forecasts. */
export const HOLT_ALPHA = 0.3;
export const HOLT_BETA = 0.1;

/**
 * Seconds until the Holt forecast of evenly spaced free-space samples (`stepSeconds` apart, oldest
 * first) reaches zero; undefined when it does not fall or there are fewer than three finite points
 * (two points make any trend, and Holt then only repeats the line through them).
 */
export function holtSecondsUntilEmpty(values: readonly number[], stepSeconds: number): number | undefined {
  if (values.filter(Number.isFinite).length < 3 || !(stepSeconds > 0)) {
    return undefined;
  }
  const { level, trend } = holt(values, HOLT_ALPHA, HOLT_BETA);
  return secondsUntilEmpty(level, trend / stepSeconds);
}
