// Query results shaped for display: a series' name as PromQL prints it, sample values as numbers,
// and a matrix aligned on one time axis for uPlot (one column per step, null where a series has no
// sample, so gaps show as gaps).
import type { Labels, QueryResult, SamplePair } from "../api/prometheus.js";

/** `metric{a="b", c="d"}` as Prometheus's UI prints a series. */
export function seriesName(labels: Labels): string {
  const { __name__: name = "", ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`);
  return pairs.length === 0 ? name || "{}" : `${name}{${pairs.join(", ")}}`;
}

/** Prometheus sends values as strings ("NaN", "+Inf", "-Inf" included). */
export function sampleValue(v: string): number {
  if (v === "+Inf") {
    return Infinity;
  }
  if (v === "-Inf") {
    return -Infinity;
  }
  return Number(v);
}

export type Aligned = { names: string[]; data: [number[], ...(number | null)[][]] };

/**
 * A range query's matrix on the query's own grid (start + k·step): every series has its samples
 * there, so the columns line up without interpolation. Non-finite values become gaps (uPlot draws
 * no line to infinity). Samples off the grid (never sent by a range query) are dropped.
 */
export function alignMatrix(
  result: Extract<QueryResult, { resultType: "matrix" }>["result"],
  start: number,
  end: number,
  step: number,
): Aligned {
  const n = Math.floor((end - start) / step + 1e-9) + 1;
  const xs = Array.from({ length: n }, (_, i) => start + i * step);
  const columns = result.map((s) => {
    const ys: (number | null)[] = new Array<number | null>(n).fill(null);
    for (const [t, v] of s.values ?? []) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n && Math.abs(xs[i]! - t) < step / 1000) {
        const y = sampleValue(v);
        ys[i] = Number.isFinite(y) ? y : null;
      }
    }
    return ys;
  });
  return { names: result.map((s) => seriesName(s.metric)), data: [xs, ...columns] };
}

export type Row = { name: string; value: string; points?: number };

/** The table view's rows: one per series, with its value (the last one for a matrix). */
export function tableRows(r: QueryResult): Row[] {
  switch (r.resultType) {
    case "vector":
      return r.result.map((s) => ({ name: seriesName(s.metric), value: s.value?.[1] ?? "(histogram)" }));
    case "matrix":
      return r.result.map((s) => {
        const last: SamplePair | undefined = s.values?.[s.values.length - 1];
        return {
          name: seriesName(s.metric),
          value: last?.[1] ?? "(histogram)",
          points: s.values?.length ?? 0,
        };
      });
    case "scalar":
      return [{ name: "scalar", value: r.result[1] }];
    case "string":
      return [{ name: "string", value: r.result[1] }];
  }
}
