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
  /** A front door's port is bound by a process that is not lineops's (see frontDoorPortInUse). */
  frontDoorPortInUse: defineError("LINEOPS_ERR_FRONT_DOOR_PORT_IN_USE", 409, "conflict"),
  /** A service's declared front-door port is another service's front door. */
  frontDoorPortTaken: defineError("LINEOPS_ERR_FRONT_DOOR_PORT_TAKEN", 409, "conflict"),
  /** A declared front-door port that is not a TCP port (1-65535). */
  invalidFrontDoorPort: defineError("LINEOPS_ERR_INVALID_FRONT_DOOR_PORT", 400, "bad_data"),
} as const;

/**
 * The error for a front door that cannot listen because a foreign process holds its port (EADDRINUSE
 * on the kept or declared port): the service keeps its address only if that process goes away.
 */
export function frontDoorPortInUse(service: string, port: number, options?: { cause?: unknown }) {
  return RuntimeErrors.frontDoorPortInUse(
    `front door of service "${service}": port ${port} is already in use by another process ` +
      "(stop that process to keep this address, or set another port: for the service in line.yaml)",
    options,
  );
}
