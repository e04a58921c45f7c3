// Errors of the silence store. Messages are Alertmanager's own (what amtool users already know),
// and each invalid-input error also names the field at fault, so the API can answer 400 with it.
import { defineError, LineopsError } from "../../errors.js";

/** A silence the API must refuse; `field` is its path in the posted JSON (`matchers[1].value`, `endsAt`). */
export class SilenceValidationError extends LineopsError {
  field = "";
}

const invalid = defineError("LINEOPS_ERR_SILENCE_INVALID", 400, "bad_data", SilenceValidationError);

export const SilenceErrors = {
  /** Invalid matchers or times; the message is Alertmanager's, `field` names the part at fault. */
  invalid: Object.assign(
    (field: string, message: string, options?: { cause?: unknown }) =>
      Object.assign(invalid(message, options), { field }),
    { code: invalid.code },
  ),
  /** No silence has this id (Alertmanager answers 404 to GET/DELETE and to a POST that updates it). */
  notFound: defineError("LINEOPS_ERR_SILENCE_NOT_FOUND", 404, "not_found"),
  /** The configured count or size limit would be exceeded (Alertmanager answers 400). */
  limit: defineError("LINEOPS_ERR_SILENCE_LIMIT", 400, "bad_data"),
} as const;
