// The base error every layer's errors.ts builds on: a stable code that tests assert on, the
// HTTP status the API answers with, and the Prometheus-style errorType for the wire envelope.

export type ErrorType =
  | "bad_data"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "execution"
  | "unavailable"
  | "timeout"
  | "canceled"
  | "internal";

export class LineopsError extends Error {
  constructor(
    readonly code: `LINEOPS_ERR_${string}`,
    message: string,
    readonly httpStatus: number,
    readonly errorType: ErrorType,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LineopsError";
  }
}

/** Declares one error kind once: its code, status and type; call it with the message. */
export function defineError(code: `LINEOPS_ERR_${string}`, httpStatus: number, errorType: ErrorType) {
  const make = (message: string, options?: { cause?: unknown }) =>
    new LineopsError(code, message, httpStatus, errorType, options);
  return Object.assign(make, { code });
}
