// Parses a Go text/template into its main tree and the templates it defines, with the grammar and
// the error messages of Go's text/template/parse (Tree.parse, pipeline, command, operand, term).
// Errors carry the offset of the token at fault; parseTemplate turns it into line:col.
import type { Arg, Command, Node, NumberValue, Pipe } from "./ast.js";
import { LexError, lex, type Token } from "./lexer.js";
import { GoStringError, goUnquote, goUnquoteChar } from "../go-strings.js";

export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

export type ParseLimits = { maxDepth: number };

export type ParsedTemplates = { main: Node[]; defines: Map<string, Node[]> };

/**
 * Parses `text`. `isFunction` says whether an identifier names a function; undefined accepts every
 * name and leaves unknown ones to fail at execution.
 */
export function parseTree(
  text: string,
  isFunction: ((name: string) => boolean) | undefined,
  limits: ParseLimits,
): ParsedTemplates {
  let tokens: Token[];
  try {
    tokens = lex(text);
  } catch (err) {
    if (err instanceof LexError) {
      throw new ParseError(err.message, err.pos);
    }
    throw err;
  }
  return new Parser(text, tokens, isFunction, limits).parse();
}

type End = { kind: "end" | "else"; pos: number };

/** A token as Go's item.String() shows it in "unexpected ..." messages. */
function describe(t: Token): string {
  if (t.type === "eof") {
    return "EOF";
  }
  if (t.type === "keyword") {
    return `<${t.text}>`;
  }
  if (t.type === "space") {
    return "space";
  }
  return t.text.length > 10 ? `${JSON.stringify(t.text.slice(0, 10))}...` : JSON.stringify(t.text);
}

class Parser {
  private i = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  private depth = 0;
  private readonly defines = new Map<string, Node[]>();

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly isFunction: ((name: string) => boolean) | undefined,
    private readonly limits: ParseLimits,
  ) {}

  parse(): ParsedTemplates {
    const main: Node[] = [];
    while (this.peek().type !== "eof") {
      if (this.peek().type === "leftDelim") {
        const save = this.i;
        this.next();
        const word = this.nextNonSpace();
        if (word.type === "keyword" && word.text === "define") {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if ("kind" in n && (n.kind === "end" || n.kind === "else")) {
        throw new ParseError(`unexpected {{${n.kind}}}`, n.pos);
      }
      main.push(n as Node);
    }
    return { main, defines: this.defines };
  }

  // --- tokens ---------------------------------------------------------------------------------

  private peek(): Token {
    return this.tokens[this.i] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) {
      this.i++;
    }
    return t;
  }

  private peekNonSpace(): Token {
    while (this.peek().type === "space") {
      this.next();
    }
    return this.peek();
  }

  private nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }

  private expect(type: Token["type"], context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) {
      this.unexpected(t, context);
    }
    return t;
  }

  private unexpected(t: Token, context: string): never {
    throw new ParseError(`unexpected ${describe(t)} in ${context}`, t.pos);
  }

  private enter(pos: number): void {
    if (++this.depth > this.limits.maxDepth) {
      throw new ParseError(`nesting deeper than ${this.limits.maxDepth} levels`, pos);
    }
  }

  // --- structure ------------------------------------------------------------------------------

  private parseDefinition(): void {
    const context = "define clause";
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== "string" && nameTok.type !== "rawString") {
      this.unexpected(nameTok, context);
    }
    const name = this.unquote(nameTok);
    this.expect("rightDelim", context);
    const savedVars = this.vars;
    this.vars = ["$"];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.kind !== "end") {
      throw new ParseError(`unexpected {{${end.kind}}} in ${context}`, end.pos);
    }
    this.addDefine(name, list, nameTok.pos);
  }

  private addDefine(name: string, list: Node[], pos: number): void {
    const existing = this.defines.get(name);
    // Go replaces an empty definition silently and refuses two non-empty ones.
    if (existing !== undefined && !isEmpty(existing) && !isEmpty(list)) {
      throw new ParseError(`template: multiple definition of template ${JSON.stringify(name)}`, pos);
    }
    if (existing === undefined || isEmpty(existing)) {
      this.defines.set(name, list);
    }
  }

  private itemList(): [Node[], End] {
    const list: Node[] = [];
    while (this.peekNonSpace().type !== "eof") {
      const n = this.textOrAction();
      if (n.kind === "end" || n.kind === "else") {
        return [list, n as End];
      }
      list.push(n as Node);
    }
    throw new ParseError("unexpected EOF", this.peek().pos);
  }

  private textOrAction(): Node | End {
    const t = this.nextNonSpace();
    if (t.type === "text") {
      return { kind: "text", pos: t.pos, text: t.text };
    }
    if (t.type === "leftDelim") {
      this.enter(t.pos);
      try {
        return this.action(t.pos);
      } finally {
        this.depth--;
      }
    }
    this.unexpected(t, "input");
  }

  private action(pos: number): Node | End {
    const t = this.peekNonSpace();
    if (t.type === "keyword") {
      this.next();
      switch (t.text) {
        case "block":
          return this.blockControl(t.pos);
        case "break":
        case "continue":
          return this.loopControl(t);
        case "else":
          return this.elseControl(t.pos);
        case "end":
          this.expect("rightDelim", "end");
          return { kind: "end", pos: t.pos };
        case "if":
        case "with":
        case "range":
          return this.control(t.text, t.pos);
        case "template":
          return this.templateControl(t.pos);
        default:
          this.unexpected(t, "command");
      }
    }
    return { kind: "action", pos, pipe: this.pipeline("command", "rightDelim") };
  }

  private loopControl(t: Token): Node {
    const close = this.nextNonSpace();
    if (close.type !== "rightDelim") {
      this.unexpected(close, `{{${t.text}}}`);
    }
    if (this.rangeDepth === 0) {
      throw new ParseError(`{{${t.text}}} outside {{range}}`, t.pos);
    }
    return { kind: t.text as "break" | "continue", pos: t.pos };
  }

  private elseControl(pos: number): End {
    const next = this.peekNonSpace();
    // "{{else if" and "{{else with": the keyword stays for the enclosing control to read.
    if (next.type === "keyword" && (next.text === "if" || next.text === "with")) {
      return { kind: "else", pos };
    }
    this.expect("rightDelim", "else");
    return { kind: "else", pos };
  }

  private control(context: "if" | "with" | "range", pos: number): Node {
    const varsBefore = this.vars.length;
    try {
      const pipe = this.pipeline(context, "rightDelim");
      if (context === "range") {
        this.rangeDepth++;
      }
      const [list, firstEnd] = this.itemList();
      let end = firstEnd;
      if (context === "range") {
        this.rangeDepth--;
      }
      let elseList: Node[] | undefined;
      if (end.kind === "else") {
        const next = this.peekNonSpace();
        if (context !== "range" && next.type === "keyword" && next.text === context) {
          this.next();
          elseList = [this.control(context, next.pos)];
        } else {
          [elseList, end] = this.itemList();
          if (end.kind !== "end") {
            throw new ParseError(`expected end; found {{${end.kind}}}`, end.pos);
          }
        }
      }
      return { kind: context, pos, pipe, list, elseList } as Node;
    } finally {
      this.vars.length = varsBefore;
    }
  }

  private templateName(t: Token, context: string): string {
    if (t.type !== "string" && t.type !== "rawString") {
      this.unexpected(t, context);
    }
    return this.unquote(t);
  }

  private templateControl(pos: number): Node {
    const context = "template clause";
    const name = this.templateName(this.nextNonSpace(), context);
    let pipe: Pipe | undefined;
    if (this.peekNonSpace().type !== "rightDelim") {
      pipe = this.pipeline(context, "rightDelim");
    } else {
      this.next();
    }
    return { kind: "template", pos, name, pipe };
  }

  private blockControl(pos: number): Node {
    const context = "block clause";
    const nameTok = this.nextNonSpace();
    const name = this.templateName(nameTok, context);
    const pipe = this.pipeline(context, "rightDelim");
    const savedVars = this.vars;
    this.vars = ["$"];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.kind !== "end") {
      throw new ParseError(`unexpected {{${end.kind}}} in ${context}`, end.pos);
    }
    this.addDefine(name, list, nameTok.pos);
    return { kind: "template", pos, name, pipe };
  }

  // --- pipelines ------------------------------------------------------------------------------

  private pipeline(context: string, end: "rightDelim" | "rightParen"): Pipe {
    const start = this.peekNonSpace().pos;
    const pipe: Pipe = { pos: start, source: "", decl: [], isAssign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context, t.pos);
        pipe.source = squash(this.text.slice(start, t.pos));
        return pipe;
      }
      switch (t.type) {
        case "bool":
        case "char":
        case "dot":
        case "field":
        case "identifier":
        case "number":
        case "nil":
        case "rawString":
        case "string":
        case "variable":
        case "leftParen":
          this.i--;
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private declarations(pipe: Pipe, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== "variable") {
        return;
      }
      const save = this.i;
      this.next();
      const op = this.peekNonSpace();
      if (op.type === "declare" || op.type === "assign") {
        this.next();
        pipe.isAssign = op.type === "assign";
        if (pipe.isAssign && !this.vars.includes(v.text)) {
          throw new ParseError(`undefined variable ${JSON.stringify(v.text)}`, v.pos);
        }
        pipe.decl.push(v.text);
        if (!pipe.isAssign) {
          this.vars.push(v.text);
        }
        return;
      }
      if (op.type === "comma") {
        this.next();
        if (context !== "range" || pipe.decl.length > 0) {
          throw new ParseError(`too many declarations in ${context}`, op.pos);
        }
        pipe.decl.push(v.text);
        this.vars.push(v.text);
        const second = this.peekNonSpace();
        if (second.type !== "variable") {
          throw new ParseError(
            `expected variable after comma in ${context}, found ${describe(second)}`,
            second.pos,
          );
        }
        continue;
      }
      if (pipe.decl.length > 0) {
        throw new ParseError(`expected := or = after ${pipe.decl[0]}, ${v.text} in ${context}`, op.pos);
      }
      this.i = save;
      return;
    }
  }

  private checkPipeline(pipe: Pipe, context: string, pos: number): void {
    if (pipe.cmds.length === 0) {
      throw new ParseError(`missing value for ${context}`, pos);
    }
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0];
      if (first !== undefined && ["bool", "dot", "nil", "number", "string"].includes(first.kind)) {
        throw new ParseError(`non executable command in pipeline stage ${i + 2}`, c.pos);
      }
    });
  }

  private command(): Command {
    const start = this.peekNonSpace().pos;
    const cmd: Command = { pos: start, source: "", args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) {
        cmd.args.push(operand);
      }
      const t = this.next();
      if (t.type === "space") {
        continue;
      }
      if (t.type === "rightDelim" || t.type === "rightParen") {
        this.i--;
      } else if (t.type !== "pipe") {
        this.unexpected(t, "operand");
      }
      cmd.source = squash(this.text.slice(start, t.pos));
      break;
    }
    if (cmd.args.length === 0) {
      throw new ParseError("empty command", start);
    }
    return cmd;
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (node === undefined || this.peek().type !== "field") {
      return node;
    }
    const fields: string[] = [];
    while (this.peek().type === "field") {
      fields.push(this.next().text.slice(1));
    }
    switch (node.kind) {
      case "field":
        return { ...node, ident: [...node.ident, ...fields] };
      case "variable":
        return { ...node, ident: [...node.ident, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot": {
        const shown = this.tokens[this.i - fields.length - 1]?.text ?? "";
        throw new ParseError(`unexpected . after term ${JSON.stringify(shown)}`, node.pos);
      }
      default:
        return { kind: "chain", pos: node.pos, node, ident: fields };
    }
  }

  private term(): Arg | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case "identifier":
        if (this.isFunction !== undefined && !this.isFunction(t.text)) {
          throw new ParseError(`function ${JSON.stringify(t.text)} not defined`, t.pos);
        }
        return { kind: "identifier", pos: t.pos, name: t.text };
      case "dot":
        return { kind: "dot", pos: t.pos };
      case "nil":
        return { kind: "nil", pos: t.pos };
      case "variable":
        if (!this.vars.includes(t.text)) {
          throw new ParseError(`undefined variable ${JSON.stringify(t.text)}`, t.pos);
        }
        return { kind: "variable", pos: t.pos, name: t.text, ident: [] };
      case "field":
        return { kind: "field", pos: t.pos, ident: [t.text.slice(1)] };
      case "bool":
        return { kind: "bool", pos: t.pos, value: t.text === "true" };
      case "char":
        return {
          kind: "number",
          pos: t.pos,
          text: t.text,
          value: { type: "int", int: BigInt(this.unquoteChar(t)) },
        };
      case "number":
        return { kind: "number", pos: t.pos, text: t.text, value: parseNumber(t) };
      case "leftParen": {
        this.enter(t.pos);
        try {
          return { kind: "pipe", pos: t.pos, pipe: this.pipeline("parenthesized pipeline", "rightParen") };
        } finally {
          this.depth--;
        }
      }
      case "string":
      case "rawString":
        return { kind: "string", pos: t.pos, value: this.unquote(t) };
      default:
        this.i--;
        return undefined;
    }
  }

  private unquote(t: Token): string {
    try {
      // Go strings are bytes; escaped bytes that are not UTF-8 print as U+FFFD.
      return goUnquote(t.text, { invalidUtf8: "replace" });
    } catch (e) {
      throw new ParseError(`invalid syntax in quoted string ${t.text}: ${errorReason(e)}`, t.pos);
    }
  }

  private unquoteChar(t: Token): number {
    try {
      return goUnquoteChar(t.text);
    } catch (e) {
      throw new ParseError(`malformed character constant: ${t.text}: ${errorReason(e)}`, t.pos);
    }
  }
}

function errorReason(e: unknown): string {
  if (e instanceof GoStringError) {
    return e.reason;
  }
  throw e;
}

function isEmpty(list: Node[]): boolean {
  return list.every((n) => n.kind === "text" && n.text.trim() === "");
}

function squash(s: string): string {
  return s.trim().replace(/\s+/g, " ");
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Types a number as Go's idealConstant does: a float when it has . e or p, else an int64. */
function parseNumber(t: Token): NumberValue {
  const text = t.text;
  if (text.endsWith("i")) {
    throw new ParseError(`complex constant ${text} is not supported`, t.pos);
  }
  const neg = text.startsWith("-");
  const body = text.replace(/^[+-]/, "").replaceAll("_", "");
  const isHex = /^0[xX]/.test(body);
  const isFloat = isHex ? /[.pP]/.test(body) : /[.eE]/.test(body);
  if (isFloat) {
    const f = isHex ? parseHexFloat(body) : Number(body);
    if (f === undefined || !Number.isFinite(f)) {
      throw new ParseError(`illegal number syntax: ${JSON.stringify(text)}`, t.pos);
    }
    return { type: "float", float: neg ? -f : f };
  }
  let int: bigint;
  if (/^0[0-7]+$/.test(body)) {
    int = BigInt(`0o${body.slice(1)}`);
  } else if (/^0[0-9]+$/.test(body)) {
    throw new ParseError(`illegal number syntax: ${JSON.stringify(text)}`, t.pos);
  } else {
    try {
      int = BigInt(body);
    } catch {
      throw new ParseError(`illegal number syntax: ${JSON.stringify(text)}`, t.pos);
    }
  }
  int = neg ? -int : int;
  return int < INT64_MIN || int > INT64_MAX ? { type: "overflow" } : { type: "int", int };
}

function parseHexFloat(body: string): number | undefined {
  const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(body);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) {
    return undefined;
  }
  const frac = m[2] ?? "";
  const mantissa = parseInt((m[1] ?? "") + frac || "0", 16);
  return mantissa * 2 ** (Number(m[3]) - 4 * frac.length);
}
