// Prints a PromQL syntax tree back as text, as Prometheus's parser does: String() (one line,
// normalised) and Pretty() (lines split past 100 bytes, two-space indent) behind /api/v1/format_query.
// Prometheus's output is the reference: its printer_test.go and prettier_test.go cases are checked
// against this module, and the API test compares format_query with a real Prometheus.
import { formatDuration } from "../../model/duration.js";
import { quote } from "../../model/gotemplate/fmt.js";
import type { Matcher } from "../model.js";
import type { AggregateOp, AtModifier, DurationExpr, Expr, VectorMatching, VectorSelector } from "./ast.js";
import { formatFloat } from "./format.js";
import { parseExprAsync } from "./parser.js";

/** Prometheus's maxCharactersPerLine: a node whose one-line form is longer (in bytes) is split. */
const MAX_LINE_BYTES = 100;
const INDENT = "  ";

/** Aggregations whose first argument is a parameter (Prometheus's IsAggregatorWithParam). */
const WITH_PARAM: ReadonlySet<AggregateOp> = new Set([
  "topk",
  "bottomk",
  "count_values",
  "quantile",
  "limitk",
  "limit_ratio",
]);

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label name as Prometheus prints it: bare when it is a legacy name, else Go-quoted. */
const labelName = (name: string): string => (LEGACY_NAME.test(name) ? name : quote(name));

const labelList = (names: readonly string[]): string => names.map(labelName).join(", ");

function matcherString(m: Matcher): string {
  return `${labelName(m.name)}${m.type}${quote(m.value)}`;
}

function durationString(d: DurationExpr): string {
  switch (d.kind) {
    case "lit":
      return d.ms < 0 ? `-${formatDuration(-d.ms)}` : formatDuration(d.ms);
    case "step":
      return "step()";
    case "range":
      return "range()";
    case "neg":
      return `-${durationString(d.expr)}`;
    case "bin":
      return `${durationString(d.lhs)} ${d.op} ${durationString(d.rhs)}`;
    case "minmax":
      return `${d.max ? "max_of" : "min_of"}(${durationString(d.lhs)}, ${durationString(d.rhs)})`;
  }
}

function atString(at: AtModifier | undefined): string {
  if (at === undefined) {
    return "";
  }
  switch (at.kind) {
    case "ts":
      return ` @ ${(at.ms / 1000).toFixed(3)}`;
    case "start":
      return " @ start()";
    case "end":
      return " @ end()";
  }
}

function offsetString(offset: DurationExpr | undefined): string {
  if (offset === undefined || (offset.kind === "lit" && offset.ms === 0)) {
    return "";
  }
  return ` offset ${durationString(offset)}`;
}

/**
 * The printer of one query: the source text tells a selector written with a metric name
 * (`up{job="x"}`) from one that names its metric inside the braces (`{"up"}`, `{__name__="up"}`),
 * which Prometheus's tree keeps apart (Name is only set by the first) and prints differently.
 */
class Printer {
  constructor(
    private readonly source: string,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  private hasWrittenName(vs: VectorSelector): boolean {
    return vs.name !== undefined && vs.name !== "" && this.source[vs.pos.start] !== "{";
  }

  /** The selector without its modifiers: `name{matchers}`, matchers sorted as text. */
  private selectorBody(vs: VectorSelector): string {
    const named = this.hasWrittenName(vs);
    const matchers = vs.matchers
      .filter((m) => !(named && m.name === "__name__" && m.type === "=" && m.value === vs.name))
      .map(matcherString)
      .sort(byBytes);
    const name = named ? (vs.name as string) : "";
    return matchers.length === 0 ? name : `${name}{${matchers.join(",")}}`;
  }

  private matching(m: VectorMatching | undefined): string {
    if (m === undefined) {
      return "";
    }
    const grouped = m.card === "many-to-one" || m.card === "one-to-many";
    let out = "";
    if (m.labels.length > 0 || m.on || grouped) {
      out += ` ${m.on ? "on" : "ignoring"} (${labelList(m.labels)})`;
    }
    if (grouped) {
      out += ` group_${m.card === "many-to-one" ? "left" : "right"} (${labelList(m.include)})`;
    }
    return out;
  }

  private aggregateHead(e: Extract<Expr, { kind: "aggregate" }>): string {
    if (e.without) {
      return `${e.op} without (${labelList(e.grouping)}) `;
    }
    return e.grouping.length > 0 ? `${e.op} by (${labelList(e.grouping)}) ` : e.op;
  }

  private subquerySuffix(e: Extract<Expr, { kind: "subquery" }>): string {
    const step = e.step === undefined ? "" : durationString(e.step);
    return `[${durationString(e.range)}:${step}]${atString(e.at)}${offsetString(e.offset)}`;
  }

  /** Each node's one-line form, kept: Pretty asks every level for its length (O(n²) otherwise). */
  private readonly flat = new WeakMap<Expr, string>();

  /** Prometheus's String(): the whole expression on one line. */
  string(e: Expr): string {
    let s = this.flat.get(e);
    if (s === undefined) {
      s = this.print(e);
      this.flat.set(e, s);
    }
    return s;
  }

  private print(e: Expr): string {
    switch (e.kind) {
      case "number":
        return formatFloat(e.value);
      case "string":
        return quote(e.value);
      case "vectorSelector":
        return `${this.selectorBody(e)}${atString(e.at)}${offsetString(e.offset)}`;
      case "matrixSelector":
        return `${this.selectorBody(e.vs)}[${durationString(e.range)}]${atString(e.vs.at)}${offsetString(e.vs.offset)}`;
      case "subquery":
        return `${this.string(e.expr)}${this.subquerySuffix(e)}`;
      case "call":
        return `${e.name}(${e.args.map((a) => this.string(a)).join(", ")})`;
      case "aggregate": {
        const param = e.param !== undefined && WITH_PARAM.has(e.op) ? `${this.string(e.param)}, ` : "";
        return `${this.aggregateHead(e)}(${param}${this.string(e.expr)})`;
      }
      case "binary":
        return `${this.string(e.lhs)} ${e.op}${e.returnBool ? " bool" : ""}${this.matching(e.matching)} ${this.string(e.rhs)}`;
      case "unary":
        // Prometheus's parser folds a sign into a number literal (`- -1` is the number 1).
        return e.expr.kind === "number"
          ? formatFloat(e.op === "-" ? -e.expr.value : e.expr.value)
          : `${e.op}${this.string(e.expr)}`;
      case "paren":
        return `(${this.string(e.expr)})`;
    }
  }

  /** Prometheus's Pretty(level): `level` is the depth the parent has already broken a line at. */
  pretty(e: Expr, level: number): string {
    const pad = INDENT.repeat(level);
    const flat = this.string(e);
    const split = Buffer.byteLength(flat) > this.maxLineBytes;
    switch (e.kind) {
      case "aggregate": {
        if (!split) {
          return pad + flat;
        }
        const param =
          e.param !== undefined && WITH_PARAM.has(e.op) ? `${this.pretty(e.param, level + 1)},\n` : "";
        return `${pad}${this.aggregateHead(e)}(\n${param}${this.pretty(e.expr, level + 1)}\n${pad})`;
      }
      case "binary": {
        if (!split) {
          return pad + flat;
        }
        const op = `${e.op}${e.returnBool ? " bool" : ""}${this.matching(e.matching)}`;
        return `${this.pretty(e.lhs, level + 1)}\n${pad}${op}\n${this.pretty(e.rhs, level + 1)}`;
      }
      case "call":
        if (!split) {
          return pad + flat;
        }
        return `${pad}${e.name}(\n${e.args.map((a) => this.pretty(a, level + 1)).join(",\n")}\n${pad})`;
      case "paren":
        return split ? `${pad}(\n${this.pretty(e.expr, level + 1)}\n${pad})` : pad + flat;
      case "subquery":
        // As Prometheus: an unsplit subquery is not indented.
        return split ? `${this.pretty(e.expr, level)}${this.subquerySuffix(e)}` : flat;
      case "unary":
        if (e.expr.kind === "number") {
          return pad + flat;
        }
        // The operator takes the child's indent; Go's TrimSpace also drops the child's trailing space.
        return `${pad}${e.op}${this.pretty(e.expr, level).trim()}`;
      case "number":
      case "string":
      case "vectorSelector":
      case "matrixSelector":
        return pad + flat;
    }
  }
}

/** Go's sort.Strings order: by UTF-8 bytes. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** `expr` on one line as Prometheus's Expr.String() prints it; `source` is the text it was parsed from. */
export function exprString(expr: Expr, source: string): string {
  return new Printer(source).string(expr);
}

/**
 * `expr` as Prometheus's Pretty(0) prints it; `source` is the text it was parsed from. The line
 * length is Prometheus's 100 bytes; its own tests use 10, which `maxLineBytes` allows.
 */
export function prettyExpr(expr: Expr, source: string, maxLineBytes = MAX_LINE_BYTES): string {
  return new Printer(source, maxLineBytes).pretty(expr, 0);
}

/** Parses `query` and pretty-prints it (GET /api/v1/format_query); parse errors are thrown as the parser's. */
export async function formatQuery(query: string): Promise<string> {
  return prettyExpr(await parseExprAsync(query), query);
}
