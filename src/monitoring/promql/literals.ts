// Lexical values of PromQL as Prometheus reads them: Go-style quoted strings, numbers (hex, octal,
// Inf/NaN) and durations such as 1h30m. Kept apart from the parser so the test-script reader shares them.

// PromQL durations are Prometheus durations: one parser for config files, literals and API parameters.
export { formatDuration, parseDuration } from "../../model/duration.js";
import { goUnquote } from "../../model/go-strings.js";

/** A PromQL number literal (decimal, hex, octal with leading 0, Inf, NaN), or undefined. */
export function parseNumber(text: string): number | undefined {
  const t = text.replace(/_/g, "");
  const lower = t.toLowerCase();
  let sign = 1;
  let body = lower;
  if (body.startsWith("+") || body.startsWith("-")) {
    sign = body.startsWith("-") ? -1 : 1;
    body = body.slice(1);
  }
  if (body === "inf" || body === "infinity") {
    return sign * Infinity;
  }
  if (body === "nan") {
    return NaN;
  }
  if (/^0x[0-9a-f]+$/.test(body)) {
    return sign * parseInt(body.slice(2), 16);
  }
  if (/^0[0-7]+$/.test(body)) {
    return sign * parseInt(body.slice(1), 8);
  }
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) {
    return sign * Number(body);
  }
  return undefined;
}

/**
 * Unquotes a PromQL string literal (Prometheus's strutil.Unquote: Go's rules with ' as a second
 * string quote, raw strings kept as written). Escaped bytes that are not UTF-8 stay visible as lone
 * surrogates for the label checks. Throws GoStringError naming the fault and its offset.
 */
export function unquote(lit: string): string {
  return goUnquote(lit, { quotes: "\"'`", invalidUtf8: "keep", keepRawCarriageReturns: true });
}
