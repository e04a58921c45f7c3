// Errors of the autoscaler and the scale operation it guards.
import { defineError } from "../../errors.js";

export const AutoscalerErrors = {
  unknownService: defineError("LINEOPS_ERR_SCALE_UNKNOWN_SERVICE", 400, "bad_data"),
  outOfBounds: defineError("LINEOPS_ERR_SCALE_OUT_OF_BOUNDS", 400, "bad_data"),
  notAutoscaled: defineError("LINEOPS_ERR_NOT_AUTOSCALED", 404, "not_found"),
} as const;
