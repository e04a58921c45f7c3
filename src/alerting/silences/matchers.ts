// Silence matchers as Alertmanager's API v2 has them ({name, value, isRegex, isEqual}), checked and
// compiled as Alertmanager's silence store does: regexes anchored as `^(?:re)$` (Alertmanager's
// pkg/labels, which unlike Prometheus does not add the (?s) flag), a missing label matching as "",
// and names and values any well-formed UTF-8 (Alertmanager's default UTF-8 label names).
import type { Labels } from "../../model/labels.js";
import { compileSearchRegex } from "../../model/regexp.js";
import { formatMatcher as formatRouteMatcher, newMatcher } from "../routing/matchers.js";
import { SilenceErrors } from "./errors.js";

export type SilenceMatcher = {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** false for `!=` and `!~`. The API's default when absent is true. */
  readonly isEqual: boolean;
};

/** A matcher ready to test label sets. */
export type CompiledMatcher = SilenceMatcher & { matches(value: string): boolean };

// A lone surrogate has no UTF-8 encoding: Go's utf8.ValidString would refuse the bytes it came from.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Alertmanager's operator for the matcher (`=`, `!=`, `=~`, `!~`). */
export function matcherOperator(m: SilenceMatcher): "=" | "!=" | "=~" | "!~" {
  return m.isRegex ? (m.isEqual ? "=~" : "!~") : m.isEqual ? "=" : "!=";
}

/** `name="value"` as amtool prints matchers (for messages and logs). */
export function formatMatcher(m: SilenceMatcher): string {
  return formatRouteMatcher({ type: matcherOperator(m), name: m.name, value: m.value });
}

/**
 * Checks and compiles matcher `index` of a silence. Throws SilenceErrors.invalid with
 * Alertmanager's message ("invalid label matcher 0: invalid label name …") and the field's path.
 */
export function compileMatcher(m: SilenceMatcher, index: number): CompiledMatcher {
  const fail = (field: string, reason: string, cause?: unknown) =>
    SilenceErrors.invalid(
      `matchers[${index}].${field}`,
      `invalid silence: invalid label matcher ${index}: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  if (m.name === "" || LONE_SURROGATE.test(m.name)) {
    throw fail("name", `invalid label name ${JSON.stringify(m.name)}`);
  }
  if (!m.isRegex) {
    if (LONE_SURROGATE.test(m.value)) {
      throw fail("value", `invalid label value ${JSON.stringify(m.value)}`);
    }
    const value = m.value;
    return { ...pick(m), matches: m.isEqual ? (v) => v === value : (v) => v !== value };
  }
  try {
    // Compiled alone first so an error quotes the pattern as the user wrote it; then as the one
    // Alertmanager matcher (anchored, as routing and inhibition compile theirs).
    compileSearchRegex(m.value);
    return { ...pick(m), matches: newMatcher(matcherOperator(m), m.name, m.value).matches };
  } catch (err) {
    const detail =
      err instanceof Error ? err.message.replace(/^invalid regex "(?:[^"\\]|\\.)*": /, "") : String(err);
    throw fail("value", `invalid regular expression ${JSON.stringify(m.value)}: ${detail}`, err);
  }
}

/**
 * Compiles a silence's matchers and applies Alertmanager's rule that a silence needs at least one
 * matcher and at least one that does not match the empty string (else it would silence every alert
 * that lacks a label, which is almost never what was meant).
 */
export function compileSilenceMatchers(matchers: readonly SilenceMatcher[]): CompiledMatcher[] {
  if (matchers.length === 0) {
    throw SilenceErrors.invalid("matchers", "invalid silence: at least one matcher required");
  }
  const compiled = matchers.map((m, i) => compileMatcher(m, i));
  // Equality with "" and a regex that matches "" match the empty string; a negative matcher is
  // counted as not matching it, exactly as Alertmanager's matchesEmpty does.
  const matchesEmpty = (m: CompiledMatcher) => m.isEqual && m.matches("");
  if (compiled.every(matchesEmpty)) {
    throw SilenceErrors.invalid(
      "matchers",
      "invalid silence: at least one matcher must not match the empty string",
    );
  }
  return compiled;
}

/** Whether every matcher matches the label set; a label the set lacks is the empty string. */
export function matchesAll(matchers: readonly CompiledMatcher[], labels: Labels): boolean {
  return matchers.every((m) => m.matches(labels[m.name] ?? ""));
}

/**
 * GET /api/v2/silences?filter=… semantics: a silence passes when each filter matcher equals (same
 * name, operator and value) one of the silence's matchers. It is not label matching: `filter=
 * alertname="X"` finds the silences written with that matcher, not those that would mute X.
 */
export function hasEveryMatcher(
  silence: readonly SilenceMatcher[],
  filter: readonly SilenceMatcher[],
): boolean {
  return filter.every((f) => silence.some((m) => sameMatcher(m, f)));
}

export function sameMatcher(a: SilenceMatcher, b: SilenceMatcher): boolean {
  return a.name === b.name && a.value === b.value && a.isRegex === b.isRegex && a.isEqual === b.isEqual;
}

function pick(m: SilenceMatcher): SilenceMatcher {
  return { name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual };
}
