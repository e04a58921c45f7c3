// Errors of the monitoring engine's own surface (API parameters, ingestion requests).
import { defineError } from "../errors.js";

export const MonitoringErrors = {
  badParameter: defineError("LINEOPS_ERR_BAD_PARAMETER", 400, "bad_data"),
  badMatcher: defineError("LINEOPS_ERR_BAD_MATCHER", 400, "bad_data"),
} as const;
