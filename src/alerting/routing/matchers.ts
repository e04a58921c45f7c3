// Alertmanager's label matchers: `{a="b", c=~"d"}` or bare `a=b,c!~d`, parsed as Alertmanager does by
// default ("fallback" mode of matcher/compat): the classic parser's result wins whenever it succeeds,
// the UTF-8 parser's when only it succeeds, and when both fail the classic parser's error is reported.
import type { LineopsError } from "../../errors.js";
import type { Labels, Matcher, MatchType } from "../../model/labels.js";
import { quote } from "../../model/gotemplate/fmt.js";
import { goUnquote } from "../../model/go-strings.js";
import { compileRegex, type Regex } from "../../model/regexp.js";
import { AlertingErrors } from "../errors.js";

/** A parsed matcher: the plain Matcher of model/labels plus its compiled test. */
export type LabelMatcher = Matcher & {
  /** Whether a label value (the empty string for an absent label) satisfies the matcher. */
  matches(value: string): boolean;
};

/** Builds a matcher; regexes are anchored as Alertmanager's `^(?:re)$`. Throws LINEOPS_ERR_INVALID_REGEX. */
export function newMatcher(type: MatchType, name: string, value: string): LabelMatcher {
  if (type === "=") {
    return { type, name, value, matches: (v) => v === value };
  }
  if (type === "!=") {
    return { type, name, value, matches: (v) => v !== value };
  }
  const re = compileAlertmanagerRegex(value);
  return type === "=~"
    ? { type, name, value, matches: (v) => re.matches(v) }
    : { type, name, value, matches: (v) => !re.matches(v) };
}

/**
 * model/regexp anchors as Prometheus does, `^(?s:re)$`; Alertmanager compiles `^(?:re)$`, where "."
 * does not match a newline. A pattern without "." means the same either way and keeps the fast paths.
 */
function compileAlertmanagerRegex(value: string): Regex {
  return compileRegex(value.includes(".") ? `(?-s:${value})` : value);
}

/** Every matcher holds for the label set (an absent label reads as ""), as Alertmanager's Matchers.Matches. */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  return matchers.every((m) => m.matches(labels[m.name] ?? ""));
}

/** Alertmanager's matcher order: by name, then value, then type (= != =~ !~). */
export function compareMatchers(a: Matcher, b: Matcher): number {
  if (a.name !== b.name) {
    return a.name < b.name ? -1 : 1;
  }
  if (a.value !== b.value) {
    return a.value < b.value ? -1 : 1;
  }
  return TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type);
}
const TYPE_ORDER: readonly MatchType[] = ["=", "!=", "=~", "!~"];

/** A matcher as Alertmanager prints it: `name="value"`, or both quoted when the name needs it. */
export function formatMatcher(m: Matcher): string {
  if ([...m.name].some(isReserved)) {
    return `${goQuote(m.name)}${m.type}${goQuote(m.value)}`;
  }
  return `${m.name}${m.type}"${m.value.replace(/[\\\n"]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))}"`;
}

/** `{a="b",c=~"d"}` as Alertmanager's Matchers.String() (in the order given). */
export function formatMatchers(ms: readonly Matcher[]): string {
  return `{${ms.map(formatMatcher).join(",")}}`;
}

/**
 * Parses a matcher list as Alertmanager's config, API and amtool do (default fallback mode).
 * Throws LINEOPS_ERR_ALERTING_MATCHER_INVALID with the parser's message (e.g. `bad matcher format: x`).
 */
export function parseMatchers(text: string): LabelMatcher[] {
  let classicError: unknown;
  try {
    return parseClassicMatchers(text);
  } catch (e) {
    classicError = e;
  }
  try {
    return parseUtf8Matchers(text);
  } catch {
    throw invalid(errorText(classicError), classicError);
  }
}

function invalid(message: string, cause?: unknown): LineopsError {
  return AlertingErrors.invalidMatcher(message, { cause });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- The classic parser (pkg/labels/parse.go) ----

// Go's \s is ASCII whitespace without \v; the name is a classic Prometheus label name.
const CLASSIC_MATCHER =
  /^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*([\s\S]*?)[\t\n\f\r ]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Classic parser: one "{", one "}" stripped, split on commas outside double quotes. */
export function parseClassicMatchers(text: string): LabelMatcher[] {
  let s = text.startsWith("{") ? text.slice(1) : text;
  s = s.endsWith("}") ? s.slice(0, -1) : s;
  const tokens: string[] = [];
  let insideQuotes = false;
  let escaped = false;
  let token = "";
  for (const c of s) {
    if (c === "," && !insideQuotes) {
      tokens.push(token);
      token = "";
      continue;
    }
    if (c === '"') {
      if (!escaped) {
        insideQuotes = !insideQuotes;
      } else {
        escaped = false;
      }
    } else if (c === "\\") {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  const last = token.replace(GO_TRIM_SPACE, "");
  if (last !== "") {
    tokens.push(last);
  }
  return tokens.map(parseClassicMatcher);
}

/** Classic parser for one `name op value`; a value may be quoted, `\n` `\"` `\\` are its escapes. */
export function parseClassicMatcher(text: string): LabelMatcher {
  const m = CLASSIC_MATCHER.exec(text);
  if (m === null) {
    throw new Error(`bad matcher format: ${text}`);
  }
  const [, name, op, raw] = m as unknown as [string, string, MatchType, string];
  let rawValue = raw;
  let expectTrailingQuote = false;
  if (rawValue.startsWith('"')) {
    rawValue = rawValue.slice(1);
    expectTrailingQuote = true;
  }
  if (LONE_SURROGATE.test(rawValue)) {
    throw new Error(`matcher value not valid UTF-8: ${raw}`);
  }
  let value = "";
  let escaped = false;
  for (let i = 0; i < rawValue.length; i++) {
    const c = rawValue[i] as string;
    if (escaped) {
      escaped = false;
      value += c === "n" ? "\n" : c === '"' || c === "\\" ? c : `\\${c}`;
      continue;
    }
    if (c === "\\") {
      if (i < rawValue.length - 1) {
        escaped = true;
        continue;
      }
      value += "\\";
    } else if (c === '"') {
      if (!expectTrailingQuote || i < rawValue.length - 1) {
        throw new Error(`matcher value contains unescaped double quote: ${raw}`);
      }
      expectTrailingQuote = false;
    } else {
      value += c;
    }
  }
  if (expectTrailingQuote) {
    throw new Error(`matcher value contains unescaped double quote: ${raw}`);
  }
  return newMatcher(op, name, value);
}

// ---- The UTF-8 parser (matcher/parse): a lexer of runes with column positions ----

/** Go's unicode.IsSpace (JavaScript's \s adds U+FEFF and lacks U+0085). */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
const GO_TRIM_SPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function isReserved(c: string): boolean {
  return GO_SPACE.test(c) || "{}!=~,\\\"'`".includes(c);
}

type Kind = "eof" | "{" | "}" | "," | "=" | "!=" | "=~" | "!~" | "quoted" | "unquoted";
type Position = { offsetStart: number; offsetEnd: number; columnStart: number; columnEnd: number };
type Token = Position & { kind: Kind; value: string };

const END_OF_INPUT = new Error("end of input");

class Lexer {
  private err: Error | undefined;
  private start = 0;
  private pos = 0;
  private width = 0;
  private column = 0;
  private cols = 0;

  constructor(readonly input: string) {}

  position(): Position {
    return { offsetStart: this.start, offsetEnd: this.pos, columnStart: this.column, columnEnd: this.cols };
  }

  scan(): Token {
    if (this.err !== undefined) {
      throw this.err;
    }
    for (let c = this.next(); c !== undefined; c = this.next()) {
      if (c === "{" || c === "}" || c === ",") {
        return this.emit(c);
      }
      if (c === "=" || c === "!") {
        this.rewind();
        return this.guard(() => this.scanOperator());
      }
      if (c === '"') {
        this.rewind();
        return this.guard(() => this.scanQuoted());
      }
      if (!isReserved(c)) {
        this.rewind();
        return this.scanUnquoted();
      }
      if (GO_SPACE.test(c)) {
        this.start = this.pos;
        this.column = this.cols;
        continue;
      }
      this.err = new Error(`${this.located()}: invalid input`);
      throw this.err;
    }
    return { kind: "eof", value: "", ...this.position() };
  }

  /** Scans without consuming. A lexer error stays, as upstream's peek keeps it. */
  peek(): Token {
    const saved = [this.start, this.pos, this.width, this.column, this.cols] as const;
    try {
      return this.scan();
    } finally {
      [this.start, this.pos, this.width, this.column, this.cols] = saved;
    }
  }

  private guard(scan: () => Token): Token {
    try {
      return scan();
    } catch (e) {
      this.err = e as Error;
      throw e;
    }
  }

  private located(): string {
    const p = this.position();
    return `${p.columnStart}:${p.columnEnd}: ${this.input.slice(p.offsetStart, p.offsetEnd)}`;
  }

  private expectedError(expected: string): Error {
    const p = this.position();
    return p.offsetEnd >= this.input.length
      ? new Error(`${p.columnStart}:${p.columnEnd}: unexpected end of input, expected one of '${expected}'`)
      : new Error(`${this.located()}: expected one of '${expected}'`);
  }

  private scanOperator(): Token {
    if (this.accept("!")) {
      if (this.accept("=")) {
        return this.emit("!=");
      }
      if (this.accept("~")) {
        return this.emit("!~");
      }
      throw this.expectedError("=~");
    }
    if (this.accept("=")) {
      return this.accept("~") ? this.emit("=~") : this.emit("=");
    }
    throw this.expectedError("!=");
  }

  private scanQuoted(): Token {
    if (!this.accept('"')) {
      throw this.expectedError('"');
    }
    let escaped = false;
    for (let c = this.next(); c !== undefined; c = this.next()) {
      if (escaped) {
        escaped = false;
      } else if (c === "\\") {
        escaped = true;
      } else if (c === '"') {
        this.rewind();
        break;
      }
    }
    if (!this.accept('"')) {
      throw new Error(`${this.located()}: missing end "`);
    }
    return this.emit("quoted");
  }

  private scanUnquoted(): Token {
    for (let c = this.next(); c !== undefined; c = this.next()) {
      if (isReserved(c)) {
        this.rewind();
        break;
      }
    }
    return this.emit("unquoted");
  }

  private accept(valid: string): boolean {
    const c = this.next();
    if (c !== undefined && valid.includes(c)) {
      return true;
    }
    this.rewind();
    return false;
  }

  private emit(kind: Kind): Token {
    const t: Token = { kind, value: this.input.slice(this.start, this.pos), ...this.position() };
    this.start = this.pos;
    this.column = this.cols;
    return t;
  }

  private next(): string | undefined {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return undefined;
    }
    const cp = this.input.codePointAt(this.pos) as number;
    this.width = cp > 0xffff ? 2 : 1;
    this.pos += this.width;
    this.cols++;
    return String.fromCodePoint(cp);
  }

  private rewind(): void {
    this.pos -= this.width;
    if (this.width > 0) {
      this.cols--;
    }
  }
}

function wrap(e: unknown, what: string): Error {
  return new Error(`${errorText(e)}: ${what}`);
}

/** The UTF-8 parser: any UTF-8 label name, values quoted with Go string escapes or bare. */
export function parseUtf8Matchers(input: string): LabelMatcher[] {
  const l = new Lexer(input);
  const out: LabelMatcher[] = [];
  const expectPeek = (...kinds: Kind[]): Token => {
    const t = l.peek();
    if (t.kind === "eof") {
      throw END_OF_INPUT;
    }
    if (!kinds.includes(t.kind)) {
      throw new Error(`${t.columnStart}:${t.columnEnd}: unexpected ${t.value}`);
    }
    return t;
  };
  const expect = (...kinds: Kind[]): Token => {
    const t = expectPeek(...kinds);
    l.scan();
    return t;
  };
  const unquote = (t: Token): string => {
    if (t.kind !== "quoted") {
      return t.value;
    }
    try {
      return goUnquote(t.value, { quotes: '"' });
    } catch (e) {
      // Alertmanager's words for any fault Go's strconv.Unquote finds.
      throw new Error(`${t.columnStart}:${t.columnEnd}: ${t.value}: invalid input`, { cause: e });
    }
  };

  let hasOpenBrace = false;
  const first = l.peek();
  if (first.kind === "eof") {
    return parseEnd(l, out);
  }
  if (first.kind === "{") {
    hasOpenBrace = true;
    l.scan();
  }
  let state: "matcher" | "close" = l.peek().kind === "eof" || l.peek().kind === "}" ? "close" : "matcher";
  while (state === "matcher") {
    let t: Token;
    try {
      t = expect("quoted", "unquoted");
    } catch (e) {
      throw wrap(e, "expected label name");
    }
    const name = unquote(t);
    let op: Token;
    try {
      op = expect("=", "!=", "=~", "!~");
    } catch (e) {
      throw wrap(e, "expected an operator such as '=', '!=', '=~' or '!~'");
    }
    try {
      t = expect("unquoted", "quoted");
    } catch (e) {
      throw wrap(e, "expected label value");
    }
    const value = unquote(t);
    try {
      out.push(newMatcher(op.kind as MatchType, name, value));
    } catch (e) {
      throw new Error(`failed to create matcher: ${errorText(e)}`, { cause: e });
    }
    // End of a matcher: a comma (and maybe another matcher), a close brace, or the end.
    let end: Token;
    try {
      end = expectPeek(",", "}");
    } catch (e) {
      if (e === END_OF_INPUT) {
        break;
      }
      throw wrap(e, "expected a comma or close brace");
    }
    if (end.kind === "}") {
      break;
    }
    l.scan();
    try {
      const after = expectPeek("}", "unquoted", "quoted");
      state = after.kind === "}" ? "close" : "matcher";
    } catch (e) {
      if (e === END_OF_INPUT) {
        break;
      }
      throw wrap(e, "expected a matcher or close brace after comma");
    }
  }
  // Close brace: required after an open brace, refused without one.
  if (hasOpenBrace) {
    try {
      expect("}");
    } catch (e) {
      throw new Error(`0:${l.position().columnEnd}: ${errorText(e)}: expected close brace`);
    }
  } else {
    let closed = false;
    try {
      expect("}");
      closed = true;
    } catch {
      // no brace to refuse
    }
    if (closed) {
      throw new Error(`0:${l.position().columnEnd}: }: expected opening brace`);
    }
  }
  return parseEnd(l, out);
}

function parseEnd(l: Lexer, out: LabelMatcher[]): LabelMatcher[] {
  let t: Token;
  try {
    t = l.scan();
  } catch (e) {
    throw wrap(e, "expected end of input");
  }
  if (t.kind !== "eof") {
    throw new Error(`${t.columnStart}:${t.columnEnd}: ${t.value}: expected end of input`);
  }
  return out;
}

/** Go's strconv.Quote for the names and values Alertmanager prints quoted (the one in model/gotemplate). */
export const goQuote = (s: string): string => quote(s);
