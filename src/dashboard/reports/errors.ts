// Errors of the operations reports, with stable codes the API answers with their statuses.
import { defineError } from "../../errors.js";

export const ReportErrors = {
  /** A request or schedule that names an unknown shift, a range too long, a format that does not exist. */
  invalid: defineError("LINEOPS_ERR_REPORT_INVALID", 400, "bad_data"),
  notFound: defineError("LINEOPS_ERR_REPORT_NOT_FOUND", 404, "not_found"),
  /** PDF needs Chromium, which is not installed (lineops never downloads a browser). */
  pdfUnavailable: defineError("LINEOPS_ERR_REPORT_PDF_UNAVAILABLE", 503, "unavailable"),
  /** A PDF render took too long, or too many wait for the one renderer. */
  busy: defineError("LINEOPS_ERR_REPORT_BUSY", 503, "unavailable"),
  tooManySchedules: defineError("LINEOPS_ERR_REPORT_TOO_MANY_SCHEDULES", 409, "conflict"),
} as const;
