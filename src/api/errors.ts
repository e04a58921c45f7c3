// Errors of the HTTP API layer, and the one function that turns any error into the wire envelope
// Prometheus clients already parse: {status: "error", errorType, error}.
import { defineError, LineopsError } from "../errors.js";

/** A refusal that says when to come back: the server sends its Retry-After header. */
export class TooManyRequestsError extends LineopsError {
  retryAfterSeconds = 1;
}
const tooMany = defineError("LINEOPS_ERR_TOO_MANY_REQUESTS", 429, "unavailable", TooManyRequestsError);

export const ApiErrors = {
  unauthorized: defineError("LINEOPS_ERR_UNAUTHORIZED", 401, "unauthorized"),
  forbidden: defineError("LINEOPS_ERR_FORBIDDEN", 403, "forbidden"),
  routeNotFound: defineError("LINEOPS_ERR_ROUTE_NOT_FOUND", 404, "not_found"),
  badRequest: defineError("LINEOPS_ERR_BAD_REQUEST", 400, "bad_data"),
  bodyTooLarge: defineError("LINEOPS_ERR_BODY_TOO_LARGE", 413, "bad_data"),
  /** A JSON or YAML body nested deeper than the parser allows (checked before parsing). */
  bodyTooDeep: defineError("LINEOPS_ERR_BODY_TOO_DEEP", 400, "bad_data"),
  /** A YAML body with more keys or aliases than the parser handles in bounded time. */
  bodyTooComplex: defineError("LINEOPS_ERR_BODY_TOO_COMPLEX", 413, "bad_data"),
  /** A body, query or path field that fails the route's schema: unknown, wrong type or grammar. */
  invalidField: defineError("LINEOPS_ERR_INVALID_FIELD", 400, "bad_data"),
  unsupportedMediaType: defineError("LINEOPS_ERR_UNSUPPORTED_MEDIA_TYPE", 415, "bad_data"),
  /** A route registered without a role or with a body type it cannot declare: a bug, found at start. */
  routeUndeclared: defineError("LINEOPS_ERR_ROUTE_UNDECLARED", 500, "internal"),
  internal: defineError("LINEOPS_ERR_INTERNAL", 500, "internal"),
  /** The data plane did not answer for its routing table (it is being respawned, or is stuck). */
  routingUnavailable: defineError("LINEOPS_ERR_ROUTING_UNAVAILABLE", 503, "unavailable"),
  /** Host header not a loopback name, the listen address or in web.allowed_hosts (DNS rebinding). */
  hostNotAllowed: defineError("LINEOPS_ERR_HOST_NOT_ALLOWED", 421, "bad_data"),
  /** ?token= / ?access_token= / ?authorization=: credentials belong in the Authorization header. */
  tokenInQuery: defineError("LINEOPS_ERR_TOKEN_IN_QUERY", 400, "bad_data"),
  /** Start refused: a listener beyond loopback without TLS and without web.allow_insecure. */
  insecureListen: defineError("LINEOPS_ERR_INSECURE_LISTEN", 400, "bad_data"),
  /** TLS certificate or key unreadable, unparsable or not a pair (at start or on reload). */
  tlsFiles: defineError("LINEOPS_ERR_TLS_FILES", 400, "bad_data"),
  /** Sign-in attempts past the limiter's allowance, or more password hashing than the server runs at once. */
  tooManyRequests: Object.assign(
    (message: string, opts: { retryAfterSeconds: number }) =>
      Object.assign(tooMany(message), { retryAfterSeconds: Math.max(1, Math.ceil(opts.retryAfterSeconds)) }),
    { code: tooMany.code },
  ),
  /** A cookie-authenticated change without the session's X-CSRF-Token, or sent from another site. */
  csrf: defineError("LINEOPS_ERR_CSRF", 403, "forbidden"),
  /** A user name that exists (create) or does not (change, remove). */
  userExists: defineError("LINEOPS_ERR_USER_EXISTS", 409, "conflict"),
  userNotFound: defineError("LINEOPS_ERR_USER_NOT_FOUND", 404, "not_found"),
} as const;

export type ErrorEnvelope = { status: "error"; errorType: string; error: string; code: string };

type FastifyLikeError = Error & { statusCode?: number; code?: string; validation?: unknown };

/** Maps anything thrown in a handler to an HTTP status and envelope; unknown errors hide their text. */
export function toEnvelope(err: unknown): { status: number; body: ErrorEnvelope; internal: boolean } {
  let e: LineopsError;
  let internal = false;
  if (err instanceof LineopsError) {
    e = err;
  } else {
    const f = err as FastifyLikeError;
    if (f.validation !== undefined) {
      e = ApiErrors.badRequest(f.message);
    } else if (f.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || f.statusCode === 415) {
      e = ApiErrors.unsupportedMediaType(f.message);
    } else if (f.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      e = ApiErrors.bodyTooLarge("request body is larger than the configured limit (server.bodyLimitBytes)");
    } else if (typeof f.statusCode === "number" && f.statusCode >= 400 && f.statusCode < 500) {
      e = ApiErrors.badRequest(f.message);
    } else {
      e = ApiErrors.internal("internal error; see the lineops log");
      internal = true;
    }
  }
  return {
    status: e.httpStatus,
    body: { status: "error", errorType: e.errorType, error: e.message, code: e.code },
    internal,
  };
}
