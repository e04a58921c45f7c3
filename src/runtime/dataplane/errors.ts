// Errors of the data plane and its client: bad control requests, a data plane that cannot be
// reached or started, and one that speaks another protocol version.
import { defineError } from "../../errors.js";

export const DataPlaneErrors = {
  /** A control request body or path the data plane refuses (the message names the field). */
  badRequest: defineError("LINEOPS_ERR_DATAPLANE_BAD_REQUEST", 400, "bad_data"),
  /** The data plane did not answer, or could not be started. */
  unavailable: defineError("LINEOPS_ERR_DATAPLANE_UNAVAILABLE", 503, "unavailable"),
  /** The running data plane speaks a protocol version this lineops does not. */
  protocol: defineError("LINEOPS_ERR_DATAPLANE_PROTOCOL", 409, "conflict"),
  /** The certificate or key file cannot be read or is not a valid pair. */
  tlsFiles: defineError("LINEOPS_ERR_DATAPLANE_TLS_FILES", 400, "bad_data"),
} as const;
