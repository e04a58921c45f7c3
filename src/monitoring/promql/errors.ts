// Error codes of the PromQL engine: parse errors are the client's fault (400 bad_data), failures while
// evaluating are 422 execution, running out of time is 503 timeout, as Prometheus's API answers.
import { LineopsError } from "../../errors.js";
import type { ErrorType } from "../../errors.js";

export class PromqlError extends LineopsError {}

function definePromqlError(code: `LINEOPS_ERR_${string}`, httpStatus: number, errorType: string) {
  const make = (message: string, options?: { cause?: unknown }) => {
    // "timeout" and "canceled" are Prometheus errorTypes the shared ErrorType union lacks.
    const e = new PromqlError(code, message, httpStatus, errorType as ErrorType, options);
    e.name = "PromqlError";
    return e;
  };
  return Object.assign(make, { code });
}

export const PromqlErrors = {
  parse: definePromqlError("LINEOPS_ERR_PROMQL_PARSE", 400, "bad_data"),
  execution: definePromqlError("LINEOPS_ERR_PROMQL_EXECUTION", 422, "execution"),
  timeout: definePromqlError("LINEOPS_ERR_PROMQL_TIMEOUT", 503, "timeout"),
  tooManySamples: definePromqlError("LINEOPS_ERR_PROMQL_TOO_MANY_SAMPLES", 422, "execution"),
  tooManyPoints: definePromqlError("LINEOPS_ERR_PROMQL_TOO_MANY_POINTS", 400, "bad_data"),
  queueFull: definePromqlError("LINEOPS_ERR_PROMQL_QUEUE_FULL", 503, "unavailable"),
  /** A query text over MAX_QUERY_BYTES: refused before parsing, as the client's fault. */
  queryTooLong: definePromqlError("LINEOPS_ERR_PROMQL_QUERY_TOO_LONG", 400, "bad_data"),
} as const;

export const TOO_MANY_SAMPLES_MESSAGE =
  "query processing would load too many samples into memory in query execution";

export function isPromqlError(e: unknown): e is PromqlError {
  return e instanceof PromqlError;
}
