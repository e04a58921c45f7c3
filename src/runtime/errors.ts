// Errors raised by the runtime layer (process backend, probes, router).
import { defineError } from "../errors.js";

export const RuntimeErrors = {
  instanceNotFound: defineError("LINEOPS_ERR_INSTANCE_NOT_FOUND", 404, "not_found"),
  portInUse: defineError("LINEOPS_ERR_PORT_IN_USE", 409, "conflict"),
  noBackend: defineError("LINEOPS_ERR_NO_BACKEND", 503, "unavailable"),
  /** The allocator found no free port in its range (every candidate bound or reserved). */
  noFreePort: defineError("LINEOPS_ERR_NO_FREE_PORT", 503, "unavailable"),
  /** start() after close(): the runtime no longer supervises anything new. */
  runtimeClosed: defineError("LINEOPS_ERR_RUNTIME_CLOSED", 503, "unavailable"),
  /** listen() for a service whose front door is already open on another port. */
  alreadyListening: defineError("LINEOPS_ERR_ALREADY_LISTENING", 409, "conflict"),
} as const;
