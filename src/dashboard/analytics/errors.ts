// Errors of the dashboard's analytics (OEE, downtime), with stable codes the API maps to statuses.
import { defineError } from "../../errors.js";

export const AnalyticsErrors = {
  /** A parameter that is well-formed but not usable: a range too long, a line lineops does not run. */
  badRange: defineError("LINEOPS_ERR_ANALYTICS_BAD_RANGE", 400, "bad_data"),
  unknownLine: defineError("LINEOPS_ERR_ANALYTICS_UNKNOWN_LINE", 404, "not_found"),
} as const;
