// Errors of the shared model: label handling (PromQL, the TSDB, relabelling, the API: a pattern that
// is not valid RE2, as Prometheus compiles it) and calendars (deploy windows, alerting time intervals).
import { defineError } from "../errors.js";

export const LabelsErrors = {
  invalidRegex: defineError("LINEOPS_ERR_INVALID_REGEX", 400, "bad_data"),
} as const;

// The codes keep the GATE_ names they had when deploy windows were the calendar's only user: codes
// are stable, and gate tests and API clients match on them.
export const CalendarErrors = {
  invalidWindow: defineError("LINEOPS_ERR_GATE_WINDOW_INVALID", 400, "bad_data"),
  invalidTimezone: defineError("LINEOPS_ERR_GATE_TIMEZONE_INVALID", 400, "bad_data"),
} as const;
