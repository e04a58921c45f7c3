// Errors of the dashboard engine with stable codes; the API answers with their status as they are.
import { defineError } from "../errors.js";

export const DashboardErrors = {
  /** A dashboard, variable query or Grafana import that does not pass the model. */
  invalid: defineError("LINEOPS_ERR_DASHBOARD_INVALID", 400, "bad_data"),
  notFound: defineError("LINEOPS_ERR_DASHBOARD_NOT_FOUND", 404, "not_found"),
  /** Saved from an older version than the stored one (Grafana answers 412 "version-mismatch" too). */
  versionMismatch: defineError("LINEOPS_ERR_DASHBOARD_VERSION_MISMATCH", 412, "conflict"),
  /** A dashboard provisioned from a file: changed in the file, never through the API. */
  provisioned: defineError("LINEOPS_ERR_DASHBOARD_PROVISIONED", 409, "conflict"),
  /** Too many open live streams for this principal or for lineops as a whole. */
  tooManyStreams: defineError("LINEOPS_ERR_TOO_MANY_STREAMS", 429, "unavailable"),
  /** A subscription names a stream that is not open, or not the caller's. */
  streamNotFound: defineError("LINEOPS_ERR_STREAM_NOT_FOUND", 404, "not_found"),
  subscriptionNotFound: defineError("LINEOPS_ERR_SUBSCRIPTION_NOT_FOUND", 404, "not_found"),
  /** More query subscriptions on one stream, or more distinct live queries, than allowed. */
  tooManySubscriptions: defineError("LINEOPS_ERR_TOO_MANY_SUBSCRIPTIONS", 429, "unavailable"),
  /** A subscription's query, range, step or width is unusable (the message names which). */
  badSubscription: defineError("LINEOPS_ERR_BAD_SUBSCRIPTION", 400, "bad_data"),
} as const;
