// Lexical values of PromQL as Prometheus reads them: Go-style quoted strings, numbers (hex, octal,
// Inf/NaN) and durations such as 1h30m. Kept apart from the parser so the test-script reader shares them.
import { UNIT_MS } from "../../model/duration.js";

// PromQL durations are Prometheus durations: one parser for config files, literals and API parameters.
export { parseDuration } from "../../model/duration.js";

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
    switch (e) {
      case "a":
        bytes.push(7);
        break;
      case "b":
        bytes.push(8);
        break;
      case "f":
        bytes.push(12);
        break;
      case "n":
        bytes.push(10);
        break;
      case "r":
        bytes.push(13);
        break;
      case "t":
        bytes.push(9);
        break;
      case "v":
        bytes.push(11);
        break;
      case "\\":
        bytes.push(92);
        break;
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
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) {
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

/** Formats milliseconds as Prometheus prints durations (1h30m, 5m, 500ms). */
export function formatDuration(ms: number): string {
  if (ms === 0) {
    return "0s";
  }
  let out = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  for (const u of ["y", "w", "d", "h", "m", "s", "ms"]) {
    const size = UNIT_MS[u] as number;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${u}`;
      rest %= size;
    }
  }
  return out;
}
