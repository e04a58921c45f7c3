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

/** Argument and return types of every function, as Prometheus's parser.Functions. */
export const FUNCTIONS: Readonly<Record<string, FunctionSig>> = {
  abs: sig([V]),
  absent: sig([V]),
  absent_over_time: sig([M]),
  acos: sig([V]),
  acosh: sig([V]),
  asin: sig([V]),
  asinh: sig([V]),
  atan: sig([V]),
  atanh: sig([V]),
  avg_over_time: sig([M]),
  ceil: sig([V]),
  changes: sig([M]),
  clamp: sig([V, S, S]),
  clamp_max: sig([V, S]),
  clamp_min: sig([V, S]),
  cos: sig([V]),
  cosh: sig([V]),
  count_over_time: sig([M]),
  days_in_month: sig([V], V, 1),
  day_of_month: sig([V], V, 1),
  day_of_week: sig([V], V, 1),
  day_of_year: sig([V], V, 1),
  deg: sig([V]),
  delta: sig([M]),
  deriv: sig([M]),
  end: sig([], S),
  exp: sig([V]),
  first_over_time: sig([M]),
  floor: sig([V]),
  histogram_avg: sig([V]),
  histogram_count: sig([V]),
  histogram_sum: sig([V]),
  histogram_stddev: sig([V]),
  histogram_stdvar: sig([V]),
  histogram_fraction: sig([S, S, V]),
  histogram_quantile: sig([S, V]),
  histogram_quantiles: sig([V, STR, S, S], V, 9),
  min_of: sig([S, S], S),
  max_of: sig([S, S], S),
  double_exponential_smoothing: sig([M, S, S]),
  hour: sig([V], V, 1),
  idelta: sig([M]),
  increase: sig([M]),
  irate: sig([M]),
  label_replace: sig([V, STR, STR, STR, STR]),
  label_join: sig([V, STR, STR, STR], V, -1),
  last_over_time: sig([M]),
  ln: sig([V]),
  log10: sig([V]),
  log2: sig([V]),
  mad_over_time: sig([M]),
  max_over_time: sig([M]),
  min_over_time: sig([M]),
  ts_of_first_over_time: sig([M]),
  ts_of_max_over_time: sig([M]),
  ts_of_min_over_time: sig([M]),
  ts_of_last_over_time: sig([M]),
  minute: sig([V], V, 1),
  month: sig([V], V, 1),
  pi: sig([], S),
  predict_linear: sig([M, S]),
  present_over_time: sig([M]),
  quantile_over_time: sig([S, M]),
  rad: sig([V]),
  range: sig([], S),
  rate: sig([M]),
  resets: sig([M]),
  round: sig([V, S], V, 1),
  scalar: sig([V], S),
  sgn: sig([V]),
  sin: sig([V]),
  sinh: sig([V]),
  sort: sig([V]),
  sort_desc: sig([V]),
  sort_by_label: sig([V, STR], V, -1),
  sort_by_label_desc: sig([V, STR], V, -1),
  sqrt: sig([V]),
  start: sig([], S),
  step: sig([], S),
  stddev_over_time: sig([M]),
  stdvar_over_time: sig([M]),
  sum_over_time: sig([M]),
  tan: sig([V]),
  tanh: sig([V]),
  time: sig([], S),
  timestamp: sig([V]),
  vector: sig([S]),
  year: sig([V], V, 1),
};

export const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  scalar: "scalar",
  vector: "instant vector",
  matrix: "range vector",
  string: "string",
};
