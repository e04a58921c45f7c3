// The typed PromQL syntax tree the evaluator works on, built from the lezer parse tree by parser.ts.
// Positions are character offsets into the query, used for error and annotation positions.
import type { Matcher } from "../model.js";

export type ValueType = "scalar" | "vector" | "matrix" | "string";

export type PosRange = { readonly start: number; readonly end: number };

/** A duration that may be an expression (experimental duration arithmetic, step(), range()). */
export type DurationExpr =
  | { kind: "lit"; ms: number }
  | { kind: "step" }
  | { kind: "range" }
  | { kind: "neg"; expr: DurationExpr }
  | { kind: "bin"; op: string; lhs: DurationExpr; rhs: DurationExpr }
  | { kind: "minmax"; max: boolean; lhs: DurationExpr; rhs: DurationExpr };

export type AtModifier = { kind: "ts"; ms: number } | { kind: "start" } | { kind: "end" };

export type VectorSelector = {
  kind: "vectorSelector";
  name: string | undefined;
  matchers: Matcher[];
  offset: DurationExpr | undefined;
  at: AtModifier | undefined;
  pos: PosRange;
};

export type MatrixSelector = {
  kind: "matrixSelector";
  vs: VectorSelector;
  range: DurationExpr;
  pos: PosRange;
};

export type Subquery = {
  kind: "subquery";
  expr: Expr;
  range: DurationExpr;
  step: DurationExpr | undefined;
  offset: DurationExpr | undefined;
  at: AtModifier | undefined;
  pos: PosRange;
};

export type VectorMatching = {
  card: "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";
  on: boolean;
  labels: string[];
  include: string[];
};

export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "^"
  | "atan2"
  | "=="
  | "!="
  | ">"
  | "<"
  | ">="
  | "<="
  | "and"
  | "or"
  | "unless";

export type AggregateOp =
  | "sum"
  | "avg"
  | "count"
  | "min"
  | "max"
  | "group"
  | "stddev"
  | "stdvar"
  | "topk"
  | "bottomk"
  | "count_values"
  | "quantile"
  | "limitk"
  | "limit_ratio";

export type Expr =
  | { kind: "number"; value: number; pos: PosRange }
  | { kind: "string"; value: string; pos: PosRange }
  | VectorSelector
  | MatrixSelector
  | Subquery
  | { kind: "call"; name: string; args: Expr[]; pos: PosRange }
  | {
      kind: "aggregate";
      op: AggregateOp;
      expr: Expr;
      param: Expr | undefined;
      grouping: string[];
      without: boolean;
      pos: PosRange;
    }
  | {
      kind: "binary";
      op: BinaryOp;
      lhs: Expr;
      rhs: Expr;
      returnBool: boolean;
      matching: VectorMatching | undefined;
      pos: PosRange;
    }
  | { kind: "unary"; op: "-" | "+"; expr: Expr; pos: PosRange }
  | { kind: "paren"; expr: Expr; pos: PosRange };

export type Call = Extract<Expr, { kind: "call" }>;
export type Aggregate = Extract<Expr, { kind: "aggregate" }>;
export type Binary = Extract<Expr, { kind: "binary" }>;

export function isComparison(op: BinaryOp): boolean {
  return op === "==" || op === "!=" || op === ">" || op === "<" || op === ">=" || op === "<=";
}

export function isSetOp(op: BinaryOp): boolean {
  return op === "and" || op === "or" || op === "unless";
}

/** The value type an expression evaluates to, as Prometheus's Expr.Type(). */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case "number":
      return "scalar";
    case "string":
      return "string";
    case "vectorSelector":
    case "aggregate":
      return "vector";
    case "matrixSelector":
    case "subquery":
      return "matrix";
    case "call":
      return FUNCTIONS[e.name]?.ret ?? "vector";
    case "binary":
      return typeOf(e.lhs) === "scalar" && typeOf(e.rhs) === "scalar" ? "scalar" : "vector";
    case "unary":
    case "paren":
      return typeOf(e.expr);
  }
}

export type FunctionSig = { args: ValueType[]; variadic: number; ret: ValueType };

const V: ValueType = "vector";
const M: ValueType = "matrix";
const S: ValueType = "scalar";
const STR: ValueType = "string";

function sig(args: ValueType[], ret: ValueType = V, variadic = 0): FunctionSig {
  return { args, variadic, ret };
}

/** Signature s (a copy each) for every one of the whitespace-separated function names. */
function each(s: FunctionSig, names: string): Record<string, FunctionSig> {
  return Object.fromEntries(
    names
      .trim()
      .split(/\s+/)
      .map((n) => [n, { ...s, args: [...s.args] }]),
  );
}

/** Functions of one instant vector, returning one. */
const VECTOR_IN = `
  abs absent acos acosh asin asinh atan atanh ceil cos cosh deg exp floor histogram_avg
  histogram_count histogram_sum histogram_stddev histogram_stdvar ln log10 log2 rad sgn sin sinh
  sort sort_desc sqrt tan tanh timestamp
`;

/** Functions of one range vector (an instant vector out). */
const RANGE_IN = `
  absent_over_time avg_over_time changes count_over_time delta deriv first_over_time idelta
  increase irate last_over_time mad_over_time max_over_time min_over_time ts_of_first_over_time
  ts_of_max_over_time ts_of_min_over_time ts_of_last_over_time present_over_time rate resets
  stddev_over_time stdvar_over_time sum_over_time
`;

/** Functions of an optional instant vector (default vector(time())): the calendar parts. */
const TIME_OF = `
  days_in_month day_of_month day_of_week day_of_year hour minute month year
`;

/** Functions of no argument returning a scalar. */
const NO_ARGS = `
  end pi range start step time
`;

/** Argument and return types of every function, as Prometheus's parser.Functions. */
export const FUNCTIONS: Readonly<Record<string, FunctionSig>> = {
  ...each(sig([V]), VECTOR_IN),
  ...each(sig([M]), RANGE_IN),
  ...each(sig([V], V, 1), TIME_OF),
  ...each(sig([], S), NO_ARGS),
  clamp: sig([V, S, S]),
  clamp_max: sig([V, S]),
  clamp_min: sig([V, S]),
  double_exponential_smoothing: sig([M, S, S]),
  histogram_fraction: sig([S, S, V]),
  histogram_quantile: sig([S, V]),
  histogram_quantiles: sig([V, STR, S, S], V, 9),
  label_join: sig([V, STR, STR, STR], V, -1),
  label_replace: sig([V, STR, STR, STR, STR]),
  max_of: sig([S, S], S),
  min_of: sig([S, S], S),
  predict_linear: sig([M, S]),
  quantile_over_time: sig([S, M]),
  round: sig([V, S], V, 1),
  scalar: sig([V], S),
  sort_by_label: sig([V, STR], V, -1),
  sort_by_label_desc: sig([V, STR], V, -1),
  vector: sig([S]),
};

export const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  scalar: "scalar",
  vector: "instant vector",
  matrix: "range vector",
  string: "string",
};
