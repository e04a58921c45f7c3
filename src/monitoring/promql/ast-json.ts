// A PromQL syntax tree as the JSON of Prometheus 3.x's /api/v1/parse_query (web/api/v1/
// translate_ast.go), which its web UI draws as the "Explain" tree. Prometheus 2.x has no such route.
import type { Matcher } from "../model.js";
import { FUNCTIONS, type AtModifier, type DurationExpr, type Expr, type VectorSelector } from "./ast.js";
import { formatFloat } from "./format.js";
import { parseExprAsync } from "./parser.js";

export type AstJson = { type: string } & Record<string, unknown>;

const matchersJson = (ms: readonly Matcher[]) =>
  ms.map((m) => ({ name: m.name, value: m.value, type: m.type }));

/** A duration node: Prometheus's DurationExpr, or a NumberLiteral marked as a duration. */
function durationJson(d: DurationExpr): AstJson {
  const node = (op: string, lhs: AstJson | null, rhs: AstJson | null): AstJson => ({
    type: "durationExpr",
    op,
    lhs,
    rhs,
    wrapped: false,
  });
  switch (d.kind) {
    case "lit":
      return { type: "numberLiteral", val: formatFloat(d.ms / 1000), duration: true };
    case "step":
      return node("step", null, null);
    case "range":
      return node("range", null, null);
    case "neg":
      return node("-", null, durationJson(d.expr));
    case "bin":
      return node(d.op, durationJson(d.lhs), durationJson(d.rhs));
    case "minmax":
      return node(d.max ? "max_of" : "min_of", durationJson(d.lhs), durationJson(d.rhs));
  }
}

/** A plain duration (`5m`, `-7m`) as milliseconds; anything computed goes in the *Expr field instead. */
function durationFields(name: string, d: DurationExpr | undefined): Record<string, unknown> {
  if (d === undefined) {
    return { [name]: 0, [`${name}Expr`]: null };
  }
  if (d.kind === "lit") {
    return { [name]: d.ms, [`${name}Expr`]: null };
  }
  if (d.kind === "neg" && d.expr.kind === "lit") {
    return { [name]: -d.expr.ms, [`${name}Expr`]: null };
  }
  return { [name]: 0, [`${name}Expr`]: durationJson(d) };
}

function atFields(at: AtModifier | undefined) {
  return {
    timestamp: at?.kind === "ts" ? at.ms : null,
    startOrEnd: at === undefined || at.kind === "ts" ? null : at.kind,
  };
}

class Translator {
  constructor(private readonly source: string) {}

  /** Prometheus sets a selector's Name only when the metric name is written before the braces. */
  private name(vs: VectorSelector): string {
    return vs.name !== undefined && this.source[vs.pos.start] !== "{" ? vs.name : "";
  }

  node(e: Expr): AstJson {
    switch (e.kind) {
      case "aggregate":
        return {
          type: "aggregation",
          op: e.op,
          expr: this.node(e.expr),
          param: e.param === undefined ? null : this.node(e.param),
          grouping: e.grouping,
          without: e.without,
        };
      case "binary":
        return {
          type: "binaryExpr",
          op: e.op,
          lhs: this.node(e.lhs),
          rhs: this.node(e.rhs),
          matching:
            e.matching === undefined
              ? null
              : {
                  card: e.matching.card,
                  labels: e.matching.labels,
                  on: e.matching.on,
                  include: e.matching.include,
                  fillValues: { lhs: null, rhs: null },
                },
          bool: e.returnBool,
        };
      case "call": {
        const sig = FUNCTIONS[e.name];
        return {
          type: "call",
          func: {
            name: e.name,
            argTypes: sig?.args ?? [],
            variadic: sig?.variadic ?? 0,
            returnType: sig?.ret ?? "vector",
          },
          args: e.args.map((a) => this.node(a)),
        };
      }
      case "matrixSelector": {
        const range = durationFields("range", e.range);
        return {
          type: "matrixSelector",
          name: this.name(e.vs),
          ...range,
          ...durationFields("offset", e.vs.offset),
          matchers: matchersJson(e.vs.matchers),
          ...atFields(e.vs.at),
          anchored: false,
          smoothed: false,
        };
      }
      case "subquery":
        return {
          type: "subquery",
          expr: this.node(e.expr),
          ...durationFields("range", e.range),
          ...durationFields("offset", e.offset),
          ...durationFields("step", e.step),
          ...atFields(e.at),
        };
      case "number":
        return { type: "numberLiteral", val: formatFloat(e.value) };
      case "paren":
        return { type: "parenExpr", expr: this.node(e.expr) };
      case "string":
        return { type: "stringLiteral", val: e.value };
      case "unary":
        // Prometheus's parser folds a sign into a number literal.
        return e.expr.kind === "number"
          ? { type: "numberLiteral", val: formatFloat(e.op === "-" ? -e.expr.value : e.expr.value) }
          : { type: "unaryExpr", op: e.op, expr: this.node(e.expr) };
      case "vectorSelector":
        return {
          type: "vectorSelector",
          name: this.name(e),
          ...durationFields("offset", e.offset),
          matchers: matchersJson(e.matchers),
          ...atFields(e.at),
          anchored: false,
          smoothed: false,
        };
    }
  }
}

/** The tree of `expr` (parsed from `source`) as parse_query's `data`. */
export function astJson(expr: Expr, source: string): AstJson {
  return new Translator(source).node(expr);
}

/** Parses `query` and returns parse_query's `data`; parse errors are thrown as the parser's. */
export async function parseQueryJson(query: string): Promise<AstJson> {
  return astJson(await parseExprAsync(query), query);
}
