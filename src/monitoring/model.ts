// The data model every monitoring stage shares: label sets, samples, staleness markers, and the
// storage contracts (Appender, Querier) between ingestion (scrape, remote write, import, rules)
// and reading (PromQL, the Prometheus-compatible API). Times are milliseconds since the epoch.

import type { Labels, Matcher } from "../model/labels.js";

export type { Labels, Matcher, MatchType } from "../model/labels.js";
export { labelsKey } from "../model/labels.js";
export { isStaleNaN, STALE_NAN } from "../model/sample-value.js";

/**
 * The metric types of OpenMetrics (what a # TYPE line may say), in the order of remote write's
 * prometheus.MetricMetadata.MetricType enum, so that an index is the enum number.
 */
export const METRIC_TYPES = [
  "unknown",
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "summary",
  "info",
  "stateset",
] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

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
