// Errors of label handling shared by PromQL, the TSDB, relabelling and the API: today one, a
// pattern that is not valid RE2 (Go regexp/syntax, as Prometheus compiles it).
import { defineError } from "../errors.js";

export const LabelsErrors = {
  invalidRegex: defineError("LINEOPS_ERR_INVALID_REGEX", 400, "bad_data"),
} as const;
