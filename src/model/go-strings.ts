// Go string literals read back (strconv.Unquote, strconv.UnquoteChar): the one implementation for
// PromQL's strings (Prometheus's strutil.Unquote is Go's with single quotes as a second string
// quote), Alertmanager's quoted matcher values and Go text/template's strings and characters.
// Go strings are bytes and JavaScript strings UTF-16, so the one choice left to each caller is what
// escaped bytes that do not form UTF-8 become (see InvalidUtf8).

/** A literal Go would refuse, with where: `offset` indexes the literal (its opening quote is 0). */
export class GoStringError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = "GoStringError";
  }
}

/**
 * Escaped bytes (\xNN, \NNN) that do not form UTF-8, and lone surrogates in the text:
 * - "error": refused, as Go's Unquote refuses such text where a caller needs valid UTF-8
 *   (Alertmanager's matcher parser);
 * - "replace": each bad sequence becomes U+FFFD, as printing Go's bytes as UTF-8 shows them;
 * - "keep": a run of escaped bytes that is not UTF-8 keeps each byte above 0x7F as the lone
 *   surrogate U+DC00+byte (lone surrogates in the text stay), so a later UTF-8 validity check
 *   (PromQL's label values) can still see and name them.
 */
export type InvalidUtf8 = "error" | "replace" | "keep";

export type UnquoteOptions = {
  /** The quotes that delimit a string: Go's are " and `; PromQL adds '. Default '"`'. */
  quotes?: string;
  invalidUtf8?: InvalidUtf8;
  /** Go drops carriage returns from raw strings; Prometheus's copy of Unquote keeps them. */
  keepRawCarriageReturns?: boolean;
};

/** Go's one-letter escapes and the byte each stands for. */
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  "\\": 0x5c,
};

const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
const HEX = /^[0-9a-fA-F]+$/;
const OCTAL = /^[0-7]{3}$/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/** One escape read: a byte (\x, octal, one-letter, quote) or a code point (\u, \U), and its length. */
type Escape = { byte: number; length: number } | { codePoint: number; length: number };

/**
 * Reads the escape whose backslash is at `at` in `literal`, inside a literal quoted with `quote`
 * whose closing quote is at `close`: only that quote may be escaped (Go's UnquoteChar), and never
 * the closing one. Throws GoStringError naming the fault.
 */
function readEscape(literal: string, at: number, quote: string, close: number): Escape {
  if (at + 1 >= close) {
    throw new GoStringError("missing closing quote", literal.length);
  }
  const e = literal[at + 1] as string;
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) {
    return { byte: simple, length: 2 };
  }
  if (e === "'" || e === '"') {
    if (e !== quote) {
      throw new GoStringError(`\\${e} is not an escape inside ${quote}...${quote}`, at);
    }
    return { byte: e.charCodeAt(0), length: 2 };
  }
  const digits = HEX_DIGITS[e];
  if (digits !== undefined) {
    const h = literal.slice(at + 2, Math.min(at + 2 + digits, close));
    if (h.length !== digits || !HEX.test(h)) {
      throw new GoStringError(`\\${e} needs ${digits} hex digits`, at);
    }
    const v = parseInt(h, 16);
    if (e === "x") {
      return { byte: v, length: 2 + digits };
    }
    if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) {
      throw new GoStringError(`\\${e}${h} is not a Unicode code point`, at);
    }
    return { codePoint: v, length: 2 + digits };
  }
  if (e >= "0" && e <= "7") {
    const o = literal.slice(at + 1, Math.min(at + 4, close));
    if (!OCTAL.test(o)) {
      throw new GoStringError("octal escape needs 3 digits", at);
    }
    const v = parseInt(o, 8);
    if (v > 255) {
      throw new GoStringError(`octal escape \\${o} is above \\377`, at);
    }
    return { byte: v, length: 4 };
  }
  throw new GoStringError(`unknown escape \\${e}`, at);
}

/** A UTF-16 surrogate without its partner: text no UTF-8 encoding can hold. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text between escapes: checked or mended for lone surrogates as `mode` says. */
function textRun(run: string, at: number, mode: InvalidUtf8): string {
  if (mode === "keep") {
    return run;
  }
  LONE_SURROGATE.lastIndex = 0;
  const lone = LONE_SURROGATE.exec(run);
  if (lone === null) {
    return run;
  }
  if (mode === "replace") {
    return run.replace(LONE_SURROGATE, "\uFFFD");
  }
  throw new GoStringError("invalid UTF-8", at + lone.index);
}

/** Escaped bytes as text, as `mode` says when they are not UTF-8. */
function decodeBytes(bytes: number[], at: number, mode: InvalidUtf8): string {
  const u8 = Uint8Array.from(bytes);
  if (mode === "replace") {
    return lenientUtf8.decode(u8);
  }
  try {
    return strictUtf8.decode(u8);
  } catch {
    if (mode === "error") {
      throw new GoStringError("escaped bytes are not UTF-8", at);
    }
    return bytes.map((b) => String.fromCharCode(b < 0x80 ? b : 0xdc00 + b)).join("");
  }
}

/**
 * Go's strconv.Unquote: `literal` with its quotes; \a \b \f \n \r \t \v \\ \xNN \NNN \uNNNN
 * \UNNNNNNNN and the escaped quote of the literal; no newline and no unescaped quote inside; raw
 * (back-quoted) strings taken as they are. Throws GoStringError naming the fault and its offset.
 */
export function goUnquote(literal: string, options: UnquoteOptions = {}): string {
  const quotes = options.quotes ?? '"`';
  const mode = options.invalidUtf8 ?? "error";
  const q = literal[0];
  if (q === undefined || !quotes.includes(q)) {
    throw new GoStringError(`a string starts with one of ${[...quotes].join(" ")}`, 0);
  }
  if (literal.length < 2 || literal[literal.length - 1] !== q) {
    throw new GoStringError("missing closing quote", literal.length);
  }
  const end = literal.length - 1;
  if (q === "`") {
    const inner = literal.indexOf("`", 1);
    if (inner !== end) {
      throw new GoStringError("` inside a raw string", inner);
    }
    const body = literal.slice(1, end);
    return options.keepRawCarriageReturns ? body : body.replaceAll("\r", "");
  }
  let out = "";
  const bytes: number[] = [];
  let bytesAt = 0;
  const flushBytes = () => {
    if (bytes.length > 0) {
      out += decodeBytes(bytes, bytesAt, mode);
      bytes.length = 0;
    }
  };
  let i = 1;
  while (i < end) {
    const c = literal[i] as string;
    if (c === "\\") {
      const e = readEscape(literal, i, q, end);
      if ("byte" in e) {
        if (bytes.length === 0) {
          bytesAt = i;
        }
        bytes.push(e.byte);
      } else {
        flushBytes();
        out += String.fromCodePoint(e.codePoint);
      }
      i += e.length;
      continue;
    }
    // The whole run up to the next escape at once: appending char by char left a rope of one V8
    // string per character (a 100 KB PromQL label value held 3 MB in the parse cache).
    let stop = i;
    while (stop < end && literal[stop] !== "\\" && literal[stop] !== q && literal[stop] !== "\n") {
      stop++;
    }
    if (stop === i) {
      throw new GoStringError(
        c === "\n" ? "newline in a quoted string" : `unescaped ${q} inside the string`,
        i,
      );
    }
    flushBytes();
    out += textRun(literal.slice(i, stop), i, mode);
    i = stop;
  }
  flushBytes();
  return out;
}

/**
 * Go's character literal ('x', '\n', '\x41', '\u00e9'): its code point. As strconv.UnquoteChar,
 * \xNN and \NNN give the byte's value itself (so '\xff' is 255, not U+FFFD). Throws GoStringError.
 */
export function goUnquoteChar(literal: string): number {
  if (literal.length < 3 || literal[0] !== "'" || literal[literal.length - 1] !== "'") {
    throw new GoStringError("a character literal is one character between single quotes", 0);
  }
  let value: number;
  let length: number;
  if (literal[1] === "\\") {
    const e = readEscape(literal, 1, "'", literal.length - 1);
    value = "byte" in e ? e.byte : e.codePoint;
    length = e.length;
  } else {
    const cp = literal.codePointAt(1) as number;
    if (literal[1] === "'" || literal[1] === "\n") {
      throw new GoStringError(
        literal[1] === "'" ? "empty character literal" : "newline in a character literal",
        1,
      );
    }
    // A lone surrogate is not a character; Go's decoder reads such bytes as U+FFFD.
    value = cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp;
    length = cp > 0xffff ? 2 : 1;
  }
  if (1 + length !== literal.length - 1) {
    throw new GoStringError("more than one character in a character literal", 1 + length);
  }
  return value;
}
