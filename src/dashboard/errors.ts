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
} as const;
