// Evaluation-time values: every node is evaluated over all output steps at once, so an instant vector
// is a set of series each holding one column of step values (Float64Array) plus a presence mask.
import type { Labels } from "../model.js";

export type VSeries = {
  labels: Labels;
  /** Prometheus 3's delayed __name__ removal: the name is kept for label functions, dropped at the end. */
  dropName: boolean;
  vals: Float64Array;
  has: Uint8Array;
};

export type VectorValue = { kind: "vector"; series: VSeries[] };
export type ScalarValue = { kind: "scalar"; vals: Float64Array };
export type StringValue = { kind: "string"; value: string };
/** Raw samples of a range vector (the top-level result of an instant query like foo[5m]). */
export type RawSeries = { labels: Labels; dropName: boolean; ts: Float64Array; vs: Float64Array };
export type MatrixValue = { kind: "matrix"; series: RawSeries[] };

export type Value = VectorValue | ScalarValue | StringValue | MatrixValue;

export function newSeries(labels: Labels, n: number, dropName = false): VSeries {
  return { labels, dropName, vals: new Float64Array(n), has: new Uint8Array(n) };
}

export function countPoints(v: Value): number {
  if (v.kind === "vector") {
    let c = 0;
    for (const s of v.series) {
      for (let i = 0; i < s.has.length; i++) {
        c += s.has[i] as number;
      }
    }
    return c;
  }
  if (v.kind === "matrix") {
    let c = 0;
    for (const s of v.series) {
      c += s.ts.length;
    }
    return c;
  }
  return v.kind === "scalar" ? v.vals.length : 0;
}

/** Prometheus's labels.Compare (the one implementation lives in the shared model). */
export { compareLabels } from "../../model/labels.js";

export function withoutLabels(labels: Labels, drop: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const k in labels) {
    if (!drop.includes(k)) {
      out[k] = labels[k] as string;
    }
  }
  return out;
}

export function onlyLabels(labels: Labels, keep: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const k of keep) {
    const v = labels[k];
    if (v !== undefined && v !== "") {
      out[k] = v;
    }
  }
  return out;
}

export function dropMetricName(labels: Labels): Labels {
  if (labels.__name__ === undefined) {
    return labels;
  }
  return withoutLabels(labels, ["__name__"]);
}
