// The step of a range query: at most one point per pixel of the chart (a finer step draws nothing
// more and costs the server and the browser), rounded up to a step people read easily.

/** Steps a chart may snap to, in seconds. */
const NICE = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** Prometheus refuses range queries of more than 11,000 points per series. */
export const MAX_POINTS = 11_000;

/** The smallest readable step that keeps `rangeSeconds` within `widthPx` points. */
export function autoStep(rangeSeconds: number, widthPx: number): number {
  const points = Math.max(1, Math.min(Math.floor(widthPx), MAX_POINTS));
  const raw = rangeSeconds / points;
  const nice = NICE.find((n) => n >= raw);
  return nice ?? Math.ceil(raw / 86400) * 86400;
}

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
