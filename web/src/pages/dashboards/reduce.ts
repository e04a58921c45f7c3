// A series reduced to one value (stat, gauge, bar gauge and table panels) and the threshold step a
// value falls in: Grafana's semantics (thresholds ascending, the null step is the base below all).
import type { REDUCERS } from "../../../../src/dashboard/dashboards/model.js";

export type Reducer = (typeof REDUCERS)[number];
export type Threshold = { value: number | null; color: string };

export const REDUCER_LABELS: Record<Reducer, string> = {
  lastNotNull: "Last (not null)",
  last: "Last",
  first: "First",
  mean: "Mean",
  max: "Max",
  min: "Min",
  sum: "Total",
};

/** The reduction of `values` (null and NaN are "no sample"); undefined when nothing is left to reduce. */
export function reduceValues(values: readonly (number | null)[], reducer: Reducer): number | undefined {
  if (reducer === "last") {
    const v = values[values.length - 1];
    return v === null || v === undefined || Number.isNaN(v) ? undefined : v;
  }
  const present = values.filter((v): v is number => v !== null && !Number.isNaN(v));
  if (present.length === 0) {
    return undefined;
  }
  switch (reducer) {
    case "lastNotNull":
      return present[present.length - 1];
    case "first":
      return present[0];
    case "mean":
      return present.reduce((a, b) => a + b, 0) / present.length;
    case "max":
      return Math.max(...present);
    case "min":
      return Math.min(...present);
    case "sum":
      return present.reduce((a, b) => a + b, 0);
  }
}

/** The step `v` falls in (the highest step at or below it), with its index; undefined without steps. */
export function thresholdStep(
  v: number | undefined,
  thresholds: readonly Threshold[],
): { color: string; index: number; from: number | null } | undefined {
  if (thresholds.length === 0) {
    return undefined;
  }
  const sorted = thresholds
    .map((t, i) => ({ ...t, i }))
    .sort((a, b) => (a.value ?? -Infinity) - (b.value ?? -Infinity));
  let hit = sorted[0]!;
  if (v !== undefined) {
    for (const t of sorted) {
      if (t.value === null || v >= t.value) {
        hit = t;
      }
    }
  }
  return { color: hit.color, index: hit.i, from: hit.value };
}

/** Grafana's named colours as CSS (its palette names are not CSS); anything else passes through. */
const NAMED: Record<string, string> = {
  green: "#37872d",
  red: "#c4162a",
  orange: "#fa6400",
  yellow: "#e0b400",
  blue: "#1f60c4",
  purple: "#8f3bb8",
  "dark-green": "#19730e",
  "semi-dark-green": "#37872d",
  "light-green": "#73bf69",
  "dark-red": "#ad0317",
  "semi-dark-red": "#c4162a",
  "light-red": "#f2495c",
  "dark-orange": "#e55400",
  "semi-dark-orange": "#fa6400",
  "dark-yellow": "#cc9d00",
  "semi-dark-yellow": "#e0b400",
  "dark-blue": "#1250b0",
  "semi-dark-blue": "#1f60c4",
  "dark-purple": "#7c2ea3",
};

export function cssColor(c: string): string {
  return NAMED[c] ?? c;
}

/** Words for a threshold step, so colour is never the only carrier of meaning. */
export function stepText(step: { from: number | null } | undefined, format: (v: number) => string): string {
  if (step === undefined) {
    return "";
  }
  return step.from === null ? "base" : `≥ ${format(step.from)}`;
}
