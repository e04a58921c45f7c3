// The typed read side of monitoring that other engines (deployment gates and analysis, alerting,
// the dashboard) and the rule manager use: PromQL answers as numbers and label sets, times in ms.
// The Prometheus JSON form (string values, float seconds) is the HTTP API's business alone.
import type { Labels } from "../model/labels.js";
import type { Storage } from "./model.js";
import type { Engine, QueryOptions } from "./promql/engine.js";
import type { QueryResult } from "./promql/format.js";
import { parseExpr } from "./promql/parser.js";

/** One value of one series at one time (ms since the epoch). */
export type Sample = { labels: Labels; t: number; v: number };
/** A series' points, oldest first. */
export type Series = { labels: Labels; points: { t: number; v: number }[] };

/** A PromQL result: an instant vector, a scalar, a range vector (matrix) or a string. */
export type QueryValue =
  | { type: "vector"; samples: Sample[] }
  | { type: "scalar"; t: number; v: number }
  | { type: "matrix"; series: Series[] }
  | { type: "string"; t: number; value: string };

export interface MetricsQuerier {
  /** Evaluates `query` at `timeMs`. Rejects with the PromQL error (parse, timeout, limits). */
  instant(query: string, timeMs: number): Promise<QueryValue>;
  /** Evaluates `query` over [startMs, endMs] every stepMs: a matrix (one series per label set). */
  range(query: string, startMs: number, endMs: number, stepMs: number): Promise<QueryValue>;
}

/**
 * The MetricsQuerier of a PromQL engine over a storage (MonitoringEngine.querier: its engine and
 * TSDB). `read` chooses the downsampled tiers (default raw samples; see promql/resolution.ts).
 */
export function promqlQuerier(engine: Engine, storage: Storage, read: QueryOptions = {}): MetricsQuerier {
  return {
    instant: async (query, timeMs) =>
      toQueryValue(await engine.instantQuery(storage, query, timeMs, read), timeMs),
    range: async (query, startMs, endMs, stepMs) =>
      toQueryValue(await engine.rangeQuery(storage, query, startMs, endMs, stepMs, read)),
  };
}

/** Why `query` is not valid PromQL (the parser's message), or undefined when it parses. */
export function queryProblem(query: string): string | undefined {
  try {
    parseExpr(query);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * The engine's result as a QueryValue. Instant vectors and scalars carry the evaluation time the
 * caller asked for (`timeMs`); matrix points come back from float seconds rounded to the ms.
 */
export function toQueryValue(r: QueryResult, timeMs?: number): QueryValue {
  switch (r.resultType) {
    case "vector": {
      const samples = new Array<Sample>(r.result.length);
      for (let i = 0; i < r.result.length; i++) {
        const s = r.result[i]!;
        samples[i] = { labels: s.metric, t: timeMs ?? Math.round(s.value[0] * 1000), v: s.value[1] };
      }
      return { type: "vector", samples };
    }
    case "scalar":
      return { type: "scalar", t: timeMs ?? Math.round(r.result[0] * 1000), v: r.result[1] };
    case "string":
      return { type: "string", t: timeMs ?? Math.round(r.result[0] * 1000), value: r.result[1] };
    case "matrix":
      return {
        type: "matrix",
        series: r.result.map((s) => ({
          labels: s.metric,
          points: s.values.map(([sec, v]) => ({ t: Math.round(sec * 1000), v })),
        })),
      };
  }
}
