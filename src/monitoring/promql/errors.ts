// Error codes of the PromQL engine: parse errors are the client's fault (400 bad_data), failures while
// evaluating are 422 execution, running out of time is 503 timeout, as Prometheus's API answers.
import { LineopsError, defineError } from "../../errors.js";

export class PromqlError extends LineopsError {
  override name = "PromqlError";
}

export const PromqlErrors = {
  parse: defineError("LINEOPS_ERR_PROMQL_PARSE", 400, "bad_data", PromqlError),
  execution: defineError("LINEOPS_ERR_PROMQL_EXECUTION", 422, "execution", PromqlError),
  timeout: defineError("LINEOPS_ERR_PROMQL_TIMEOUT", 503, "timeout", PromqlError),
  tooManySamples: defineError("LINEOPS_ERR_PROMQL_TOO_MANY_SAMPLES", 422, "execution", PromqlError),
  tooManyPoints: defineError("LINEOPS_ERR_PROMQL_TOO_MANY_POINTS", 400, "bad_data", PromqlError),
  queueFull: defineError("LINEOPS_ERR_PROMQL_QUEUE_FULL", 503, "unavailable", PromqlError),
  /** A query text over MAX_QUERY_BYTES: refused before parsing, as the client's fault. */
  queryTooLong: defineError("LINEOPS_ERR_PROMQL_QUERY_TOO_LONG", 400, "bad_data", PromqlError),
} as const;

export const TOO_MANY_SAMPLES_MESSAGE =
  "query processing would load too many samples into memory in query execution";

export function isPromqlError(e: unknown): e is PromqlError {
  return e instanceof PromqlError;
}
