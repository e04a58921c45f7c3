// Character codes and name classes of the exposition formats, as a lookup table so the parser's
// hot loops classify a char with one indexed load instead of a chain of comparisons.

export const LF = 10;
export const CR = 13;
export const TAB = 9;
export const SP = 32;
export const QUOTE = 34;
export const HASH = 35;
export const PLUS = 43;
export const COMMA = 44;
export const MINUS = 45;
export const DOT = 46;
export const EQ = 61;
export const BACKSLASH = 92;
export const LBRACE = 123;
export const RBRACE = 125;
export const ZERO = 48;
export const NINE = 57;

/** [a-zA-Z_:] — may start a metric name. */
export const METRIC_START = 1;
/** [a-zA-Z0-9_:] */
export const METRIC_CHAR = 2;
/** [a-zA-Z_] — may start a label name. */
export const LABEL_START = 4;
/** [a-zA-Z0-9_] */
export const LABEL_CHAR = 8;

/** Indexed by char code; 0 for everything outside ASCII names (and, being 64 Ki long, never out of range). */
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  const set = (from: number, to: number, bits: number) => {
    for (let c = from; c <= to; c++) {
      t[c] = (t[c] ?? 0) | bits;
    }
  };
  const letters = METRIC_START | METRIC_CHAR | LABEL_START | LABEL_CHAR;
  set(97, 122, letters);
  set(65, 90, letters);
  set(95, 95, letters);
  set(48, 57, METRIC_CHAR | LABEL_CHAR);
  set(58, 58, METRIC_START | METRIC_CHAR);
  return t;
})();

/** A readable name for the char at `c` in error messages (NaN: past the end of the input). */
export function describeChar(c: number): string {
  if (c !== c) {
    return "end of input";
  }
  if (c === LF || c === CR) {
    return "end of line";
  }
  return JSON.stringify(String.fromCharCode(c));
}
