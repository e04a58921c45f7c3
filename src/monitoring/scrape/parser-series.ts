// Turns a series string produced by the exposition parser back into a label set. Runs only on a
// scrape-cache miss, so clarity wins over speed here; the hot path never builds Labels.
import type { Labels } from "../model.js";
import * as chars from "./parser-chars.js";
import { describeChar } from "./parser-chars.js";
import { ExpositionError } from "./errors.js";
import { unescapeRange } from "./parser-escape.js";

/**
 * Labels of `series` (as given to ExpositionSink.sample), including __name__, values unescaped.
 * Labels with an empty value are left out: in Prometheus's model (and OpenMetrics) an empty label
 * is the same as an absent one. Throws ExpositionError (line 0) on a string the parser would reject.
 */
export function parseSeriesLabels(series: string): Labels {
  const out: Record<string, string> = {};
  const seen: string[] = [];
  const s = series;
  const n = s.length;
  const fail = (detail: string): never => {
    throw new ExpositionError(0, `invalid series ${JSON.stringify(series)}: ${detail}`);
  };
  const skipBlanks = (q: number): number => {
    while (s.charCodeAt(q) === chars.SP || s.charCodeAt(q) === chars.TAB) {
      q++;
    }
    return q;
  };
  /** Index of the closing quote of a quoted string whose content starts at q. */
  const closingQuote = (q: number): number => {
    for (;;) {
      const c = s.charCodeAt(q);
      if (c === chars.QUOTE) {
        return q;
      }
      if (c !== c || c === 10) {
        return fail("unterminated quoted string");
      }
      q += c === chars.BACKSLASH ? 2 : 1;
    }
  };
  let name: string | undefined;
  let p = 0;
  if (chars.CHAR_CLASS[s.charCodeAt(0)]! & chars.METRIC_START) {
    while (chars.CHAR_CLASS[s.charCodeAt(p)]! & chars.METRIC_CHAR) {
      p++;
    }
    name = s.slice(0, p);
    p = skipBlanks(p);
    if (p === n) {
      return { __name__: name };
    }
  }
  if (s.charCodeAt(p) !== chars.LBRACE) {
    return fail(`expected a metric name or "{", got ${describeChar(s.charCodeAt(p))}`);
  }
  p++;
  for (;;) {
    p = skipBlanks(p);
    let c = s.charCodeAt(p);
    if (c === chars.RBRACE) {
      break;
    }
    let label: string;
    let quoted = false;
    if (chars.CHAR_CLASS[c]! & chars.LABEL_START) {
      const start = p;
      while (chars.CHAR_CLASS[s.charCodeAt(p)]! & chars.LABEL_CHAR) {
        p++;
      }
      label = s.slice(start, p);
    } else if (c === chars.QUOTE) {
      const end = closingQuote(p + 1);
      label = unescapeRange(s, p + 1, end);
      quoted = true;
      p = end + 1;
    } else {
      return fail(`expected a label name, got ${describeChar(c)}`);
    }
    p = skipBlanks(p);
    c = s.charCodeAt(p);
    if (quoted && (c === chars.COMMA || c === chars.RBRACE)) {
      if (name !== undefined) {
        return fail("metric name given twice");
      }
      name = label;
      if (c === chars.COMMA) {
        p++;
      }
      continue;
    }
    if (c !== chars.EQ) {
      return fail(`expected "=" after label name ${JSON.stringify(label)}`);
    }
    p = skipBlanks(p + 1);
    if (s.charCodeAt(p) !== chars.QUOTE) {
      return fail(`expected a quoted value for label ${JSON.stringify(label)}`);
    }
    const end = closingQuote(p + 1);
    const value = unescapeRange(s, p + 1, end);
    p = skipBlanks(end + 1);
    if (label === "" || label === "__name__" || seen.includes(label)) {
      return fail(`invalid or duplicate label name ${JSON.stringify(label)}`);
    }
    seen.push(label);
    if (value !== "") {
      setLabel(out, label, value);
    }
    if (s.charCodeAt(p) === chars.COMMA) {
      p++;
    }
  }
  if (skipBlanks(p + 1) !== n) {
    return fail('unexpected text after "}"');
  }
  if (name === undefined || name === "") {
    return fail("metric name missing");
  }
  return { __name__: name, ...out };
}

/** Assigns even a label named "__proto__" as an own, enumerable property. */
function setLabel(out: Record<string, string>, label: string, value: string): void {
  if (label === "__proto__") {
    Object.defineProperty(out, label, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[label] = value;
  }
}

/**
 * A copy of `series` that does not keep the scraped body alive. V8 makes `body.slice()` a view into
 * the body, so a series string stored as a long-lived cache key would pin the whole body it came
 * from; store `detachSeries(series)` on a cache miss instead.
 */
export function detachSeries(series: string): string {
  // JSON round trip: yields a fresh flat string and keeps every code unit (even lone surrogates).
  return JSON.parse(JSON.stringify(series)) as string;
}
