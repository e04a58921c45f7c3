// Order statistics over a run's scrape durations.

/** The q-quantile (0..1) by nearest rank; NaN for no values. Sorts `values` in place. */
export function quantile(values: number[] | Float64Array, q: number): number {
  if (values.length === 0) {
    return NaN;
  }
  values.sort((a, b) => a - b);
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank] as number;
}

export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) {
    return v;
  }
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
