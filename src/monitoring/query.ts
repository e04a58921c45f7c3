// The typed read side of monitoring that other engines (deployment gates and analysis, alerting,
// the dashboard) and the rule manager use: PromQL answers as numbers and label sets, times in ms.
// The Prometheus JSON form (string values, float seconds) is the HTTP API's business alone.
import type { Labels, Matcher } from "../model/labels.js";
import type { Storage } from "./model.js";
import type { Engine, QueryOptions } from "./promql/engine.js";
import type { QueryResult } from "./promql/format.js";
import type { Expr } from "./promql/ast.js";
import { compileMatcher } from "./promql/matcher.js";
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
  /**
   * Evaluates `query` over [startMs, endMs] every stepMs: a matrix (one series per label set).
   * `timeoutMs` can only shorten the engine's configured query timeout.
   */
  range(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    timeoutMs?: number,
  ): Promise<QueryValue>;
}

/**
 * The MetricsQuerier of a PromQL engine over a storage (MonitoringEngine.querier: its engine and
 * TSDB). `read` chooses the downsampled tiers (default raw samples; see promql/resolution.ts).
 */
export function promqlQuerier(engine: Engine, storage: Storage, read: QueryOptions = {}): MetricsQuerier {
  return {
    instant: async (query, timeMs) =>
      toQueryValue(await engine.instantQuery(storage, query, timeMs, read), timeMs),
    range: async (query, startMs, endMs, stepMs, timeoutMs) =>
      toQueryValue(
        await engine.rangeQuery(storage, query, startMs, endMs, stepMs, {
          ...read,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        }),
      ),
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

/** What a live view needs to know of a query's inputs (see queryInputs). */
export type QueryInputs = {
  /**
   * False only when no commit of samples that all carry `target`'s labels can change the query's
   * result: every selector of the query pins a label of `target` to another value. An unknown
   * target (rules, remote write) may change anything.
   */
  mayChange(target: Labels | undefined): boolean;
  /**
   * An `@` modifier ties every step to one time: a new sample changes earlier steps too, so a live
   * view evaluates the whole range again instead of only its newest steps.
   */
  pinned: boolean;
  /**
   * The metric names the query reads, when every selector names one exactly (`rate(x[1m])`,
   * `{__name__="x"}`); undefined when one does not (`{job="a"}`, `{__name__=~"x.*"}`). A live view
   * skips commits of targets that expose none of them.
   */
  names: ReadonlySet<string> | undefined;
};

/** The selectors of `query` (which must parse: check with queryProblem) as a QueryInputs. */
export function queryInputs(query: string): QueryInputs {
  const selectors: Matcher[][] = [];
  let pinned = false;
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case "vectorSelector":
        selectors.push(e.matchers);
        pinned ||= e.at !== undefined;
        return;
      case "matrixSelector":
        return walk(e.vs);
      case "subquery":
        pinned ||= e.at !== undefined;
        return walk(e.expr);
      case "call":
        return e.args.forEach(walk);
      case "aggregate":
        walk(e.expr);
        return e.param ? walk(e.param) : undefined;
      case "binary":
        walk(e.lhs);
        return walk(e.rhs);
      case "unary":
      case "paren":
        return walk(e.expr);
      case "number":
      case "string":
        return;
    }
  };
  walk(parseExpr(query));
  const compiled = selectors.map((ms) => ms.map(compileMatcher));
  const exact = selectors.map((ms) => ms.find((m) => m.name === "__name__" && m.type === "=")?.value);
  return {
    pinned,
    names: exact.every((n) => n !== undefined) ? new Set(exact as string[]) : undefined,
    mayChange: (target) =>
      target === undefined ||
      compiled.some((ms) => ms.every((m) => target[m.name] === undefined || m.matches(target[m.name]!))),
  };
}
