// Unescaping of quoted strings in the exposition formats. Label values and quoted names use \\, \"
// and \n; HELP text in the Prometheus text format only \\ and \n. Any other escape is kept as written,
// as Prometheus does.
import { BACKSLASH, QUOTE } from "./parser-chars.js";

const N = 110; // "n"

/** s[start, end) with \\, \n and (if `quotes`) \" unescaped; a plain slice when there is no backslash. */
export function unescapeRange(s: string, start: number, end: number, quotes = true): string {
  let i = start;
  while (i < end && s.charCodeAt(i) !== BACKSLASH) {
    i++;
  }
  if (i >= end) {
    return s.slice(start, end);
  }
  let out = s.slice(start, i);
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d === BACKSLASH) {
        out += "\\";
        i += 2;
        continue;
      }
      if (d === N) {
        out += "\n";
        i += 2;
        continue;
      }
      if (quotes && d === QUOTE) {
        out += '"';
        i += 2;
        continue;
      }
      // Unknown escape: keep both characters, so "\t" stays a backslash and a "t".
      out += s.slice(i, i + 2);
      i += 2;
      continue;
    }
    out += String.fromCharCode(c);
    i++;
  }
  return out;
}
