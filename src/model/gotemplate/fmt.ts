// Go's fmt for templates: Sprint, Sprintln and Sprintf with the verbs templates use (%s %d %f %v
// %q %x %g %e %t %c %%, flags + - 0 space #, width, precision, [n] argument indexes), including
// Go's in-band complaints (%!d(string=x), %!s(MISSING), %!(EXTRA …)); and text/template's html,
// js and urlquery escapers.
import { formatFloat } from "./gofloat.js";
import { GoStruct, formatValue, goTypeName, isMap, mapEntries } from "./values.js";

export function sprint(args: readonly unknown[]): string {
  let out = "";
  args.forEach((a, i) => {
    // Spaces only between operands when neither is a string.
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") {
      out += " ";
    }
    out += formatValue(a);
  });
  return out;
}

export function sprintln(args: readonly unknown[]): string {
  return args.map(formatValue).join(" ") + "\n";
}

type Spec = {
  plus: boolean;
  minus: boolean;
  zero: boolean;
  space: boolean;
  sharp: boolean;
  width?: number;
  prec?: number;
};

export function sprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argNum = 0;
  let reordered = false;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { plus: false, minus: false, zero: false, space: false, sharp: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === "+") {
        spec.plus = true;
      } else if (c === "-") {
        spec.minus = true;
      } else if (c === "0") {
        spec.zero = true;
      } else if (c === " ") {
        spec.space = true;
      } else if (c === "#") {
        spec.sharp = true;
      } else {
        break;
      }
    }
    const index = () => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (m) {
        argNum = Number(m[1]) - 1;
        reordered = true;
        i += m[0].length;
      }
    };
    const number = (): number | undefined => {
      if (format[i] === "*") {
        i++;
        const a = args[argNum++];
        return typeof a === "bigint" ? Number(a) : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) {
        return undefined;
      }
      i += m[0].length;
      return Math.min(Number(m[0]), 1_000_000);
    };
    index();
    spec.width = number();
    if (format[i] === ".") {
      i++;
      index();
      spec.prec = number() ?? 0;
    }
    index();
    const cp = format.codePointAt(i);
    if (cp === undefined) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argNum >= args.length || argNum < 0) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argNum++], verb, spec);
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? "<nil>" : `${goTypeName(a)}=${formatValue(a)}`))
      .join(", ")})`;
  }
  return out;
}

function badVerb(verb: string, a: unknown): string {
  return a === null || a === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(a)}=${formatValue(a)})`;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const len = [...s].length;
  if (len >= width) {
    return s;
  }
  const fill = width - len;
  if (spec.minus) {
    return s + " ".repeat(fill);
  }
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? (s[0] as string) : "";
    return sign + "0".repeat(fill) + s.slice(sign.length);
  }
  return " ".repeat(fill) + s;
}

function signed(s: string, spec: Spec): string {
  if (s.startsWith("-") || s === "NaN") {
    return s;
  }
  if (s.startsWith("+")) {
    return spec.plus ? s : spec.space ? " " + s.slice(1) : s;
  }
  return spec.plus ? "+" + s : spec.space ? " " + s : s;
}

function formatArg(a: unknown, verb: string, spec: Spec): string {
  if (Array.isArray(a) && verb !== "v" && verb !== "q" && !(verb === "x" || verb === "X")) {
    return `[${a.map((x) => formatArg(x, verb, { ...spec, width: undefined })).join(" ")}]`;
  }
  switch (typeof a) {
    case "boolean":
      return verb === "t" || verb === "v" ? pad(String(a), spec, false) : badVerb(verb, a);
    case "bigint":
      return formatInt(a, verb, spec);
    case "number":
      return formatFloatVerb(a, verb, spec);
    case "string":
      return formatString(a, verb, spec);
    default:
      if (verb === "v") {
        return pad(formatValue(a), spec, false);
      }
      if (a instanceof GoStruct && verb === "s" && a.methods["String"] !== undefined) {
        return pad(formatValue(a), spec, false);
      }
      if (isMap(a) && verb !== "T") {
        return `map[${mapEntries(a)
          .map(([k, x]) => `${formatArg(k, verb, {} as Spec)}:${formatArg(x, verb, {} as Spec)}`)
          .join(" ")}]`;
      }
      if (verb === "T") {
        return pad(goTypeName(a), spec, false);
      }
      return badVerb(verb, a);
  }
}

function formatInt(n: bigint, verb: string, spec: Spec): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  switch (verb) {
    case "d":
    case "v":
      digits = abs.toString();
      break;
    case "x":
      digits = (spec.sharp ? "0x" : "") + abs.toString(16);
      break;
    case "X":
      digits = (spec.sharp ? "0X" : "") + abs.toString(16).toUpperCase();
      break;
    case "o":
      digits = (spec.sharp ? "0" : "") + abs.toString(8);
      break;
    case "b":
      digits = abs.toString(2);
      break;
    case "c":
      return pad(abs <= 0x10ffffn ? String.fromCodePoint(Number(n)) : "\uFFFD", spec, false);
    case "q":
      return pad(`'${abs <= 0x10ffffn ? String.fromCodePoint(Number(n)) : "\uFFFD"}'`, spec, false);
    case "U":
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, "0")}`, spec, false);
    case "T":
      return pad("int", spec, false);
    default:
      return badVerb(verb, n);
  }
  if (spec.prec !== undefined) {
    digits = digits.padStart(spec.prec, "0");
  }
  return pad(
    signed((neg ? "-" : "") + digits, spec),
    { ...spec, zero: spec.zero && spec.prec === undefined },
    true,
  );
}

function formatFloatVerb(x: number, verb: string, spec: Spec): string {
  let s: string;
  switch (verb) {
    case "v":
    case "g":
    case "G":
      s = formatFloat(x, verb === "G" ? "G" : "g", spec.prec ?? -1);
      break;
    case "e":
    case "E":
      s = formatFloat(x, verb, spec.prec ?? 6);
      break;
    case "f":
    case "F":
      s = formatFloat(x, "f", spec.prec ?? 6);
      break;
    case "T":
      return pad("float64", spec, false);
    default:
      return badVerb(verb, x);
  }
  // Infinities and NaN are padded with spaces, never zeros.
  return pad(signed(s, spec), Number.isFinite(x) ? spec : { ...spec, zero: false }, true);
}

function formatString(s: string, verb: string, spec: Spec): string {
  switch (verb) {
    case "s":
    case "v":
      return pad(spec.prec === undefined ? s : [...s].slice(0, spec.prec).join(""), spec, false);
    case "q":
      return pad(spec.sharp && !cannotBackquote(s) ? "`" + s + "`" : quote(s, spec.plus), spec, false);
    case "x":
    case "X": {
      const hex = [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, "0"));
      const joined = hex.join(spec.space ? " " : "");
      return pad(verb === "X" ? joined.toUpperCase() : joined, spec, false);
    }
    case "T":
      return pad("string", spec, false);
    default:
      return badVerb(verb, s);
  }
}

const QUOTE_ESCAPES: Record<string, string> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.Quote (ASCII-only with %+q). */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const esc = QUOTE_ESCAPES[ch];
    if (esc !== undefined) {
      out += esc;
    } else if (cp >= 0xd800 && cp < 0xe000) {
      out += "\\ufffd";
    } else if (cp < 0x80 ? cp >= 0x20 && cp < 0x7f : !asciiOnly && PRINTABLE.test(ch)) {
      out += ch;
    } else if (cp < 0x80) {
      out += `\\x${cp.toString(16).padStart(2, "0")}`;
    } else if (cp < 0x10000) {
      out += `\\u${cp.toString(16).padStart(4, "0")}`;
    } else {
      out += `\\U${cp.toString(16).padStart(8, "0")}`;
    }
  }
  return out + '"';
}

/** text/template's html: the five HTML specials as entities, NUL as U+FFFD. */
export function htmlEscape(s: string): string {
  return s.replace(HTML_SPECIALS, (c) =>
    c === "&"
      ? "&amp;"
      : c === "<"
        ? "&lt;"
        : c === ">"
          ? "&gt;"
          : c === '"'
            ? "&#34;"
            : c === "'"
              ? "&#39;"
              : "\uFFFD",
  );
}

/** text/template's js: JavaScript string escaping as Go's JSEscapeString. */
export function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case "\\":
        out += "\\\\";
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      case "<":
        out += "\\u003C";
        break;
      case ">":
        out += "\\u003E";
        break;
      case "&":
        out += "\\u0026";
        break;
      case "=":
        out += "\\u003D";
        break;
      default:
        if (cp < 0x20 || (cp >= 0x80 && !PRINTABLE.test(ch))) {
          out += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

/** Lone UTF-16 surrogates as U+FFFD, as Go sees invalid UTF-8 (encodeURIComponent would throw). */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\uFFFD");
}

/** Go's url.QueryEscape: unreserved characters kept, space as +, the rest %XX of its UTF-8. */
export function queryEscape(s: string): string {
  return encodeURIComponent(wellFormed(s))
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

// Built from code points: the lint forbids control characters in regex literals.
const HTML_SPECIALS = new RegExp(`[&<>"'${String.fromCharCode(0)}]`, "g");

/** strconv.CanBackquote's refusal: a backquote or a control character other than tab. */
function cannotBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === "`" || (cp < 0x20 && cp !== 9) || cp === 0x7f) {
      return true;
    }
  }
  return false;
}
