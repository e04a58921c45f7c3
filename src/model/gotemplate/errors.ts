// The errors of the Go text/template engine: a parse error names the template and the line:col of
// the fault (as `lineops check rules` reports it); an execution error also names the action it ran.
import { LineopsError } from "../../errors.js";

/** A template that does not parse, or an execution that failed; line and col are 1-based. */
export class TemplateError extends LineopsError {
  constructor(
    code: "LINEOPS_ERR_TEMPLATE_PARSE" | "LINEOPS_ERR_TEMPLATE_EXEC" | "LINEOPS_ERR_TEMPLATE_LIMIT",
    message: string,
    readonly templateName: string,
    readonly line: number,
    readonly col: number,
    options?: { cause?: unknown },
  ) {
    super(
      code,
      message,
      code === "LINEOPS_ERR_TEMPLATE_PARSE" ? 400 : 422,
      code === "LINEOPS_ERR_TEMPLATE_PARSE" ? "bad_data" : "execution",
      options,
    );
    this.name = "TemplateError";
  }
}

export const TEMPLATE_ERROR_CODES = [
  "LINEOPS_ERR_TEMPLATE_PARSE",
  "LINEOPS_ERR_TEMPLATE_EXEC",
  "LINEOPS_ERR_TEMPLATE_LIMIT",
] as const;

/**
 * Thrown by a template function whose argument has the wrong type or count: the executor reports it
 * as Go does a failed argument check ("wrong type for value; expected string; got int"), without
 * the "error calling f:" prefix a function's own failure gets.
 */
export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArgumentError";
  }
}
