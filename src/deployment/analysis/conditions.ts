// The successCondition / failureCondition language of analysis metrics: a small, safe subset of
// expr-lang (what Argo Rollouts evaluates), compiled once and evaluated on a measurement's values.
//
//   result            the query's values; where a number is expected, its first value
//   result[i]         the i-th value (negative counts from the end)
//   1  0.5  1e-3  NaN  Inf  true  false
//   + - * / %   < <= > >= == !=   && and  || or  ! not   ( )
//   isNaN(x) isInf(x) abs(x) len(a) min(a) max(a) sum(a) mean(a) median(a)
//   all(a, {# < 0.05})  any(a, # > 1)  none(a, isNaN(#))   (# is the element; braces optional)
//
// Nothing is ever handed to eval or Function; input size and nesting are bounded, and every bad
// input ends in a ConditionError naming the position ("1:9: unexpected \")\"").
import { LineopsError } from "../../errors.js";
import { median } from "../../model/stats.js";
import { AnalysisErrors } from "./errors.js";
import { arith, compare } from "../../model/arithmetic.js";
import { lineColumn } from "../../model/text-position.js";

/** A compile or evaluation error; `offset` is the character it points at, `reason` the bare message. */
export class ConditionError extends LineopsError {
  constructor(
    code: typeof AnalysisErrors.conditionInvalid.code | typeof AnalysisErrors.conditionEval.code,
    readonly source: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    const { line, col } = lineColumn(source, offset);
    const invalid = code === AnalysisErrors.conditionInvalid.code;
    super(code, `${line}:${col}: ${reason}`, invalid ? 400 : 422, invalid ? "bad_data" : "execution");
    this.name = "ConditionError";
  }

  get line(): number {
    return lineColumn(this.source, this.offset).line;
  }

  get col(): number {
    return lineColumn(this.source, this.offset).col;
  }
}

export type CompiledCondition = {
  readonly source: string;
  /** True or false for these values; throws ConditionError (LINEOPS_ERR_ANALYSIS_CONDITION_EVAL). */
  evaluate(result: readonly number[]): boolean;
};

export const MAX_CONDITION_LENGTH = 4096;
const MAX_DEPTH = 64;

// ---- lexer ----

type TokKind = "num" | "ident" | "hash" | "op" | "eof";
type Tok = { kind: TokKind; text: string; pos: number; value?: number };

const OPERATORS = ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")"];
const PUNCT = ["[", "]", "{", "}", ","];

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");
}

function syntaxError(src: string, pos: number, reason: string): never {
  throw new ConditionError(AnalysisErrors.conditionInvalid.code, src, pos, reason);
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `character U+${code.toString(16).padStart(4, "0")}` : `"${c}"`;
}

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === "." && isDigit(src[i + 1]))) {
      while (isDigit(src[i]) || src[i] === "_") {
        i++;
      }
      if (src[i] === "." && isDigit(src[i + 1])) {
        i++;
        while (isDigit(src[i]) || src[i] === "_") {
          i++;
        }
      }
      if (
        (src[i] === "e" || src[i] === "E") &&
        (isDigit(src[i + 1]) || /^[+-]\d/.test(src.slice(i + 1, i + 3)))
      ) {
        i += 2;
        while (isDigit(src[i])) {
          i++;
        }
      }
      const text = src.slice(start, i);
      if (text.endsWith("_") || text.includes("__") || text.includes("_.") || text.includes("._")) {
        syntaxError(src, start, `malformed number "${text}"`);
      }
      if (isIdentStart(src[i])) {
        syntaxError(src, i, `unexpected ${describeChar(src[i] as string)} after number`);
      }
      toks.push({ kind: "num", text, pos: start, value: Number(text.replaceAll("_", "")) });
      continue;
    }
    if (isIdentStart(c)) {
      while (isIdentStart(src[i]) || isDigit(src[i])) {
        i++;
      }
      toks.push({ kind: "ident", text: src.slice(start, i), pos: start });
      continue;
    }
    if (c === "#") {
      toks.push({ kind: "hash", text: "#", pos: i });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i)) ?? PUNCT.find((o) => src.startsWith(o, i));
    if (op !== undefined) {
      toks.push({ kind: "op", text: op, pos: i });
      i += op.length;
      continue;
    }
    if (c === "=" || c === "&" || c === "|") {
      syntaxError(src, i, `unexpected "${c}" (did you mean "${c}${c}"?)`);
    }
    syntaxError(src, i, `unexpected ${describeChar(String.fromCodePoint(src.codePointAt(i) ?? 0))}`);
  }
  toks.push({ kind: "eof", text: "", pos: src.length });
  return toks;
}

// ---- AST + parser ----

type Type = "number" | "bool" | "array";
type Node =
  | { k: "num"; pos: number; v: number }
  | { k: "bool"; pos: number; v: boolean }
  | { k: "result"; pos: number }
  | { k: "elem"; pos: number }
  | { k: "index"; pos: number; target: Node; index: Node }
  | { k: "unary"; pos: number; op: "-" | "+" | "!"; x: Node }
  | { k: "binary"; pos: number; op: string; l: Node; r: Node }
  | { k: "call"; pos: number; name: string; args: Node[] }
  | { k: "pred"; pos: number; name: "all" | "any" | "none"; arr: Node; body: Node };

const PREDICATES = new Set(["all", "any", "none"]);
const NUMERIC_FUNCS = new Set(["isNaN", "isInf", "abs", "len", "min", "max", "sum", "mean", "median"]);

function describeTok(t: Tok): string {
  return t.kind === "eof" ? "end of input" : `"${t.text}"`;
}

class Parser {
  private i = 0;
  private depth = 0;
  private predicateDepth = 0;

  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
  ) {}

  parse(): Node {
    const n = this.or();
    const t = this.peek();
    if (t.kind !== "eof") {
      syntaxError(this.src, t.pos, `unexpected ${describeTok(t)}`);
    }
    return n;
  }

  private peek(): Tok {
    return this.toks[this.i] as Tok;
  }

  private next(): Tok {
    const t = this.toks[this.i] as Tok;
    if (t.kind !== "eof") {
      this.i++;
    }
    return t;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === text;
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === "ident" && t.text === text;
  }

  private expect(text: string, what: string): Tok {
    const t = this.peek();
    if (t.kind !== "op" || t.text !== text) {
      syntaxError(this.src, t.pos, `unexpected ${describeTok(t)}, expected "${text}" ${what}`);
    }
    return this.next();
  }

  private nested<T>(pos: number, f: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      syntaxError(this.src, pos, `expression nested deeper than ${MAX_DEPTH} levels`);
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private or(): Node {
    let l = this.and();
    while (this.isOp("||") || this.isWord("or")) {
      const t = this.next();
      l = { k: "binary", pos: t.pos, op: "||", l, r: this.and() };
    }
    return l;
  }

  private and(): Node {
    let l = this.comparison();
    while (this.isOp("&&") || this.isWord("and")) {
      const t = this.next();
      l = { k: "binary", pos: t.pos, op: "&&", l, r: this.comparison() };
    }
    return l;
  }

  private comparison(): Node {
    let l = this.additive();
    for (;;) {
      const t = this.peek();
      if (t.kind === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(t.text)) {
        this.next();
        l = { k: "binary", pos: t.pos, op: t.text, l, r: this.additive() };
      } else {
        return l;
      }
    }
  }

  private additive(): Node {
    let l = this.multiplicative();
    while (this.isOp("+") || this.isOp("-")) {
      const t = this.next();
      l = { k: "binary", pos: t.pos, op: t.text, l, r: this.multiplicative() };
    }
    return l;
  }

  private multiplicative(): Node {
    let l = this.unary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("%")) {
      const t = this.next();
      l = { k: "binary", pos: t.pos, op: t.text, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Node {
    const t = this.peek();
    if ((t.kind === "op" && (t.text === "!" || t.text === "-" || t.text === "+")) || this.isWord("not")) {
      this.next();
      const op = t.text === "not" ? "!" : (t.text as "!" | "-" | "+");
      return this.nested(t.pos, () => ({ k: "unary", pos: t.pos, op, x: this.unary() }));
    }
    return this.postfix();
  }

  private postfix(): Node {
    let n = this.primary();
    while (this.isOp("[")) {
      const t = this.next();
      const index = this.nested(t.pos, () => this.or());
      this.expect("]", "to close the index");
      n = { k: "index", pos: t.pos, target: n, index };
    }
    return n;
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case "num":
        return { k: "num", pos: t.pos, v: t.value as number };
      case "hash":
        if (this.predicateDepth === 0) {
          syntaxError(this.src, t.pos, `"#" is only defined inside all(), any() or none()`);
        }
        return { k: "elem", pos: t.pos };
      case "op":
        if (t.text === "(") {
          const n = this.nested(t.pos, () => this.or());
          this.expect(")", "to close the parenthesis");
          return n;
        }
        return syntaxError(this.src, t.pos, `unexpected ${describeTok(t)}`);
      case "eof":
        return syntaxError(this.src, t.pos, "unexpected end of input");
      case "ident":
        return this.identifier(t);
    }
  }

  private identifier(t: Tok): Node {
    switch (t.text) {
      case "result":
        return { k: "result", pos: t.pos };
      case "NaN":
        return { k: "num", pos: t.pos, v: NaN };
      case "Inf":
        return { k: "num", pos: t.pos, v: Infinity };
      case "true":
      case "false":
        return { k: "bool", pos: t.pos, v: t.text === "true" };
    }
    if (!this.isOp("(")) {
      return PREDICATES.has(t.text) || NUMERIC_FUNCS.has(t.text)
        ? syntaxError(this.src, t.pos, `${t.text} is a function: call it as ${t.text}(...)`)
        : syntaxError(this.src, t.pos, `unknown name "${t.text}" (only "result" is defined)`);
    }
    if (!PREDICATES.has(t.text) && !NUMERIC_FUNCS.has(t.text)) {
      syntaxError(this.src, t.pos, `unknown function "${t.text}"`);
    }
    const open = this.next();
    return this.nested(open.pos, () => {
      if (PREDICATES.has(t.text)) {
        const arr = this.or();
        this.expect(",", `between the array and the predicate of ${t.text}()`);
        const braced = this.isOp("{");
        const brace = braced ? this.next() : undefined;
        this.predicateDepth++;
        const body = this.or();
        this.predicateDepth--;
        if (brace) {
          this.expect("}", "to close the predicate");
        }
        this.expect(")", `to close ${t.text}()`);
        return { k: "pred", pos: t.pos, name: t.text as "all" | "any" | "none", arr, body };
      }
      const args: Node[] = [];
      if (!this.isOp(")")) {
        args.push(this.or());
        while (this.isOp(",")) {
          this.next();
          args.push(this.or());
        }
      }
      this.expect(")", `to close ${t.text}()`);
      return { k: "call", pos: t.pos, name: t.text, args };
    });
  }
}

// ---- type check ----

function typeError(src: string, pos: number, reason: string): never {
  return syntaxError(src, pos, reason);
}

/** Where an expression starts (a binary node's own pos is its operator). */
function startOf(n: Node): number {
  return n.k === "binary" ? startOf(n.l) : n.k === "index" ? startOf(n.target) : n.pos;
}

function numeric(src: string, n: Node, what: string): void {
  const t = typeOf(src, n);
  if (t === "bool") {
    typeError(src, startOf(n), `${what} needs a number, got a boolean`);
  }
}

function typeOf(src: string, n: Node): Type {
  switch (n.k) {
    case "num":
    case "elem":
      return "number";
    case "bool":
      return "bool";
    case "result":
      return "array";
    case "index":
      if (typeOf(src, n.target) !== "array") {
        typeError(src, n.pos, "only result can be indexed");
      }
      numeric(src, n.index, "an index");
      return "number";
    case "unary":
      if (n.op === "!") {
        if (typeOf(src, n.x) !== "bool") {
          typeError(src, n.pos, `"!" needs a boolean`);
        }
        return "bool";
      }
      numeric(src, n.x, `unary "${n.op}"`);
      return "number";
    case "binary": {
      if (n.op === "&&" || n.op === "||") {
        for (const side of [n.l, n.r]) {
          if (typeOf(src, side) !== "bool") {
            typeError(src, startOf(side), `"${n.op}" needs booleans on both sides`);
          }
        }
        return "bool";
      }
      if (n.op === "==" || n.op === "!=") {
        const lb = typeOf(src, n.l) === "bool";
        const rb = typeOf(src, n.r) === "bool";
        if (lb !== rb) {
          typeError(src, n.pos, `cannot compare a boolean with a number using "${n.op}"`);
        }
        return "bool";
      }
      numeric(src, n.l, `"${n.op}"`);
      numeric(src, n.r, `"${n.op}"`);
      return ["<", "<=", ">", ">="].includes(n.op) ? "bool" : "number";
    }
    case "pred":
      if (typeOf(src, n.arr) !== "array") {
        typeError(src, startOf(n.arr), `${n.name}() needs an array (result) as its first argument`);
      }
      if (typeOf(src, n.body) !== "bool") {
        typeError(src, startOf(n.body), `the predicate of ${n.name}() must be a boolean expression`);
      }
      return "bool";
    case "call":
      return callType(src, n);
  }
}

function callType(src: string, n: Extract<Node, { k: "call" }>): Type {
  const arity = (want: number) => {
    if (n.args.length !== want) {
      typeError(
        src,
        n.pos,
        `${n.name}() takes ${want} argument${want === 1 ? "" : "s"}, got ${n.args.length}`,
      );
    }
  };
  switch (n.name) {
    case "isNaN":
    case "isInf":
      arity(1);
      numeric(src, n.args[0] as Node, `${n.name}()`);
      return "bool";
    case "abs":
      arity(1);
      numeric(src, n.args[0] as Node, "abs()");
      return "number";
    case "len":
    case "sum":
    case "mean":
    case "median":
      arity(1);
      if (typeOf(src, n.args[0] as Node) !== "array") {
        typeError(src, n.pos, `${n.name}() needs an array (result)`);
      }
      return "number";
    default: {
      // min / max: of an array, or of numbers
      if (n.args.length === 0) {
        typeError(src, n.pos, `${n.name}() needs arguments`);
      }
      if (n.args.length === 1) {
        if (typeOf(src, n.args[0] as Node) !== "array") {
          typeError(src, n.pos, `${n.name}() of one argument needs an array (result)`);
        }
      } else {
        n.args.forEach((a) => numeric(src, a, `${n.name}()`));
      }
      return "number";
    }
  }
}

// ---- evaluation ----

type Value = number | boolean | readonly number[];

class Evaluator {
  private elem: number[] = [];

  constructor(
    private readonly src: string,
    private readonly result: readonly number[],
  ) {}

  private fail(pos: number, reason: string): never {
    throw new ConditionError(AnalysisErrors.conditionEval.code, this.src, pos, reason);
  }

  num(n: Node): number {
    const v = this.value(n);
    if (typeof v === "number") {
      return v;
    }
    if (typeof v === "boolean") {
      return this.fail(n.pos, "expected a number, got a boolean");
    }
    if (v.length === 0) {
      return this.fail(n.pos, "result has no values");
    }
    return v[0] as number;
  }

  bool(n: Node): boolean {
    const v = this.value(n);
    return typeof v === "boolean" ? v : this.fail(n.pos, "expected a boolean");
  }

  private arr(n: Node): readonly number[] {
    const v = this.value(n);
    return typeof v === "object" ? v : this.fail(n.pos, "expected an array");
  }

  value(n: Node): Value {
    switch (n.k) {
      case "num":
      case "bool":
        return n.v;
      case "result":
        return this.result;
      case "elem":
        return this.elem[this.elem.length - 1] as number;
      case "index": {
        const a = this.arr(n.target);
        const i = this.num(n.index);
        if (!Number.isInteger(i)) {
          return this.fail(n.index.pos, `index ${i} is not an integer`);
        }
        const j = i < 0 ? a.length + i : i;
        if (j < 0 || j >= a.length) {
          return this.fail(
            n.pos,
            `index ${i} out of range (result has ${a.length} value${a.length === 1 ? "" : "s"})`,
          );
        }
        return a[j] as number;
      }
      case "unary":
        return n.op === "!" ? !this.bool(n.x) : n.op === "-" ? -this.num(n.x) : this.num(n.x);
      case "binary":
        return this.binary(n);
      case "pred":
        return this.pred(n);
      case "call":
        return this.call(n);
    }
  }

  private binary(n: Extract<Node, { k: "binary" }>): Value {
    switch (n.op) {
      case "&&":
        return this.bool(n.l) && this.bool(n.r);
      case "||":
        return this.bool(n.l) || this.bool(n.r);
      case "==":
      case "!=": {
        const l = this.value(n.l);
        const eq = typeof l === "boolean" ? l === this.bool(n.r) : this.num(n.l) === this.num(n.r);
        return n.op === "==" ? eq : !eq;
      }
    }
    const l = this.num(n.l);
    const r = this.num(n.r);
    return n.op === "<" || n.op === "<=" || n.op === ">" || n.op === ">="
      ? compare(n.op, l, r)
      : arith(n.op, l, r);
  }

  private pred(n: Extract<Node, { k: "pred" }>): boolean {
    const a = this.arr(n.arr);
    for (const x of a) {
      this.elem.push(x);
      let hit: boolean;
      try {
        hit = this.bool(n.body);
      } finally {
        this.elem.pop();
      }
      if (n.name === "all" && !hit) {
        return false;
      }
      if (n.name !== "all" && hit) {
        return n.name === "any";
      }
    }
    return n.name !== "any";
  }

  private call(n: Extract<Node, { k: "call" }>): Value {
    const first = n.args[0] as Node;
    switch (n.name) {
      case "isNaN":
        return Number.isNaN(this.num(first));
      case "isInf":
        return Math.abs(this.num(first)) === Infinity;
      case "abs":
        return Math.abs(this.num(first));
      case "len":
        return this.arr(first).length;
      case "sum":
        return this.arr(first).reduce((s, x) => s + x, 0);
    }
    const xs = n.args.length === 1 ? this.arr(first) : n.args.map((a) => this.num(a));
    if (xs.length === 0) {
      return this.fail(n.pos, `${n.name}() of no values`);
    }
    switch (n.name) {
      case "mean":
        return xs.reduce((s, x) => s + x, 0) / xs.length;
      case "median":
        return xs.some(Number.isNaN) ? NaN : median([...xs]);
      case "min":
        return xs.some(Number.isNaN) ? NaN : Math.min(...xs);
      default:
        return xs.some(Number.isNaN) ? NaN : Math.max(...xs);
    }
  }
}

/** Parses and type-checks a condition; throws ConditionError (LINEOPS_ERR_ANALYSIS_CONDITION_INVALID). */
export function compileCondition(source: string): CompiledCondition {
  if (source.length > MAX_CONDITION_LENGTH) {
    syntaxError(source, MAX_CONDITION_LENGTH, `condition longer than ${MAX_CONDITION_LENGTH} characters`);
  }
  if (source.trim() === "") {
    syntaxError(source, 0, "empty condition");
  }
  const ast = new Parser(source, lex(source)).parse();
  const t = typeOf(source, ast);
  if (t !== "bool") {
    syntaxError(
      source,
      startOf(ast),
      `a condition must be true or false, but this is ${t === "array" ? "an array" : "a number"}`,
    );
  }
  return {
    source,
    evaluate: (result) => new Evaluator(source, result).bool(ast),
  };
}
