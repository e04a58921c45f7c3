// Instant-vector functions: element-wise math and date functions, label_replace/label_join,
// sort_by_label, and histogram_quantile / histogram_fraction over classic `le` buckets.
import { compileRegex, expandTemplate, type Regex } from "../../model/regexp.js";
import { labelsKey } from "../model.js";
import type { Labels } from "../model.js";
import type { Call, Expr } from "./ast.js";
import { PromqlErrors } from "./errors.js";
import { formatFloat } from "./format.js";
import { isValidLabelName } from "./parser.js";
import type { QueryState } from "./state.js";
import { compareLabels, newSeries, withoutLabels } from "./value.js";
import type { VectorValue, VSeries } from "./value.js";

/** f(value, scalar params at this step, step index) → value, or undefined for no output. */
export type InstantFn = (v: number, params: number[], step: number) => number | undefined;

function date(f: (d: Date) => number): InstantFn {
  return (v) => {
    const d = new Date(Math.trunc(v) * 1000);
    return f(d);
  };
}

export const INSTANT_FUNCTIONS: Readonly<Record<string, InstantFn>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  rad: (v) => (v * Math.PI) / 180,
  deg: (v) => (v * 180) / Math.PI,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
  round: (v, p) => {
    const toNearest = p.length > 0 ? (p[0] as number) : 1;
    const inv = 1 / toNearest;
    return Math.floor(v * inv + 0.5) / inv;
  },
  clamp: (v, p) => {
    const min = p[0] as number;
    const max = p[1] as number;
    if (max < min) {
      return undefined;
    }
    return goMax(min, goMin(max, v));
  },
  clamp_max: (v, p) => goMin(p[0] as number, v),
  clamp_min: (v, p) => goMax(p[0] as number, v),
  days_in_month: date((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()),
  day_of_month: date((d) => d.getUTCDate()),
  day_of_week: date((d) => d.getUTCDay()),
  day_of_year: date((d) => {
    const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.floor((d.getTime() - startOfYear) / 86_400_000) + 1;
  }),
  hour: date((d) => d.getUTCHours()),
  minute: date((d) => d.getUTCMinutes()),
  month: date((d) => d.getUTCMonth() + 1),
  year: date((d) => d.getUTCFullYear()),
};

/** Go's math.Max/Min: NaN wins. */
function goMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}

function goMin(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
}

function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Record<string, string> = { ...labels };
  if (value === "") {
    delete out[name];
  } else {
    out[name] = value;
  }
  return out;
}

export function labelReplace(v: VectorValue, args: string[]): VectorValue {
  const [dst, repl, src, regexStr] = args as [string, string, string, string];
  let re: Regex;
  try {
    re = compileRegex(regexStr);
  } catch (err) {
    throw PromqlErrors.execution(`invalid regular expression in label_replace(): ${regexStr}`, {
      cause: err,
    });
  }
  if (!isValidLabelName(dst)) {
    throw PromqlErrors.execution(`invalid destination label name in label_replace(): ${dst}`);
  }
  const series = v.series.map((s) => {
    const m = re.exec(s.labels[src] ?? "");
    if (!m) {
      return s;
    }
    const labels = setLabel(s.labels, dst, expandTemplate(repl, m));
    return { ...s, labels, dropName: dst === "__name__" ? false : s.dropName };
  });
  return { kind: "vector", series };
}

export function labelJoin(v: VectorValue, args: string[]): VectorValue {
  const [dst, sep, ...srcs] = args as [string, string, ...string[]];
  for (const src of srcs) {
    if (!isValidLabelName(src)) {
      throw PromqlErrors.execution(`invalid source label name in label_join(): ${src}`);
    }
  }
  if (!isValidLabelName(dst)) {
    throw PromqlErrors.execution(`invalid destination label name in label_join(): ${dst}`);
  }
  const series = v.series.map((s) => {
    const value = srcs.map((l) => s.labels[l] ?? "").join(sep);
    const labels = setLabel(s.labels, dst, value);
    return { ...s, labels, dropName: dst === "__name__" ? false : s.dropName };
  });
  return { kind: "vector", series };
}

/** Natural order as facette/natsort: digit runs compare numerically. */
export function natLess(a: string, b: string): boolean {
  const ca = a.match(/(\d+|\D+)/g) ?? [];
  const cb = b.match(/(\d+|\D+)/g) ?? [];
  for (let i = 0; i < ca.length && i < cb.length; i++) {
    const x = ca[i] as string;
    const y = cb[i] as string;
    if (x === y) {
      continue;
    }
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = Number(x);
      const ny = Number(y);
      if (nx !== ny) {
        return nx < ny;
      }
      return x < y;
    }
    return x < y;
  }
  return ca.length < cb.length;
}

export function sortByLabel(series: VSeries[], labels: string[], desc: boolean): VSeries[] {
  return series.slice().sort((a, b) => {
    for (const l of labels) {
      const x = a.labels[l] ?? "";
      const y = b.labels[l] ?? "";
      if (x === y) {
        continue;
      }
      const less = natLess(x, y);
      return (less ? -1 : 1) * (desc ? -1 : 1);
    }
    return compareLabels(a.labels, b.labels) * (desc ? -1 : 1);
  });
}

type Bucket = { upper: number; count: number };

/** Go's strconv.ParseFloat for `le` values. */
function parseLe(s: string): number | undefined {
  const t = s.trim() === s ? s : "";
  if (t === "") {
    return undefined;
  }
  const lower = t.toLowerCase();
  if (lower === "+inf" || lower === "inf" || lower === "infinity" || lower === "+infinity") {
    return Infinity;
  }
  if (lower === "-inf" || lower === "-infinity") {
    return -Infinity;
  }
  if (lower === "nan") {
    return NaN;
  }
  if (
    /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ||
    /^[+-]?0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?$/i.test(t)
  ) {
    return Number(t);
  }
  return undefined;
}

type BucketGroup = { labels: Labels; members: { s: VSeries; le: number }[] };

function groupBuckets(v: VectorValue, st: QueryState, arg: Expr): BucketGroup[] {
  const groups = new Map<string, BucketGroup>();
  const order: BucketGroup[] = [];
  for (const s of v.series) {
    const leStr = s.labels.le;
    const le = leStr === undefined ? undefined : parseLe(leStr);
    if (le === undefined) {
      st.warn(
        `bucket label "le" is missing or has a malformed value of "${leStr ?? ""}" for metric name "${s.labels.__name__ ?? ""}"`,
        arg.pos,
      );
      continue;
    }
    // Prometheus 3 keeps __name__ in the grouping (names are dropped only at the end).
    const key = labelsKey(withoutLabels(s.labels, ["le"]));
    let g = groups.get(key);
    if (!g) {
      g = { labels: withoutLabels(s.labels, ["le"]), members: [] };
      groups.set(key, g);
      order.push(g);
    }
    g.members.push({ s, le });
  }
  return order;
}

function stepBuckets(g: BucketGroup, i: number): Bucket[] {
  const out: Bucket[] = [];
  for (const m of g.members) {
    if (m.s.has[i]) {
      out.push({ upper: m.le, count: m.s.vals[i] as number });
    }
  }
  return out;
}

function prepareBuckets(buckets: Bucket[]): { buckets: Bucket[]; forced: boolean } | undefined {
  buckets.sort((a, b) => a.upper - b.upper);
  const last = buckets[buckets.length - 1];
  if (!last || last.upper !== Infinity) {
    return undefined;
  }
  // Coalesce buckets with the same upper bound.
  const co: Bucket[] = [];
  for (const b of buckets) {
    const prev = co[co.length - 1];
    if (prev && prev.upper === b.upper) {
      prev.count += b.count;
    } else {
      co.push({ upper: b.upper, count: b.count });
    }
  }
  // Tolerate float precision errors, then force monotonicity (Prometheus's ensureMonotonic).
  let prev = (co[0] as Bucket).count;
  for (let i = 1; i < co.length; i++) {
    const cur = (co[i] as Bucket).count;
    const delta = Math.abs(cur - prev);
    if (delta === 0) {
      continue;
    }
    if (delta / cur <= 1e-12) {
      (co[i] as Bucket).count = prev;
    } else {
      prev = cur;
    }
  }
  let forced = false;
  let max = (co[0] as Bucket).count;
  for (let i = 1; i < co.length; i++) {
    const b = co[i] as Bucket;
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
      forced = true;
    }
  }
  return { buckets: co, forced };
}

function bucketQuantile(q: number, raw: Bucket[]): { v: number; forced: boolean } {
  if (Number.isNaN(q)) {
    return { v: NaN, forced: false };
  }
  if (q < 0) {
    return { v: -Infinity, forced: false };
  }
  if (q > 1) {
    return { v: Infinity, forced: false };
  }
  const p = prepareBuckets(raw);
  if (!p) {
    return { v: NaN, forced: false };
  }
  const buckets = p.buckets;
  if (buckets.length < 2) {
    return { v: NaN, forced: false };
  }
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) {
    return { v: NaN, forced: p.forced };
  }
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && (buckets[b] as Bucket).count < rank) {
    b++;
  }
  if (b === buckets.length - 1) {
    return { v: (buckets[buckets.length - 2] as Bucket).upper, forced: p.forced };
  }
  if (b === 0 && (buckets[0] as Bucket).upper <= 0) {
    return { v: (buckets[0] as Bucket).upper, forced: p.forced };
  }
  let start = 0;
  const end = (buckets[b] as Bucket).upper;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    start = (buckets[b - 1] as Bucket).upper;
    count -= (buckets[b - 1] as Bucket).count;
    rank -= (buckets[b - 1] as Bucket).count;
  }
  return { v: start + (end - start) * (rank / count), forced: p.forced };
}

function bucketFraction(lower: number, upper: number, raw: Bucket[]): number {
  const p = prepareBuckets(raw);
  if (!p) {
    return NaN;
  }
  const buckets = p.buckets;
  const total = (buckets[buckets.length - 1] as Bucket).count;
  if (total === 0 || Number.isNaN(lower) || Number.isNaN(upper)) {
    return NaN;
  }
  if (lower >= upper) {
    return 0;
  }
  // Cumulative count at x, interpolating linearly inside a bucket (the first bucket starts at 0
  // when its upper bound is positive, as histogram_quantile assumes).
  const rankAt = (x: number): number => {
    if (x === -Infinity) {
      return 0;
    }
    if (x === Infinity) {
      return total;
    }
    let prevUpper = -Infinity;
    let prevCount = 0;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i] as Bucket;
      let lo = prevUpper;
      if (i === 0 && b.upper > 0) {
        lo = 0;
      }
      if (x < b.upper || (x === b.upper && b.upper !== Infinity)) {
        if (x <= lo) {
          return prevCount;
        }
        // No interpolation in an infinitely wide bucket: its observations sit at the infinite end.
        if (lo === -Infinity) {
          return b.count;
        }
        if (b.upper === Infinity) {
          return prevCount;
        }
        return prevCount + ((b.count - prevCount) * (x - lo)) / (b.upper - lo);
      }
      prevUpper = b.upper;
      prevCount = b.count;
    }
    return total;
  };
  return (rankAt(upper) - rankAt(lower)) / total;
}

export function histogramQuantile(
  q: Float64Array,
  v: VectorValue,
  n: number,
  st: QueryState,
  e: Call,
  vecArg = 1,
): VectorValue {
  for (let i = 0; i < n; i++) {
    const qi = q[i] as number;
    if (Number.isNaN(qi) || qi < 0 || qi > 1) {
      st.warn(
        `quantile value should be between 0 and 1, got ${formatFloat(qi)}`,
        (e.args[vecArg === 1 ? 0 : 2] as Expr).pos,
      );
      break;
    }
  }
  const arg = e.args[vecArg] as Expr;
  return perBucketGroup(v, n, st, arg, (g, i, buckets) => {
    const r = bucketQuantile(q[i] as number, buckets);
    if (r.forced) {
      st.info(
        `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "${g.labels.__name__ ?? ""}"`,
        arg.pos,
      );
    }
    return r.v;
  });
}

export function histogramFraction(
  lower: Float64Array,
  upper: Float64Array,
  v: VectorValue,
  n: number,
  st: QueryState,
  e: Call,
): VectorValue {
  return perBucketGroup(v, n, st, e.args[2] as Expr, (_g, i, buckets) =>
    bucketFraction(lower[i] as number, upper[i] as number, buckets),
  );
}

/** One series per bucket group (name dropped), valued by `at` at each step that has buckets. */
function perBucketGroup(
  v: VectorValue,
  n: number,
  st: QueryState,
  arg: Expr,
  at: (g: BucketGroup, step: number, buckets: Bucket[]) => number,
): VectorValue {
  const out: VSeries[] = [];
  for (const g of groupBuckets(v, st, arg)) {
    const o = newSeries(g.labels, n, true);
    let any = false;
    for (let i = 0; i < n; i++) {
      const buckets = stepBuckets(g, i);
      if (buckets.length === 0) {
        continue;
      }
      o.vals[i] = at(g, i, buckets);
      o.has[i] = 1;
      any = true;
    }
    if (any) {
      out.push(o);
    }
  }
  return { kind: "vector", series: out };
}
