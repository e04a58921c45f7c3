// Errors raised by the router's configuration calls (weights, stickiness, health, switches).
// They extend the runtime layer's codes; a later pass may fold them into ../errors.ts.
import { defineError } from "../../errors.js";

export const RouterErrors = {
  /** setWeights/switchTo: weights not finite, negative, unnamed, or not summing to 100. */
  invalidWeights: defineError("LINEOPS_ERR_INVALID_WEIGHTS", 400, "bad_data"),
  /** setStickiness/setHealth/setPreview/drain: an option out of range or empty. */
  invalidRouterConfig: defineError("LINEOPS_ERR_INVALID_ROUTER_CONFIG", 400, "bad_data"),
} as const;
