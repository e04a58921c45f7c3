// Points per series capped to the pixels that draw them: a chart 800 px wide never gets more than
// 800 points a series, whatever step was asked for (Grafana's maxDataPoints, by pixel width).
import { DashboardErrors } from "../errors.js";
import { MAX_POINTS, widthStep } from "./step-rule.js";

export { MAX_POINTS };

/**
 * The step (ms) for a window of `rangeMs`: at least the requested step, and the width's readable
 * step (step-rule.ts), so the grid over [end - range, end] (both ends inclusive) plus the live head
 * point (queries.ts) is at most `widthPx` points; in whole seconds, so charts of one range share a
 * grid (and so one cache entry).
 */
export function stepFor(rangeMs: number, o: { stepMs?: number; widthPx?: number }): number {
  if (o.stepMs === undefined && o.widthPx === undefined) {
    throw DashboardErrors.badSubscription("give a step or a width in pixels (or both)");
  }
  // The page's rule (step-rule.ts): the same width gives the page and the server the same step.
  const byWidth = o.widthPx === undefined ? 0 : widthStep(rangeMs / 1000, o.widthPx) * 1000;
  const step = Math.max(1000, Math.ceil(Math.max(o.stepMs ?? 0, byWidth) / 1000) * 1000);
  if (Math.floor(rangeMs / step) + 2 > MAX_POINTS) {
    throw DashboardErrors.badSubscription(
      `range ${rangeMs / 1000}s at step ${step / 1000}s is more than ${MAX_POINTS} points a series: raise the step or give a width`,
    );
  }
  return step;
}

/** The grid's end at `nowMs`: the last whole step, so every subscriber of a step sees the same times. */
export function alignedEnd(nowMs: number, stepMs: number): number {
  return Math.floor(nowMs / stepMs) * stepMs;
}
