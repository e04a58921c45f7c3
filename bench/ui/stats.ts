// Pure arithmetic of bench:ui: quantiles of repeated timings, and the matching of scraped sequence
// numbers to the moments the browser showed them (scrape-to-screen latency).

/** The q-quantile (0..1) of xs by nearest rank on the sorted values; null for no values. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) {
    return null;
  }
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Rounded to 0.1 ms (or null), as the JSON summary prints timings. */
export function ms(x: number | null): number | null {
  return x === null ? null : Math.round(x * 10) / 10;
}

export type Spread = { medianMs: number | null; p90Ms: number | null; minMs: number | null; runs: number[] };

/** Median, p90 and min of repeated timings, every run kept (rounded) for the record. */
export function spread(xs: readonly number[]): Spread {
  return {
    medianMs: ms(quantile(xs, 0.5)),
    p90Ms: ms(quantile(xs, 0.9)),
    minMs: ms(xs.length === 0 ? null : Math.min(...xs)),
    runs: xs.map((x) => ms(x) as number),
  };
}

/** a / b rounded to 0.001; null when either is missing or b is 0. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000;
}

/** What the page showed: the value on screen from `at` (epoch ms) on. */
export type Shown = { value: number; at: number };

export type ScrapeToScreen = { latencies: number[]; misses: number[] };

/**
 * For each sequence number served to the scraper (seq → epoch ms its answer was sent), the delay
 * until the page first showed that number or a later one (a later value on screen means the
 * sample has reached the screen and been superseded: a polling page that skips values is charged
 * the time until it shows something at least as new). Numbers never reached are misses.
 */
export function scrapeToScreen(served: ReadonlyMap<number, number>, shown: readonly Shown[]): ScrapeToScreen {
  const byTime = [...shown].sort((a, b) => a.at - b.at);
  const latencies: number[] = [];
  const misses: number[] = [];
  for (const [seq, sentAt] of [...served.entries()].sort((a, b) => a[0] - b[0])) {
    const first = byTime.find((s) => s.value >= seq && s.at >= sentAt);
    if (first === undefined) {
      misses.push(seq);
    } else {
      latencies.push(first.at - sentAt);
    }
  }
  return { latencies, misses };
}
