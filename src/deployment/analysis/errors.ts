// Errors of deployment analysis: conditions that do not compile or cannot be evaluated, and
// analysis runs that cannot start (an unknown template or argument).
import { defineError } from "../../errors.js";

export const AnalysisErrors = {
  conditionInvalid: defineError("LINEOPS_ERR_ANALYSIS_CONDITION_INVALID", 400, "bad_data"),
  conditionEval: defineError("LINEOPS_ERR_ANALYSIS_CONDITION_EVAL", 422, "execution"),
  templateNotFound: defineError("LINEOPS_ERR_ANALYSIS_TEMPLATE_NOT_FOUND", 400, "bad_data"),
  argMissing: defineError("LINEOPS_ERR_ANALYSIS_ARG_MISSING", 400, "bad_data"),
  templateInvalid: defineError("LINEOPS_ERR_ANALYSIS_TEMPLATE_INVALID", 400, "bad_data"),
} as const;
