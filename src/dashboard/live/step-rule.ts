// The one step-from-width rule of lineops's charts, pure so that the page (Explore, dashboards) and
// the server (live subscriptions, batched ranges) compute the same step: at most one point per
// pixel (a finer step draws nothing more and costs both sides), rounded up to a step people read
// easily. A panel interpolates $__interval with the step it computes; the server, given the same
// width, arrives at the same step, so the query sent and the grid pushed agree.

/** Steps a chart snaps to, in seconds. */
export const NICE_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

/** Prometheus refuses range queries of more than 11,000 points per series. */
export const MAX_POINTS = 11_000;

/** The smallest readable step (seconds) that keeps `rangeSeconds` within `widthPx` points. */
export function autoStep(rangeSeconds: number, widthPx: number): number {
  const points = Math.max(1, Math.min(Math.floor(widthPx), MAX_POINTS));
  const raw = rangeSeconds / points;
  const nice = NICE_STEPS.find((n) => n >= raw);
  return nice ?? Math.ceil(raw / 86400) * 86400;
}

/**
 * The step (seconds) of a chart `widthPx` wide over `rangeSeconds`: two points fewer than pixels,
 * since a grid aligned on multiples of the step adds up to two (both ends; or one end and the live
 * head).
 */
export function widthStep(rangeSeconds: number, widthPx: number): number {
  return autoStep(rangeSeconds, Math.max(1, Math.floor(widthPx) - 2));
}
