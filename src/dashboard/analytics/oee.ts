// OEE arithmetic (docs/oee.md): availability × performance × quality from the time and unit totals
// of a station or of the line. Pure; the queries that gather the totals are in oee-query.ts.

/** What one station (or the line, summed) did in a span of time. */
export type OeeTotals = {
  /** Planned production time: the shifts minus their breaks. */
  plannedSeconds: number;
  /** The part of the planned time the station was up (idle or running, not jammed, faulted or gone). */
  runSeconds: number;
  /** Every unit that took a cycle, good or scrapped. */
  totalUnits: number;
  goodUnits: number;
  /** Σ units × ideal cycle time; undefined when no ideal cycle time is declared. */
  idealSeconds: number | undefined;
};

/** Each factor, or null where it is undefined (no planned time, no run time, no units). */
export type OeeFactors = {
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
};

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export function oeeFactors(t: OeeTotals): OeeFactors {
  const availability = ratio(t.runSeconds, t.plannedSeconds);
  const performance = t.idealSeconds === undefined ? null : ratio(t.idealSeconds, t.runSeconds);
  const quality = ratio(t.goodUnits, t.totalUnits);
  // A station that never ran in planned time made nothing of it: OEE 0, though P and Q are undefined.
  const oee =
    availability === 0
      ? 0
      : availability !== null && performance !== null && quality !== null
        ? availability * performance * quality
        : null;
  return { availability, performance, quality, oee };
}

/** Totals of several stations or spans: times and units add up (see docs/oee.md for the line). */
export function sumTotals(parts: readonly OeeTotals[]): OeeTotals {
  let idealKnown = parts.length > 0;
  const sum: OeeTotals = { plannedSeconds: 0, runSeconds: 0, totalUnits: 0, goodUnits: 0, idealSeconds: 0 };
  for (const p of parts) {
    sum.plannedSeconds += p.plannedSeconds;
    sum.runSeconds += p.runSeconds;
    sum.totalUnits += p.totalUnits;
    sum.goodUnits += p.goodUnits;
    if (p.idealSeconds === undefined) {
      idealKnown = false;
    } else {
      sum.idealSeconds = (sum.idealSeconds ?? 0) + p.idealSeconds;
    }
  }
  return idealKnown ? sum : { ...sum, idealSeconds: undefined };
}

/** One bar of a Pareto chart. */
export type ParetoItem<K> = K & { seconds: number; share: number; cumulativeShare: number };

/**
 * Downtime per cause, largest first, with each cause's share of all downtime and the running total
 * of the shares (the Pareto curve). Causes with no downtime are left out; ties keep a stable order.
 */
export function pareto<K extends object>(items: readonly (K & { seconds: number })[]): ParetoItem<K>[] {
  const positive = items.filter((i) => i.seconds > 0 && Number.isFinite(i.seconds));
  const total = positive.reduce((n, i) => n + i.seconds, 0);
  let cumulative = 0;
  return [...positive]
    .sort((a, b) => b.seconds - a.seconds)
    .map((i) => {
      cumulative += i.seconds;
      return { ...i, share: i.seconds / total, cumulativeShare: cumulative / total };
    });
}
