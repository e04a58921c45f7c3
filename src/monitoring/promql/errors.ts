// Error codes of the PromQL engine: parse errors are the client's fault (400 bad_data), failures while
// evaluating are 422 execution, running out of time is 503 timeout, as Prometheus's API answers.
import { LineopsError, defineError, type ErrorType } from "../../errors.js";

export class PromqlError extends LineopsError {
  constructor(...args: ConstructorParameters<typeof LineopsError>) {
    super(...args);
    this.name = "PromqlError";
  }
}

const definePromqlError = (code: `LINEOPS_ERR_${string}`, httpStatus: number, errorType: ErrorType) =>
  defineError(code, httpStatus, errorType, PromqlError);

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
