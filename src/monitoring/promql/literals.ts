// Lexical values of PromQL as Prometheus reads them: Go-style quoted strings, numbers (hex, octal,
// Inf/NaN) and durations such as 1h30m. Kept apart from the parser so the test-script reader shares them.

// PromQL durations are Prometheus durations: one parser for config files, literals and API parameters.
export { formatDuration, parseDuration } from "../../model/duration.js";

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

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes from escapes; invalid sequences become lone surrogates so validity checks can see them. */
function decodeBytes(bytes: number[]): string {
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return bytes.map((b) => (b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xdc00 + b))).join("");
  }
}

/** Go's one-letter escapes and the bytes they stand for (\a \b \f \n \r \t \v \\). */
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  "\\": 92,
};

/** Unquotes a Go string literal in double, single or back quotes; throws Error on bad escapes. */
export function unquote(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) {
    throw new Error("unterminated quoted string");
  }
  const body = lit.slice(1, -1);
  if (q === "`") {
    return body;
  }
  if (q !== '"' && q !== "'") {
    throw new Error("invalid syntax");
  }
  let out = "";
  const bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      out += decodeBytes(bytes);
      bytes.length = 0;
    }
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === q) {
      throw new Error("invalid syntax");
    }
    if (c !== "\\") {
      flushBytes();
      // The whole run up to the next escape at once: appending char by char left a rope of one
      // V8 string per character in the AST (a 100 KB label value held 3 MB in the parse cache).
      let end = i + 1;
      while (end < body.length && body[end] !== "\\" && body[end] !== q) {
        end++;
      }
      out += end - i === 1 ? c : body.slice(i, end);
      i = end - 1;
      continue;
    }
    const e = body[++i];
    const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
      continue;
    }
    switch (e) {
      case '"':
      case "'":
        if (e !== q) {
          throw new Error("invalid syntax");
        }
        bytes.push(e.charCodeAt(0));
        break;
      case "x": {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) {
          throw new Error("invalid syntax");
        }
        bytes.push(parseInt(h, 16));
        i += 2;
        break;
      }
      case "u":
      case "U": {
        const n = e === "u" ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + n);
        if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) {
          throw new Error("invalid syntax");
        }
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
          throw new Error("invalid syntax");
        }
        flushBytes();
        out += String.fromCodePoint(cp);
        i += n;
        break;
      }
      default: {
        if (e !== undefined && /[0-7]/.test(e)) {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) {
            throw new Error("invalid syntax");
          }
          bytes.push(parseInt(o, 8));
          i += 2;
          break;
        }
        throw new Error("invalid syntax");
      }
    }
  }
  flushBytes();
  return out;
}
