// Errors of the dashboard engine's surface (live streams and query subscriptions).
import { defineError } from "../errors.js";

export const DashboardErrors = {
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
