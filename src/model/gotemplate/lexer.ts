// Splits a Go text/template into tokens as Go's text/template/parse lexer does: text between
// actions, and inside {{ }} the words of a pipeline; "{{- " and " -}}" trim the whitespace beside
// the action, comments {{/* */}} vanish. A malformed template ends in a LexError at its offset.

export type TokenType =
  | "text"
  | "leftDelim"
  | "rightDelim"
  | "space"
  | "identifier"
  | "keyword"
  | "field"
  | "variable"
  | "dot"
  | "string"
  | "rawString"
  | "char"
  | "number"
  | "bool"
  | "nil"
  | "pipe"
  | "declare"
  | "assign"
  | "leftParen"
  | "rightParen"
  | "comma"
  | "eof";

export type Token = { readonly type: TokenType; readonly pos: number; readonly text: string };

export class LexError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const KEYWORDS = new Set([
  "block",
  "break",
  "continue",
  "define",
  "else",
  "end",
  "if",
  "range",
  "template",
  "with",
]);

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isAlphaNumeric = (c: string | undefined) =>
  c !== undefined && (c === "_" || /^[\p{L}\p{Nd}]$/u.test(c));

/** A rune as Go's %#U prints it: U+0041 'A', or just U+00A0 when it is not printable. */
export function describeRune(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c) || c === " " ? `${hex} '${c}'` : hex;
}

export function lex(input: string): Token[] {
  return new Lexer(input).run();
}

class Lexer {
  private pos = 0;
  private readonly tokens: Token[] = [];
  private parenDepth = 0;

  constructor(private readonly input: string) {}

  run(): Token[] {
    while (this.pos < this.input.length) {
      this.lexText();
    }
    this.tokens.push({ type: "eof", pos: this.input.length, text: "" });
    return this.tokens;
  }

  private lexText(): void {
    const start = this.pos;
    const open = this.input.indexOf("{{", this.pos);
    const end = open < 0 ? this.input.length : open;
    let text = this.input.slice(start, end);
    let trimLeft = false;
    if (open >= 0 && this.input[open + 2] === "-" && isSpace(this.input[open + 3])) {
      trimLeft = true;
      text = text.replace(/[ \t\r\n]+$/, "");
    }
    if (text.length > 0) {
      this.tokens.push({ type: "text", pos: start, text });
    }
    if (open < 0) {
      this.pos = this.input.length;
      return;
    }
    this.pos = open + 2 + (trimLeft ? 2 : 0);
    // A comment: "{{/*" (or "{{- /*") up to "*/}}" (or "*/ -}}"), nothing else in the action.
    if (this.input.startsWith("/*", this.pos)) {
      this.lexComment(open);
      return;
    }
    this.tokens.push({ type: "leftDelim", pos: open, text: "{{" });
    this.parenDepth = 0;
    this.lexInsideAction();
  }

  private lexComment(open: number): void {
    const close = this.input.indexOf("*/", this.pos + 2);
    if (close < 0) {
      throw new LexError("unclosed comment", open);
    }
    this.pos = close + 2;
    const trimRight = this.atTrimmedRightDelim();
    if (!trimRight && !this.input.startsWith("}}", this.pos)) {
      throw new LexError("comment ends before closing delimiter", this.pos);
    }
    this.pos += trimRight ? 4 : 2;
    if (trimRight) {
      this.skipSpace();
    }
  }

  private atTrimmedRightDelim(): boolean {
    return (
      isSpace(this.input[this.pos]) &&
      this.input[this.pos + 1] === "-" &&
      this.input.startsWith("}}", this.pos + 2)
    );
  }

  private skipSpace(): void {
    while (isSpace(this.input[this.pos])) {
      this.pos++;
    }
  }

  private emit(type: TokenType, start: number): void {
    this.tokens.push({ type, pos: start, text: this.input.slice(start, this.pos) });
  }

  private lexInsideAction(): void {
    const input = this.input;
    for (;;) {
      const start = this.pos;
      if (this.atTrimmedRightDelim()) {
        this.closeAction(start, 4);
        this.skipSpace();
        return;
      }
      if (input.startsWith("}}", this.pos)) {
        this.closeAction(start, 2);
        return;
      }
      const c = input[this.pos];
      if (c === undefined) {
        throw new LexError("unclosed action", start);
      }
      if (isSpace(c)) {
        this.skipSpace();
        // " -}}" closes with a trim marker: leave its space for the check above (Go's lexSpace).
        if (input[this.pos] === "-" && input.startsWith("}}", this.pos + 1)) {
          this.pos--;
          if (this.pos === start) {
            continue;
          }
        }
        this.emit("space", start);
      } else if (c === "=") {
        this.pos++;
        this.emit("assign", start);
      } else if (c === ":") {
        if (input[this.pos + 1] !== "=") {
          throw new LexError("expected :=", start);
        }
        this.pos += 2;
        this.emit("declare", start);
      } else if (c === "|") {
        this.pos++;
        this.emit("pipe", start);
      } else if (c === '"') {
        this.lexQuote();
      } else if (c === "`") {
        const close = input.indexOf("`", this.pos + 1);
        if (close < 0) {
          throw new LexError("unterminated raw quoted string", start);
        }
        this.pos = close + 1;
        this.emit("rawString", start);
      } else if (c === "'") {
        this.lexChar();
      } else if (c === "$") {
        this.pos++;
        this.scanWord();
        this.emit("variable", start);
      } else if (c === "." && !/[0-9]/.test(input[this.pos + 1] ?? "")) {
        this.pos++;
        if (isAlphaNumeric(input[this.pos])) {
          this.scanWord();
          this.emit("field", start);
        } else {
          this.emit("dot", start);
        }
      } else if (c === "." || c === "+" || c === "-" || /[0-9]/.test(c)) {
        this.lexNumber();
      } else if (isAlphaNumeric(c)) {
        this.scanWord();
        const word = input.slice(start, this.pos);
        this.emit(
          KEYWORDS.has(word)
            ? "keyword"
            : word === "true" || word === "false"
              ? "bool"
              : word === "nil"
                ? "nil"
                : "identifier",
          start,
        );
      } else if (c === "(") {
        this.pos++;
        this.parenDepth++;
        this.emit("leftParen", start);
      } else if (c === ")") {
        this.pos++;
        this.parenDepth--;
        if (this.parenDepth < 0) {
          throw new LexError("unexpected right paren", start);
        }
        this.emit("rightParen", start);
      } else if (c === ",") {
        this.pos++;
        this.emit("comma", start);
      } else {
        const rune = String.fromCodePoint(input.codePointAt(this.pos) ?? 0);
        throw new LexError(`unrecognized character in action: ${describeRune(rune)}`, start);
      }
    }
  }

  private closeAction(start: number, width: number): void {
    if (this.parenDepth > 0) {
      throw new LexError("unclosed left paren", start);
    }
    this.pos += width;
    this.tokens.push({ type: "rightDelim", pos: start, text: "}}" });
  }

  private scanWord(): void {
    while (isAlphaNumeric(this.input[this.pos])) {
      this.pos++;
    }
  }

  private lexQuote(): void {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined || c === "\n") {
        throw new LexError("unterminated quoted string", start);
      }
      this.pos++;
      if (c === "\\") {
        if (this.input[this.pos] === undefined || this.input[this.pos] === "\n") {
          throw new LexError("unterminated quoted string", start);
        }
        this.pos++;
      } else if (c === '"') {
        break;
      }
    }
    this.emit("string", start);
  }

  private lexChar(): void {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined || c === "\n") {
        throw new LexError("unterminated character constant", start);
      }
      this.pos++;
      if (c === "\\") {
        if (this.input[this.pos] === undefined || this.input[this.pos] === "\n") {
          throw new LexError("unterminated character constant", start);
        }
        this.pos++;
      } else if (c === "'") {
        break;
      }
    }
    this.emit("char", start);
  }

  private lexNumber(): void {
    const start = this.pos;
    const m = NUMBER.exec(this.input.slice(this.pos, this.pos + 1024));
    const len = m?.[0].length ?? 0;
    this.pos += len;
    if (
      len === 0 ||
      !/[0-9]/.test(m?.[0] ?? "") ||
      isAlphaNumeric(this.input[this.pos]) ||
      this.input[this.pos] === "."
    ) {
      if (isAlphaNumeric(this.input[this.pos]) || this.input[this.pos] === ".") {
        this.pos++;
      }
      throw new LexError(
        `bad number syntax: ${JSON.stringify(this.input.slice(start, Math.max(this.pos, start + 1)))}`,
        start,
      );
    }
    this.emit("number", start);
  }
}

// Go's number syntax (scanNumber): an optional sign, then a hex, octal, binary or decimal integer or
// float with "_" digit separators, and an optional imaginary "i" (rejected later by the parser).
const NUMBER =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])*(?:\.(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?(?:[pP][+-]?[0-9](?:_?[0-9])*)?|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*)?(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?)i?/;
