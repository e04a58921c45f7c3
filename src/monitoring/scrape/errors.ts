// Errors of the scrape stage: a malformed exposition body, reported with the 1-based line at fault
// (0 when the input is a lone series string rather than a body).
import { LineopsError } from "../../errors.js";

export class ExpositionError extends LineopsError {
  static readonly code = "LINEOPS_ERR_EXPOSITION_INVALID";

  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(ExpositionError.code, line > 0 ? `line ${line}: ${detail}` : detail, 400, "bad_data");
    this.name = "ExpositionError";
  }
}
