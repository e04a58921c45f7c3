// Errors of the deployment gates: deploy-window expressions and time zones that cannot be used.
import { defineError } from "../../errors.js";

export const GateErrors = {
  invalidWindow: defineError("LINEOPS_ERR_GATE_WINDOW_INVALID", 400, "bad_data"),
  invalidTimezone: defineError("LINEOPS_ERR_GATE_TIMEZONE_INVALID", 400, "bad_data"),
} as const;
