// Errors of the host collector: only its construction can fail (a bad exclude regex); collect()
// never throws, it returns what it could read.
import { defineError } from "../../errors.js";

export const HostErrors = {
  badOption: defineError("LINEOPS_ERR_HOST_BAD_OPTION", 400, "bad_data"),
} as const;
