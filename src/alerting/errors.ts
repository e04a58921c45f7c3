// Errors of the alerting engine with stable codes: matchers that do not parse (a silence or an API
// filter answers 400 with them, as Alertmanager does) and time intervals a route names but nobody defined.
import { defineError } from "../errors.js";

export const AlertingErrors = {
  invalidMatcher: defineError("LINEOPS_ERR_ALERTING_MATCHER_INVALID", 400, "bad_data"),
  unknownTimeInterval: defineError("LINEOPS_ERR_ALERTING_TIME_INTERVAL_UNKNOWN", 400, "bad_data"),
} as const;
