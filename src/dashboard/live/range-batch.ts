// A page's fixed (past) time ranges in one request: a dashboard showing yesterday is not live, so
// its panels are not subscribed, but they are not queried one request each either. Every query is
// checked before any runs (a bad one refuses the request, naming its index); they run a few at a
// time with a timeout each; identical ones run once; one failing query answers its own error and
// the others still answer. Points per series are capped to the chart's width as for live queries.
import { formatFloat, queryProblem, type MetricsQuerier } from "../../monitoring/index.js";
import type { Labels } from "../../model/labels.js";
import { LineopsError } from "../../errors.js";
import { DashboardErrors } from "../errors.js";
import { stepFor } from "./step.js";

export type RangeRequest = {
  query: string;
  startMs: number;
  endMs: number;
  stepMs?: number;
  /** The chart's width in pixels: points per series never exceed it. */
  widthPx?: number;
};

/** One query's answer, in the shape of Prometheus's query_range response (plus the step used). */
export type RangeAnswer =
  | {
      status: "success";
      data: { resultType: "matrix"; result: { metric: Labels; values: [number, string][] }[] };
      step: number;
    }
  | { status: "error"; errorType: string; error: string; code?: string };

export type RangeBatchOptions = {
  /** Queries in flight at once: a page of 64 panels never runs 64 evaluations together. */
  concurrency: number;
  /** Per query; can only shorten monitoring's configured query timeout. */
  timeoutMs: number;
  maxRangeMs: number;
};

/** Checks every request (throwing LINEOPS_ERR_BAD_SUBSCRIPTION naming `where(index)`), then runs them. */
export async function evaluateRanges(
  querier: Pick<MetricsQuerier, "range">,
  requests: readonly RangeRequest[],
  o: RangeBatchOptions,
  where: (index: number, message: string) => string,
): Promise<RangeAnswer[]> {
  const planned = requests.map((r, i) => {
    const bad = (message: string) => DashboardErrors.badSubscription(where(i, message));
    const problem = queryProblem(r.query);
    if (problem !== undefined) {
      throw bad(`query: ${problem}`);
    }
    if (!(r.endMs >= r.startMs)) {
      throw bad("end must not be before start");
    }
    if (r.endMs - r.startMs > o.maxRangeMs) {
      throw bad(`range must be at most ${o.maxRangeMs / 1000} seconds`);
    }
    let stepMs: number;
    try {
      stepMs = stepFor(Math.max(1000, r.endMs - r.startMs), {
        ...(r.stepMs === undefined ? {} : { stepMs: r.stepMs }),
        ...(r.widthPx === undefined ? {} : { widthPx: r.widthPx }),
      });
    } catch (err) {
      throw bad((err as Error).message);
    }
    return { ...r, stepMs, key: `${r.startMs}|${r.endMs}|${stepMs}|${r.query}` };
  });
  let next = 0;
  const order = [...new Set(planned.map((p) => p.key))];
  const byKey = new Map(planned.map((p) => [p.key, p]));
  const results = new Map<string, RangeAnswer>();
  // A fixed pool of workers over the distinct queries: at most `concurrency` evaluations at once.
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const key = order[next++]!;
      const p = byKey.get(key)!;
      results.set(key, await answer(querier, p, p.stepMs, o.timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, order.length)) }, worker));
  return planned.map((p) => results.get(p.key)!);
}

async function answer(
  querier: Pick<MetricsQuerier, "range">,
  r: RangeRequest,
  stepMs: number,
  timeoutMs: number,
): Promise<RangeAnswer> {
  try {
    const v = await querier.range(r.query, r.startMs, r.endMs, stepMs, timeoutMs);
    if (v.type !== "matrix") {
      return { status: "error", errorType: "bad_data", error: `a range query returned a ${v.type}` };
    }
    return {
      status: "success",
      step: stepMs / 1000,
      data: {
        resultType: "matrix",
        result: v.series.map((s) => ({
          metric: s.labels,
          values: s.points.map((p): [number, string] => [p.t / 1000, formatFloat(p.v)]),
        })),
      },
    };
  } catch (err) {
    return {
      status: "error",
      errorType: err instanceof LineopsError ? err.errorType : "execution",
      error: err instanceof Error ? err.message : String(err),
      ...(err instanceof LineopsError ? { code: err.code } : {}),
    };
  }
}
