// The step of a range query: at most one point per pixel of the chart (a finer step draws nothing
// more and costs the server and the browser), rounded up to a step people read easily.

// The rule itself is shared with the server (live subscriptions compute the same step).
import { autoStep, MAX_POINTS } from "../../../../src/dashboard/live/step-rule.js";

export { autoStep, MAX_POINTS };

/**
 * The step to query with: the user's, unless it would give more points than pixels, then the
 * automatic one. `raised` says the user's step was overridden (the page says so).
 */
export function effectiveStep(
  userStep: number | undefined,
  rangeSeconds: number,
  widthPx: number,
): { step: number; raised: boolean } {
  const floor = rangeSeconds / Math.max(1, Math.min(Math.floor(widthPx), MAX_POINTS));
  if (userStep === undefined) {
    return { step: autoStep(rangeSeconds, widthPx), raised: false };
  }
  if (userStep < floor) {
    return { step: autoStep(rangeSeconds, widthPx), raised: true };
  }
  return { step: userStep, raised: false };
}
