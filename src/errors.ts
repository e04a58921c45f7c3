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

/** A LineopsError subclass a layer throws so callers can tell its errors apart (instanceof). */
export type LineopsErrorClass = new (...args: ConstructorParameters<typeof LineopsError>) => LineopsError;

/**
 * Declares one error kind once: its code, status and type (and the layer's subclass, if it has
 * one); call it with the message.
 */
export function defineError<C extends LineopsErrorClass = typeof LineopsError>(
  code: `LINEOPS_ERR_${string}`,
  httpStatus: number,
  errorType: ErrorType,
  kind?: C,
) {
  const Kind = kind ?? LineopsError;
  const make = (message: string, options?: { cause?: unknown }) =>
    new Kind(code, message, httpStatus, errorType, options) as InstanceType<C>;
  return Object.assign(make, { code });
}
