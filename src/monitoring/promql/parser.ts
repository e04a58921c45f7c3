// Parses PromQL with the Prometheus project's lezer grammar and converts the lezer tree into the typed
// AST of ast.ts, applying Prometheus's semantic checks (types, modifiers) with Prometheus's messages.
import { parser as lezer } from "@prometheus-io/lezer-promql";
import type { SyntaxNode } from "@lezer/common";
import type { Matcher, MatchType } from "../model.js";
import { FUNCTIONS, TYPE_NAMES, isComparison, isSetOp, typeOf } from "./ast.js";
import type {
  AggregateOp,
  AtModifier,
  BinaryOp,
  DurationExpr,
  Expr,
  PosRange,
  VectorMatching,
  VectorSelector,
} from "./ast.js";
import { PromqlErrors } from "./errors.js";
import { compileRegex } from "../../model/regexp.js";
import { lineColumn } from "../../model/text-position.js";
import { Slicer } from "../slicer.js";
import { parseDuration, parseNumber, unquote } from "./literals.js";
import { GoStringError } from "../../model/go-strings.js";
import { prepareForLezer } from "./lexfix.js";

const EXPR_NODES = new Set([
  "AggregateExpr",
  "BinaryExpr",
  "FunctionCall",
  "MatrixSelector",
  "NumberDurationLiteral",
  "OffsetExpr",
  "AnchoredExpr",
  "SmoothedExpr",
  "ParenExpr",
  "StringLiteral",
  "SubqueryExpr",
  "UnaryExpr",
  "VectorSelector",
  "StepInvariantExpr",
]);

const BIN_OPS: Readonly<Record<string, BinaryOp>> = {
  Pow: "^",
  Mul: "*",
  Div: "/",
  Mod: "%",
  Atan2: "atan2",
  Add: "+",
  Sub: "-",
  Eql: "==",
  Neq: "!=",
  Gte: ">=",
  Gtr: ">",
  Lte: "<=",
  Lss: "<",
  And: "and",
  Or: "or",
  Unless: "unless",
};

/** "line:col" (1-based column) of a character offset, as Prometheus positions errors. */
export function positionOf(query: string, offset: number): string {
  const { line, col } = lineColumn(query, offset);
  return `${line}:${col}`;
}

class ParseFailure extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(offset: number, message: string): never {
  throw new ParseFailure(offset, message);
}

/**
 * Longest query text accepted, in UTF-8 bytes. Grafana sends long queries as a POST form, so only
 * this bounds them (GET is already capped near 16 KiB by Node's header limit); real dashboard and
 * rule queries are a few KiB, generated ones (a regex of a few hundred hosts) tens of KiB. At 128
 * KiB the worst case, a ~10,000-term chain, parses in ~150 ms of slices (see parseExprAsync).
 */
export const MAX_QUERY_BYTES = 128 * 1024;

/**
 * Deepest expression accepted (operator chains, lezer tree depth). The converter, type checker and
 * evaluator recurse once or twice per level; 1,000 levels stay far from the stack limit while any
 * real query (and a 400-term `a + b + ...` chain) fits.
 */
export const MAX_EXPR_DEPTH = 1000;

/**
 * Deepest bracket nesting accepted, checked before lezer runs: each nested call costs lezer
 * several tree levels and much garbage (999 nested abs( took 0.6 s), and real queries nest
 * a few dozen levels at most.
 */
export const MAX_NESTING = 256;

/** lezer parse steps between two checks of the time slice in parseExprAsync. */
const STEPS_PER_CHECK = 32;

/** Parses a query into the AST; throws PromqlError (bad_data) "line:col: parse error: ...". */
export function parseExpr(query: string): Expr {
  const steps = parseSteps(query);
  for (;;) {
    const r = steps.next();
    if (r.done) {
      return r.value;
    }
  }
}

/**
 * parseExpr that gives the event loop back every PARSE_SLICE_MS: a 128 KiB query spends up to
 * ~150 ms in lezer on a loaded 2-core box, longer than any request may hold the only thread.
 */
export async function parseExprAsync(query: string): Promise<Expr> {
  const steps = parseSteps(query);
  const slicer = new Slicer(PARSE_SLICE_MS);
  for (;;) {
    const r = steps.next();
    if (r.done) {
      return r.value;
    }
    await slicer.maybeYield();
  }
}

const PARSE_SLICE_MS = 20;

/** The parse as a generator that yields every STEPS_PER_CHECK lezer steps: one body, sync or sliced. */
function* parseSteps(query: string): Generator<void, Expr> {
  try {
    const bytes = Buffer.byteLength(query, "utf8");
    if (bytes > MAX_QUERY_BYTES) {
      throw PromqlErrors.queryTooLong(
        `query is ${bytes} bytes long, more than the limit of ${MAX_QUERY_BYTES} bytes`,
      );
    }
    if (query.trim() === "") {
      fail(0, "no expression found in input");
    }
    checkBracketDepth(query);
    const parse = lezer.startParse(prepareForLezer(query));
    // lezer forces a parse out of a production after 300 large left-associative reductions, to
    // keep its trees shallow enough to recurse through; that turns a 400-term `a + b + ...` chain
    // into a bogus "unexpected identifier". We take over its counter (internal fields of
    // @lezer/lr's Parse, checked by the parser tests) and stop at MAX_EXPR_DEPTH with our message.
    const internals = parse as unknown as { bigReductionCount: number; lastBigReductionStart: number };
    const chainAt = new Map<number, number>();
    let tree;
    for (let i = 1; !(tree = parse.advance()); i++) {
      if (internals.bigReductionCount > 0) {
        const start = internals.lastBigReductionStart;
        const total = (chainAt.get(start) ?? 0) + internals.bigReductionCount;
        internals.bigReductionCount = 0;
        chainAt.set(start, total);
        // Two reductions per operator (the expression and its wrapper), as in checkTreeDepth.
        if (total > 2 * MAX_EXPR_DEPTH) {
          fail(start, `expression nested too deeply: more than ${MAX_EXPR_DEPTH} levels of operators`);
        }
      }
      if (i % STEPS_PER_CHECK === 0) {
        yield;
      }
    }
    const top = tree.topNode;
    checkSyntax(query, top);
    checkTreeDepth(top);
    const exprNode = childExprs(top)[0];
    if (!exprNode) {
      fail(0, "no expression found in input");
    }
    const conv = new Converter(query);
    const expr = conv.expr(exprNode);
    return expr;
  } catch (e) {
    if (e instanceof ParseFailure) {
      throw PromqlErrors.parse(`${positionOf(query, e.offset)}: parse error: ${e.message}`);
    }
    throw e;
  }
}

/** Rejects deep bracket nesting before lezer spends seconds on it (100k "(" took 2.2 s). */
function checkBracketDepth(query: string): void {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (quote) {
      if (c === "\\" && quote !== "`") {
        i++;
      } else if (c === quote) {
        quote = "";
      }
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      quote = c;
    } else if (c === "#") {
      const nl = query.indexOf("\n", i);
      i = nl < 0 ? query.length : nl;
    } else if (c === "(" || c === "[" || c === "{") {
      if (++depth > MAX_NESTING) {
        fail(i, `expression nested too deeply: more than ${MAX_NESTING} levels of brackets`);
      }
    } else if (c === ")" || c === "]" || c === "}") {
      depth--;
    }
  }
}

/** Operator chains nest without brackets: bound the tree's depth before anything recurses over it. */
function checkTreeDepth(top: SyntaxNode): void {
  // lezer wraps each expression in a node or two; twice the expression limit keeps them comparable.
  const limit = 2 * MAX_EXPR_DEPTH;
  let depth = 0;
  let at = -1;
  top.cursor().iterate(
    (n) => {
      if (at >= 0) {
        return false;
      }
      if (++depth > limit) {
        at = n.from;
        return false;
      }
      return true;
    },
    () => {
      depth--;
    },
  );
  if (at >= 0) {
    fail(at, `expression nested too deeply: more than ${MAX_EXPR_DEPTH} levels of operators and calls`);
  }
}

/**
 * Cache budget in bytes, estimated (key text plus AST objects). The count alone let 150 distinct
 * ~0.9 MB queries hold 3 GB; now at most this much is held whatever the queries look like.
 */
export const PARSED_CACHE_BYTES = 16 * 1024 * 1024;
const PARSED_CAPACITY = 256;
/** Rough heap cost of one small AST object (a V8 object with a few fields, plus its array slots). */
const BYTES_PER_AST_OBJECT = 96;

type CacheEntry = { expr: Expr; bytes: number };
const parsed = new Map<string, CacheEntry>();
let parsedBytes = 0;

/**
 * parseExpr with a small LRU keyed by the query text: dashboards and rules send the same few
 * queries over and over, and parsing is a fixed per-request cost of every instant query. Entries
 * are deep-frozen because every caller shares them; parse errors are not cached. Bounded by
 * entries and by PARSED_CACHE_BYTES.
 */
export async function parseExprCached(query: string): Promise<Expr> {
  return cachedHit(query) ?? remember(query, await parseExprAsync(query));
}

/** Bytes and entries the parse cache holds now (for tests and /metrics). */
export function parseCacheStats(): { entries: number; bytes: number } {
  return { entries: parsed.size, bytes: parsedBytes };
}

function cachedHit(query: string): Expr | undefined {
  const hit = parsed.get(query);
  if (hit) {
    parsed.delete(query); // re-inserted last: Map keeps insertion order, so the first key is the LRU
    parsed.set(query, hit);
    return hit.expr;
  }
  return undefined;
}

function remember(query: string, tree: Expr): Expr {
  const counter = { objects: 0 };
  const expr = deepFreeze(tree, counter);
  const bytes = 2 * query.length + BYTES_PER_AST_OBJECT * counter.objects;
  if (bytes > PARSED_CACHE_BYTES / 8 || parsed.has(query)) {
    return expr; // one entry never crowds out the working set (nor is a racing parse stored twice)
  }
  while (parsed.size > 0 && (parsed.size >= PARSED_CAPACITY || parsedBytes + bytes > PARSED_CACHE_BYTES)) {
    const oldest = parsed.keys().next().value as string;
    parsedBytes -= parsed.get(oldest)!.bytes;
    parsed.delete(oldest);
  }
  parsed.set(query, { expr, bytes });
  parsedBytes += bytes;
  return expr;
}

/** Freezes plain objects and arrays only: a RegExp in the tree must keep its writable lastIndex. */
function deepFreeze<T>(value: T, counter: { objects: number }): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) {
    return value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return value;
  }
  counter.objects++;
  for (const v of Object.values(value)) {
    deepFreeze(v, counter);
  }
  return Object.freeze(value);
}

function checkSyntax(query: string, top: SyntaxNode): void {
  let err: SyntaxNode | undefined;
  top.cursor().iterate((n) => {
    if (err) {
      return false;
    }
    if (n.type.isError) {
      err = n.node;
      return false;
    }
    return true;
  });
  if (!err) {
    return;
  }
  const at = err.from;
  if (at >= query.trimEnd().length) {
    fail(at, "unexpected end of input");
  }
  const rest = query.slice(at);
  const tok = /^(\w+|"[^"]*"?|'[^']*'?|\S)/.exec(rest.trimStart())?.[0] ?? rest.slice(0, 1);
  if (tok.startsWith('"') || tok.startsWith("'")) {
    if (tok.length < 2 || tok[tok.length - 1] !== tok[0]) {
      fail(at, "unterminated quoted string");
    }
  }
  if (/^[A-Za-z_]/.test(tok)) {
    fail(at, `unexpected identifier "${tok}"`);
  }
  if (/^[0-9.]/.test(tok)) {
    fail(at, `unexpected number "${tok}"`);
  }
  fail(at, `unexpected character: '${tok}'`);
}

function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) {
    out.push(c);
  }
  return out;
}

function childExprs(n: SyntaxNode): SyntaxNode[] {
  return children(n).filter((c) => EXPR_NODES.has(c.name));
}

class Converter {
  constructor(private readonly q: string) {}

  private text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  private pos(n: SyntaxNode): PosRange {
    return { start: n.from, end: n.to };
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case "ParenExpr":
        return { kind: "paren", expr: this.expr(this.one(n)), pos: this.pos(n) };
      case "NumberDurationLiteral":
        return { kind: "number", value: this.numberLit(n), pos: this.pos(n) };
      case "StringLiteral":
        return { kind: "string", value: this.str(n), pos: this.pos(n) };
      case "VectorSelector":
        return this.vectorSelector(n);
      case "MatrixSelector":
        return this.matrixSelector(n);
      case "SubqueryExpr":
        return this.subquery(n);
      case "OffsetExpr":
        return this.offset(n);
      case "StepInvariantExpr":
        return this.at(n);
      case "FunctionCall":
        return this.call(n);
      case "AggregateExpr":
        return this.aggregate(n);
      case "BinaryExpr":
        return this.binary(n);
      case "UnaryExpr": {
        const op = this.text(n.firstChild as SyntaxNode) as "-" | "+";
        const inner = this.expr(this.one(n));
        const t = typeOf(inner);
        if (t !== "scalar" && t !== "vector") {
          fail(
            n.from,
            `unary expression only allowed on expressions of type scalar or instant vector, got "${t === "matrix" ? "range vector" : t}"`,
          );
        }
        return { kind: "unary", op, expr: inner, pos: this.pos(n) };
      }
      case "AnchoredExpr":
        return fail(n.to - 8, "anchored modifier is an experimental feature that is not supported");
      case "SmoothedExpr":
        return fail(n.to - 8, "smoothed modifier is an experimental feature that is not supported");
      default:
        return fail(n.from, `unexpected ${n.name}`);
    }
  }

  private one(n: SyntaxNode): SyntaxNode {
    const c = childExprs(n)[0];
    if (!c) {
      fail(n.from, "unexpected end of input");
    }
    return c;
  }

  private numberLit(n: SyntaxNode): number {
    const t = this.text(n).replace(/\s+/g, "");
    const v = parseNumber(t);
    if (v !== undefined) {
      return v;
    }
    const sign = t.startsWith("-") ? -1 : 1;
    const d = parseDuration(t.replace(/^[+-]/, ""));
    if (d === undefined) {
      fail(n.from, `bad number or duration syntax: "${t}"`);
    }
    return (sign * d) / 1000;
  }

  private str(n: SyntaxNode): string {
    try {
      return unquote(this.text(n));
    } catch (e) {
      if (e instanceof GoStringError) {
        return fail(n.from + e.offset, `error unquoting string: ${e.reason}`);
      }
      throw e;
    }
  }

  private vectorSelector(n: SyntaxNode): VectorSelector {
    let name: string | undefined;
    const matchers: Matcher[] = [];
    const id = n.getChild("Identifier");
    if (id) {
      name = this.text(id);
    }
    const lm = n.getChild("LabelMatchers");
    if (lm) {
      for (const m of children(lm)) {
        if (m.name === "QuotedLabelName") {
          const nm = this.str(m.firstChild as SyntaxNode);
          if (name !== undefined) {
            fail(m.from, `metric name must not be set twice: "${name}" or "${nm}"`);
          }
          name = nm;
          continue;
        }
        const ln = m.firstChild as SyntaxNode;
        const label =
          m.name === "QuotedLabelName" || ln.name === "QuotedLabelName"
            ? this.str(ln.firstChild as SyntaxNode)
            : this.text(ln);
        const opNode = m.getChild("MatchOp") as SyntaxNode;
        const type = this.text(opNode) as MatchType;
        const valNode = m.getChild("StringLiteral") as SyntaxNode;
        const value = this.str(valNode);
        if (type === "=~" || type === "!~") {
          try {
            compileRegex(value);
          } catch (e) {
            fail(valNode.from, (e as Error).message);
          }
        }
        if (label === "__name__" && type === "=" && name !== undefined && !id) {
          fail(m.from, `metric name must not be set twice: "${name}" or "${value}"`);
        }
        matchers.push({ type, name: label, value });
      }
    }
    if (name !== undefined) {
      if (id && matchers.some((m) => m.name === "__name__")) {
        const other = matchers.find((m) => m.name === "__name__") as Matcher;
        fail(n.from, `metric name must not be set twice: "${name}" or "${other.value}"`);
      }
      matchers.unshift({ type: "=", name: "__name__", value: name });
    }
    if (!matchers.some((m) => !matchesEmpty(m))) {
      fail(n.from, "vector selector must contain at least one non-empty matcher");
    }
    return { kind: "vectorSelector", name, matchers, offset: undefined, at: undefined, pos: this.pos(n) };
  }

  private matrixSelector(n: SyntaxNode): Expr {
    const inner = this.expr(this.one(n));
    const range = this.duration(n.getChild("DurationExpr") as SyntaxNode);
    if (inner.kind !== "vectorSelector") {
      fail(n.from, "ranges only allowed for vector selectors");
    }
    if (inner.offset !== undefined) {
      fail(n.from, "no offset modifiers allowed before range");
    }
    if (inner.at !== undefined) {
      fail(n.from, "no @ modifiers allowed before range");
    }
    return { kind: "matrixSelector", vs: inner, range, pos: this.pos(n) };
  }

  private subquery(n: SyntaxNode): Expr {
    const inner = this.expr(this.one(n));
    const durs = n.getChildren("DurationExpr");
    const t = typeOf(inner);
    if (t !== "vector") {
      fail(n.from, `subquery is only allowed on instant vector, got ${TYPE_NAMES[t]} instead`);
    }
    return {
      kind: "subquery",
      expr: inner,
      range: this.duration(durs[0] as SyntaxNode),
      step: durs[1] ? this.duration(durs[1]) : undefined,
      offset: undefined,
      at: undefined,
      pos: this.pos(n),
    };
  }

  private offset(n: SyntaxNode): Expr {
    const inner = this.expr(this.one(n));
    const d = this.duration(n.getChild("OffsetDurationExpr") as SyntaxNode);
    this.modifiable(n, inner, "offset", "offset modifier", "offset").offset = d;
    return inner;
  }

  private at(n: SyntaxNode): Expr {
    const inner = this.expr(this.one(n));
    let at: AtModifier;
    const pre = n.getChild("AtModifierPreprocessors");
    if (pre) {
      at = { kind: pre.firstChild?.name === "AtStart" ? "start" : "end" };
    } else {
      const lit = n.getChild("NumberDurationLiteral") as SyntaxNode;
      const v = this.numberLit(lit);
      if (!Number.isFinite(v)) {
        fail(lit.from, `timestamp out of bounds for @ modifier: ${v}`);
      }
      at = { kind: "ts", ms: Math.round(v * 1000) };
    }
    this.modifiable(n, inner, "at", "@ modifier", "@ <timestamp>").at = at;
    return inner;
  }

  /** The selector or subquery a modifier `what` applies to, checked to have none of that kind yet. */
  private modifiable(n: SyntaxNode, inner: Expr, key: "offset" | "at", what: string, setting: string) {
    const target = modifierTarget(rightmostOperand(inner));
    if (!target) {
      fail(
        n.from,
        `${what} must be preceded by an instant vector selector or range vector selector or a subquery`,
      );
    }
    if (target[key] !== undefined) {
      fail(n.from, `${setting} may not be set multiple times`);
    }
    return target;
  }

  private duration(n: SyntaxNode): DurationExpr {
    const kids = children(n);
    const first = kids[0];
    if (!first) {
      return fail(n.from, "unexpected end of input");
    }
    if (kids.length === 1 && first.name === "NumberDurationLiteralInDurationContext") {
      const t = this.text(first);
      const d = parseDuration(t);
      if (d !== undefined) {
        return { kind: "lit", ms: d };
      }
      const v = parseNumber(t);
      if (v === undefined || !Number.isFinite(v)) {
        fail(first.from, `bad number or duration syntax: "${t}"`);
      }
      return { kind: "lit", ms: Math.round(v * 1000) };
    }
    if (first.name === "UnaryOp") {
      const inner = this.duration(kids[1] as SyntaxNode);
      return this.text(first) === "-" ? { kind: "neg", expr: inner } : inner;
    }
    if (first.name === "DurationStep") {
      return { kind: "step" };
    }
    if (first.name === "DurationRange") {
      return { kind: "range" };
    }
    if (first.name === "DurationMinOf" || first.name === "DurationMaxOf") {
      return {
        kind: "minmax",
        max: first.name === "DurationMaxOf",
        lhs: this.duration(kids[1] as SyntaxNode),
        rhs: this.duration(kids[2] as SyntaxNode),
      };
    }
    if (kids.length === 1) {
      return this.duration(first);
    }
    if (kids.length === 3) {
      const op = BIN_OPS[(kids[1] as SyntaxNode).name];
      if (!op) {
        fail(kids[1]!.from, "unexpected operator in duration expression");
      }
      return { kind: "bin", op, lhs: this.duration(first), rhs: this.duration(kids[2] as SyntaxNode) };
    }
    return fail(n.from, "bad duration expression");
  }

  private call(n: SyntaxNode): Expr {
    const idNode = n.getChild("FunctionIdentifier") as SyntaxNode;
    const name = this.text(idNode);
    const sig = FUNCTIONS[name];
    if (!sig) {
      fail(n.from, `unknown function with name "${name}"`);
    }
    const body = n.getChild("FunctionCallBody") as SyntaxNode;
    const args = childExprs(body).map((a) => this.expr(a));
    const pos = this.pos(n);
    const nargs = args.length;
    if (sig.variadic === 0 && nargs !== sig.args.length) {
      fail(n.from, `expected ${sig.args.length} argument(s) in call to "${name}", got ${nargs}`);
    }
    if (sig.variadic !== 0) {
      const min = sig.args.length - 1;
      const max = min + sig.variadic;
      if (nargs < min) {
        fail(n.from, `expected at least ${min} argument(s) in call to "${name}", got ${nargs}`);
      }
      if (sig.variadic > 0 && nargs > max) {
        fail(n.from, `expected at most ${max} argument(s) in call to "${name}", got ${nargs}`);
      }
    }
    args.forEach((a, i) => {
      const want = sig.args[Math.min(i, sig.args.length - 1)] as keyof typeof TYPE_NAMES;
      expectType(a, want, `call to function "${name}"`);
    });
    return { kind: "call", name, args, pos };
  }

  private aggregate(n: SyntaxNode): Expr {
    const opNode = (n.getChild("AggregateOp") as SyntaxNode).firstChild as SyntaxNode;
    const op = this.text(opNode).toLowerCase() as AggregateOp;
    const body = n.getChild("FunctionCallBody") as SyntaxNode;
    const args = childExprs(body).map((a) => this.expr(a));
    let grouping: string[] = [];
    let without = false;
    const mod = n.getChild("AggregateModifier");
    if (mod) {
      without = mod.firstChild?.name === "Without";
      grouping = this.groupingLabels(mod.getChild("GroupingLabels") as SyntaxNode);
    }
    const needsParam =
      op === "topk" ||
      op === "bottomk" ||
      op === "count_values" ||
      op === "quantile" ||
      op === "limitk" ||
      op === "limit_ratio";
    const want = needsParam ? 2 : 1;
    if (args.length !== want) {
      if (args.length > want) {
        fail(
          n.from,
          `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
        );
      }
      fail(
        n.from,
        `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
      );
    }
    const param = needsParam ? args[0] : undefined;
    const expr = args[want - 1] as Expr;
    if (param) {
      expectType(param, op === "count_values" ? "string" : "scalar", "aggregation parameter");
    }
    expectType(expr, "vector", "aggregation expression");
    return { kind: "aggregate", op, expr, param, grouping, without, pos: this.pos(n) };
  }

  private groupingLabels(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (const c of children(n)) {
      const label = c.name === "QuotedLabelName" ? this.str(c.firstChild as SyntaxNode) : this.text(c);
      if (!isValidLabelName(label)) {
        fail(c.from, `invalid label name "${label}"`);
      }
      out.push(label);
    }
    return out;
  }

  private binary(n: SyntaxNode): Expr {
    const kids = children(n);
    const exprs = kids.filter((c) => EXPR_NODES.has(c.name));
    const opNode = kids.find((c) => BIN_OPS[c.name] !== undefined) as SyntaxNode;
    const op = BIN_OPS[opNode.name] as BinaryOp;
    const lhsNode = exprs[0] as SyntaxNode;
    const rhsNode = exprs[1] as SyntaxNode;
    const returnBool = n.getChild("BoolModifier") !== null;
    if (n.getChild("FillModifier")) {
      fail(n.from, "fill modifiers are an experimental feature that is not supported");
    }
    let matching: VectorMatching | undefined;
    const mm = n.getChild("MatchingModifierClause");
    if (mm) {
      const mk = children(mm);
      const on = mk[0]?.name === "On";
      const groups = mm.getChildren("GroupingLabels");
      const labels = this.groupingLabels(groups[0] as SyntaxNode);
      let card: VectorMatching["card"] = "one-to-one";
      let include: string[] = [];
      if (mm.getChild("GroupLeft")) {
        card = "many-to-one";
      } else if (mm.getChild("GroupRight")) {
        card = "one-to-many";
      }
      if (groups[1]) {
        include = this.groupingLabels(groups[1]);
      }
      matching = { card, on, labels, include };
    }
    // Prometheus reads "-1 ^ 2" as -(1 ^ 2): a sign binds looser than '^'; lezer glues it to the number.
    let lhs = this.expr(lhsNode);
    const rhs = this.expr(rhsNode);
    const pos = this.pos(n);
    if (op === "^" && lhsNode.name === "NumberDurationLiteral" && /^\s*[-+]/.test(this.text(lhsNode))) {
      const sign = this.text(lhsNode).trim()[0] as "-" | "+";
      lhs = { kind: "number", value: Math.abs((lhs as { value: number }).value), pos: lhs.pos };
      if (Number.isNaN((lhs as { value: number }).value)) {
        lhs = { kind: "number", value: NaN, pos: lhs.pos };
      }
      const inner = buildBinary(op, lhs, rhs, returnBool, matching, pos, n.from);
      return { kind: "unary", op: sign, expr: inner, pos };
    }
    return buildBinary(op, lhs, rhs, returnBool, matching, pos, n.from);
  }
}

function buildBinary(
  op: BinaryOp,
  lhs: Expr,
  rhs: Expr,
  returnBool: boolean,
  matching: VectorMatching | undefined,
  pos: PosRange,
  at: number,
): Expr {
  const lt = typeOf(lhs);
  const rt = typeOf(rhs);
  for (const t of [lt, rt]) {
    if (t !== "scalar" && t !== "vector") {
      fail(at, "binary expression must contain only scalar and instant vector types");
    }
  }
  if (returnBool && !isComparison(op)) {
    fail(at, "bool modifier can only be used on comparison operators");
  }
  if (isComparison(op) && !returnBool && lt === "scalar" && rt === "scalar") {
    fail(at, "comparisons between scalars must use BOOL modifier");
  }
  if (isSetOp(op)) {
    if (lt === "scalar" || rt === "scalar") {
      fail(at, `set operator "${op}" not allowed in binary scalar expression`);
    }
  }
  if (matching && (lt !== "vector" || rt !== "vector")) {
    fail(at, "vector matching only allowed between instant vectors");
  }
  if (isSetOp(op) && lt === "vector" && rt === "vector") {
    if (matching && matching.card !== "one-to-one") {
      fail(at, `no grouping allowed for "${op}" operation`);
    }
    matching = matching ?? { card: "many-to-many", on: false, labels: [], include: [] };
    matching.card = "many-to-many";
  }
  if (matching && matching.on) {
    for (const l of matching.include) {
      if (matching.labels.includes(l)) {
        fail(at, `label "${l}" must not occur in ON and GROUP clause at once`);
      }
    }
  }
  if (!matching && lt === "vector" && rt === "vector") {
    matching = { card: "one-to-one", on: false, labels: [], include: [] };
  }
  return { kind: "binary", op, lhs, rhs, returnBool, matching, pos };
}

/**
 * The lezer grammar gives offset/@ no precedence, so "-a @ 1" and "a + b offset 5m" arrive with the
 * modifier around the whole unary/binary expression. Prometheus binds it to the operand on its left.
 */
function rightmostOperand(e: Expr): Expr {
  if (e.kind === "unary") {
    return rightmostOperand(e.expr);
  }
  if (e.kind === "binary") {
    return rightmostOperand(e.rhs);
  }
  return e;
}

function modifierTarget(
  e: Expr,
): { offset: DurationExpr | undefined; at: AtModifier | undefined } | undefined {
  if (e.kind === "vectorSelector" || e.kind === "subquery") {
    return e;
  }
  if (e.kind === "matrixSelector") {
    return e.vs;
  }
  return undefined;
}

function expectType(e: Expr, want: keyof typeof TYPE_NAMES, context: string): void {
  const got = typeOf(e);
  if (got !== want) {
    fail(e.pos.start, `expected type ${TYPE_NAMES[want]} in ${context}, got ${TYPE_NAMES[got]}`);
  }
}

function matchesEmpty(m: Matcher): boolean {
  switch (m.type) {
    case "=":
      return m.value === "";
    case "!=":
      return m.value !== "";
    case "=~":
      return compileRegex(m.value).matches("");
    case "!~":
      return !compileRegex(m.value).matches("");
  }
}

export function isValidLabelName(name: string): boolean {
  // Prometheus 3 accepts any valid UTF-8 label name; only the empty name is rejected.
  return name.length > 0 && !/[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));
}
