// Per-system latencies of the counted rounds and their summary (nearest-rank percentiles, ms).
import type { RoundTimes, System } from "./target.js";

export type Latencies = { fromScrape: number[]; fromFlip: number[]; fromEval: number[]; misses: number };

export function latencies(rounds: RoundTimes[], system: System): Latencies {
  const out: Latencies = { fromScrape: [], fromFlip: [], fromEval: [], misses: 0 };
  for (const r of rounds) {
    const delivered = r.deliveredAt[system];
    if (delivered === undefined) {
      out.misses++;
      continue;
    }
    out.fromFlip.push(delivered - r.flippedAt);
    const sinceStartsAt = r.sinceStartsAt[system];
    if (sinceStartsAt !== undefined) {
      out.fromEval.push(sinceStartsAt);
    }
    const scraped = r.scrapedAt[system];
    if (scraped !== undefined) {
      out.fromScrape.push(delivered - scraped);
    }
  }
  return out;
}

/** Nearest-rank percentile (p in 0..100) of values; null when there are none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

const ms = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

export function summarize(l: Latencies) {
  return {
    deliveryP50Ms: ms(percentile(l.fromScrape, 50)),
    deliveryP99Ms: ms(percentile(l.fromScrape, 99)),
    deliveryMaxMs: ms(percentile(l.fromScrape, 100)),
    fromEvalP50Ms: ms(percentile(l.fromEval, 50)),
    fromEvalP99Ms: ms(percentile(l.fromEval, 99)),
    fromFlipP50Ms: ms(percentile(l.fromFlip, 50)),
    fromFlipP99Ms: ms(percentile(l.fromFlip, 99)),
    delivered: l.fromFlip.length,
  };
}
