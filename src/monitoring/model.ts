// The data model every monitoring stage shares: label sets, samples, staleness markers, and the
// storage contracts (Appender, Querier) between ingestion (scrape, remote write, import, rules)
// and reading (PromQL, the Prometheus-compatible API). Times are milliseconds since the epoch.

/** A label set, including `__name__` for the metric name. Treat as immutable. */
export type Labels = Readonly<Record<string, string>>;

export type MatchType = "=" | "!=" | "=~" | "!~";

/** A label matcher as in PromQL; regexes are fully anchored, as in Prometheus. */
export type Matcher = { readonly type: MatchType; readonly name: string; readonly value: string };

/**
 * Prometheus's staleness marker: a NaN with a specific payload (0x7ff0000000000002). It is stored
 * as a sample value and must be compared by bits, never with `===` (NaN !== NaN). Float64Array
 * preserves the payload; plain JS arrays may not, so keep sample values in typed arrays.
 */
export const STALE_NAN: number = (() => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, 0x7ff00000);
  dv.setUint32(4, 0x00000002);
  return dv.getFloat64(0);
})();

const bitsView = new DataView(new ArrayBuffer(8));

export function isStaleNaN(v: number): boolean {
  if (v === v) {
    return false; // not NaN: the common case, without touching the DataView
  }
  bitsView.setFloat64(0, v);
  return bitsView.getUint32(0) === 0x7ff00000 && bitsView.getUint32(4) === 0x00000002;
}

/** A canonical string for a label set (sorted names), usable as a Map key. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = "";
  for (const n of names) {
    key += `${n}\u0000${labels[n]}\u0001`;
  }
  return key;
}

/** Samples of one series in a time range, oldest first; ts[i] pairs with vs[i]. */
export type SeriesSamples = { readonly ts: Float64Array; readonly vs: Float64Array };

export type Series = {
  readonly labels: Labels;
  /** Decodes the samples with mint <= t <= maxt of the select() that returned this series. */
  samples(): SeriesSamples;
};

/**
 * Writes samples. Contract (as Prometheus's storage.Appender): collect any number of append()
 * calls, then end with exactly one commit() or rollback(); never reuse an appender after that.
 * Nothing appended is visible to queriers before commit(). append() throws a StorageError for a
 * sample it rejects (out of order, too old, duplicate with a different value); the rest of the
 * batch is unaffected, and the caller decides whether to roll back.
 */
export interface Appender {
  append(labels: Labels, t: number, v: number): void;
  commit(): void;
  rollback(): void;
}

/** Reads a consistent view of stored series over [mint, maxt]. */
export interface Querier {
  /** Series matching every matcher (at least one matcher must not match the empty string). */
  select(matchers: readonly Matcher[], mint: number, maxt: number): Series[];
  labelNames(matchers?: readonly Matcher[]): string[];
  labelValues(name: string, matchers?: readonly Matcher[]): string[];
}

export interface Storage {
  appender(): Appender;
  querier(): Querier;
}
