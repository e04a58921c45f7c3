// lineops's Prometheus-compatible query API (/api/v1/query, query_range, format_query): the wire
// shapes Prometheus documents, typed.
import { api } from "./client.js";

export type Labels = Record<string, string>;
/** [unix seconds, value as Prometheus prints it: "1.5", "NaN", "+Inf"]. */
export type SamplePair = [number, string];

export type QueryResult =
  | { resultType: "matrix"; result: { metric: Labels; values?: SamplePair[]; histograms?: unknown[] }[] }
  | { resultType: "vector"; result: { metric: Labels; value?: SamplePair; histogram?: unknown }[] }
  | { resultType: "scalar"; result: SamplePair }
  | { resultType: "string"; result: SamplePair };

export function instantQuery(
  query: string,
  time: number | undefined,
  signal?: AbortSignal,
): Promise<QueryResult> {
  return api<QueryResult>("/api/v1/query", { query: { query, time }, signal });
}

export function rangeQuery(
  query: string,
  start: number,
  end: number,
  step: number,
  signal?: AbortSignal,
): Promise<QueryResult> {
  return api<QueryResult>("/api/v1/query_range", { query: { query, start, end, step }, signal });
}

/** Prometheus's canonical formatting of an expression (GET /api/v1/format_query). */
export function formatQuery(query: string, signal?: AbortSignal): Promise<string> {
  return api<string>("/api/v1/format_query", { query: { query }, signal });
}
