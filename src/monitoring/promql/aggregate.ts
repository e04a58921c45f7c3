// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar, quantile, topk, bottomk,
// count_values, limitk, limit_ratio) with by/without, evaluated per group over all steps.
import { labelsKey, labelsKeyOf } from "../../model/labels.js";
import type { Labels } from "../model.js";
import type { Aggregate } from "./ast.js";
import { PromqlErrors } from "./errors.js";
import { formatFloat } from "./format.js";
import { KahanAvg, compensate, quantileOf } from "./kahan.js";
import { labelsHash } from "./xxhash.js";
import type { QueryState } from "./state.js";
import { newSeries, onlyLabels, withoutLabels } from "./value.js";
import type { ScalarValue, StringValue, VectorValue, VSeries } from "./value.js";

/** One accumulator for every avg group and step: aggregation runs synchronously, so it is never shared. */
const avg = new KahanAvg();

function groupLabels(s: VSeries, e: Aggregate): Labels {
  // Delayed name removal: a to-be-dropped __name__ still groups for `by (__name__)`.
  const base = s.labels;
  if (e.without) {
    return withoutLabels(base, [...e.grouping, "__name__"]);
  }
  return onlyLabels(base, e.grouping);
}

type Group = { labels: Labels; members: VSeries[] };

function groupSeries(series: VSeries[], e: Aggregate): Group[] {
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  // For `by`, the group's labelsKey() is built from the grouping names alone (sorted once), and its
  // label set only for the first member: no object and no sort per series.
  const byNames = e.without ? undefined : [...new Set(e.grouping)].sort();
  for (const s of series) {
    const key = byNames ? labelsKeyOf(s.labels, byNames) : labelsKey(groupLabels(s, e));
    let g = groups.get(key);
    if (!g) {
      g = { labels: groupLabels(s, e), members: [] };
      groups.set(key, g);
      order.push(g);
    }
    g.members.push(s);
  }
  return order;
}

/** Prometheus converts k to int64 and rejects NaN / overflow with these messages. */
function kParam(v: number): number {
  if (Number.isNaN(v)) {
    throw PromqlErrors.execution("Parameter value is NaN");
  }
  if (v >= 9.223372036854776e18 || v <= -9.223372036854776e18) {
    throw PromqlErrors.execution(`Scalar value ${formatFloat(v)} overflows int64`);
  }
  return Math.trunc(v);
}

const ratioCache = new WeakMap<Labels, number>();

/** Prometheus's ratio sampler offset: float64(labels.Hash()) / float64(MaxUint64), in [0, 1]. */
function ratioOffset(labels: Labels): number {
  let v = ratioCache.get(labels);
  if (v === undefined) {
    v = Number(labelsHash(labels)) / 2 ** 64;
    ratioCache.set(labels, v);
  }
  return v;
}

export function aggregate(
  e: Aggregate,
  input: VectorValue,
  param: ScalarValue | StringValue | undefined,
  n: number,
  st: QueryState,
): VectorValue {
  const groups = groupSeries(input.series, e);
  switch (e.op) {
    case "topk":
    case "bottomk":
    case "limitk":
    case "limit_ratio":
      return selectSeries(e, groups, param as ScalarValue, n, st);
    case "count_values":
      return countValues(e, input.series, (param as StringValue).value, n);
    default:
      break;
  }
  if (e.op === "quantile") {
    const q = (param as ScalarValue).vals;
    for (let i = 0; i < n; i++) {
      const qi = q[i] as number;
      if (Number.isNaN(qi) || qi < 0 || qi > 1) {
        st.warn(`quantile value should be between 0 and 1, got ${formatFloat(qi)}`, (e.param ?? e).pos);
        break;
      }
    }
  }
  const out: VSeries[] = [];
  const buf: number[] = [];
  const simple = SIMPLE_OPS.has(e.op) ? new StepAccumulators(n) : undefined;
  for (const g of groups) {
    st.tick();
    const ms = g.members;
    const o = newSeries(
      g.labels,
      n,
      !e.without && g.labels.__name__ !== undefined && ms.some((m) => m.dropName),
    );
    if (simple) {
      simple.run(e.op, ms, o);
      out.push(o);
      continue;
    }
    // avg and quantile: step by step over the members.
    for (let i = 0; i < n; i++) {
      let count = 0;
      avg.reset();
      buf.length = 0;
      for (let j = 0; j < ms.length; j++) {
        const s = ms[j] as VSeries;
        if (!s.has[i]) {
          continue;
        }
        const v = s.vals[i] as number;
        count++;
        if (e.op === "avg") {
          avg.add(v);
        } else {
          buf.push(v);
        }
      }
      if (count === 0) {
        continue;
      }
      o.vals[i] = e.op === "avg" ? avg.value() : quantileOf((param as ScalarValue).vals[i] as number, buf);
      o.has[i] = 1;
    }
    out.push(o);
  }
  return { kind: "vector", series: out };
}

const SIMPLE_OPS = new Set(["sum", "count", "group", "min", "max", "stddev", "stdvar"]);

/**
 * sum/count/group/min/max/stddev/stdvar of one group, member by member over all steps: each input
 * column is read sequentially (not one element of every member per step, which misses the cache
 * on large groups), and the per-step state lives in arrays reused for every group. Each step still
 * sees its members in input order, so the floating-point results are those of a step-by-step loop.
 */
class StepAccumulators {
  private readonly acc: Float64Array;
  private readonly comp: Float64Array;
  private readonly mean: Float64Array;
  private readonly count: Uint32Array;

  constructor(private readonly n: number) {
    this.acc = new Float64Array(n);
    this.comp = new Float64Array(n);
    this.mean = new Float64Array(n);
    this.count = new Uint32Array(n);
  }

  run(op: string, members: readonly VSeries[], o: VSeries): void {
    const { n, acc, comp, count } = this;
    acc.fill(0);
    comp.fill(0);
    count.fill(0);
    if (op === "stddev" || op === "stdvar") {
      this.runVariance(op, members, o);
      return;
    }
    for (const s of members) {
      const has = s.has;
      const vals = s.vals;
      switch (op) {
        case "sum":
          for (let i = 0; i < n; i++) {
            if (has[i]) {
              count[i] = count[i]! + 1;
              // Kahan-Neumaier, as Prometheus 3's sum.
              const a = acc[i]!;
              const v = vals[i]!;
              const t = a + v;
              comp[i] = compensate(a, v, t, comp[i]!);
              acc[i] = t;
            }
          }
          break;
        case "min":
        case "max": {
          // A NaN accumulator is replaced by any value; otherwise keep the smaller (min) or larger.
          const min = op === "min";
          for (let i = 0; i < n; i++) {
            if (has[i]) {
              const v = vals[i]!;
              const a = acc[i]!;
              const first = count[i] === 0;
              count[i] = count[i]! + 1;
              if (first || (min ? a > v : a < v) || a !== a) {
                acc[i] = v;
              }
            }
          }
          break;
        }
        default: // count, group
          for (let i = 0; i < n; i++) {
            count[i]! += has[i]!;
          }
      }
    }
    for (let i = 0; i < n; i++) {
      const c = count[i]!;
      if (c === 0) {
        continue;
      }
      let r: number;
      switch (op) {
        case "sum": {
          const a = acc[i]!;
          r = a === Infinity || a === -Infinity ? a : a + comp[i]!;
          break;
        }
        case "count":
          r = c;
          break;
        case "group":
          r = 1;
          break;
        default:
          r = acc[i]!;
      }
      o.vals[i] = r;
      o.has[i] = 1;
    }
  }

  /** Prometheus's compensated running variance (as in the step-by-step loop of aggregate()). */
  private runVariance(op: string, members: readonly VSeries[], o: VSeries): void {
    const { n, acc, comp, mean, count } = this;
    for (const s of members) {
      const has = s.has;
      const vals = s.vals;
      for (let i = 0; i < n; i++) {
        if (!has[i]) {
          continue;
        }
        const v = vals[i]!;
        const k = count[i]! + 1;
        count[i] = k;
        if (k === 1) {
          mean[i] = v;
          comp[i] = 0;
          acc[i] = Number.isFinite(v) ? 0 : NaN;
          continue;
        }
        const m = mean[i]!;
        const delta = v - (m + comp[i]!);
        const incr = delta / k;
        const t = m + incr;
        const c = compensate(m, incr, t, comp[i]!);
        mean[i] = t;
        comp[i] = c;
        acc[i] = acc[i]! + delta * (v - (t + c));
      }
    }
    for (let i = 0; i < n; i++) {
      const k = count[i]!;
      if (k === 0) {
        continue;
      }
      o.vals[i] = op === "stddev" ? Math.sqrt(acc[i]! / k) : acc[i]! / k;
      o.has[i] = 1;
    }
  }
}

function selectSeries(
  e: Aggregate,
  groups: Group[],
  param: ScalarValue,
  n: number,
  st: QueryState,
): VectorValue {
  const picked = new Map<VSeries, VSeries>();
  const order: VSeries[] = [];
  const pick = (s: VSeries, i: number) => {
    let o = picked.get(s);
    if (!o) {
      o = newSeries(s.labels, n, s.dropName);
      picked.set(s, o);
      order.push(o);
    }
    o.vals[i] = s.vals[i] as number;
    o.has[i] = 1;
  };
  const warned = { done: false };
  const cand: VSeries[] = [];
  const ranked = new Map<Group, VSeries[]>();
  for (let i = 0; i < n; i++) {
    const raw = param.vals[i] as number;
    if (e.op === "limit_ratio") {
      if (Number.isNaN(raw)) {
        throw PromqlErrors.execution("Ratio value is NaN");
      }
      let ratio = raw;
      if (ratio > 1 || ratio < -1) {
        ratio = ratio > 1 ? 1 : -1;
        if (!warned.done) {
          warned.done = true;
          st.warn(
            `ratio value should be between -1 and 1, got ${formatFloat(raw)}, capping to ${ratio}`,
            (e.param ?? e).pos,
          );
        }
      }
      for (const g of groups) {
        for (const s of g.members) {
          if (!s.has[i]) {
            continue;
          }
          const off = ratioOffset(s.labels);
          if ((ratio >= 0 && off < ratio) || (ratio < 0 && off >= 1 + ratio)) {
            pick(s, i);
          }
        }
      }
      continue;
    }
    const k = kParam(raw);
    if (k < 1) {
      continue;
    }
    for (const g of groups) {
      st.tick();
      cand.length = 0;
      for (const s of g.members) {
        if (s.has[i]) {
          cand.push(s);
        }
      }
      if (e.op === "limitk") {
        for (let j = 0; j < cand.length && j < k; j++) {
          pick(cand[j] as VSeries, i);
        }
        continue;
      }
      const heap = kHeap(cand, i, k, e.op === "topk");
      for (const s of heap) {
        pick(s, i);
      }
      if (n === 1) {
        ranked.set(g, heap);
      }
    }
  }
  if (n === 1 && (e.op === "topk" || e.op === "bottomk")) {
    // Instant queries return each group's heap sorted best first, as Prometheus does.
    const sortedOut: VSeries[] = [];
    for (const g of groups) {
      const heap = ranked.get(g);
      if (heap) {
        for (const s of sortHeap(heap, e.op === "topk")) {
          sortedOut.push(picked.get(s)!);
        }
      }
    }
    return { kind: "vector", series: sortedOut };
  }
  return { kind: "vector", series: order };
}

/**
 * Prometheus's topk/bottomk selection at step i: a Go container/heap of up to k entries with the
 * worst on top, replaced only by a strictly better value. The chosen series among ties (and so
 * the answer) depends on this exact procedure and on the input order (series sorted by labels).
 */
function kHeap(cand: readonly VSeries[], i: number, k: number, top: boolean): VSeries[] {
  const h: VSeries[] = [];
  // Less(a, b) of vectorByValueHeap (topk) / vectorByReverseValueHeap (bottomk): NaN is the worst.
  const less = (a: number, b: number): boolean => {
    const x = h[a]!.vals[i]!;
    const y = h[b]!.vals[i]!;
    if (Number.isNaN(x)) {
      return true;
    }
    return top ? x < y : x > y;
  };
  const swap = (a: number, b: number) => {
    const t = h[a]!;
    h[a] = h[b]!;
    h[b] = t;
  };
  for (const s of cand) {
    const v = s.vals[i]!;
    if (h.length < k) {
      h.push(s);
      // up()
      let j = h.length - 1;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (!less(j, p)) {
          break;
        }
        swap(p, j);
        j = p;
      }
      continue;
    }
    const worst = h[0]!.vals[i]!;
    const better = top ? worst < v : worst > v;
    if (better || (Number.isNaN(worst) && !Number.isNaN(v))) {
      h[0] = s;
      if (k > 1) {
        // down(0)
        let j = 0;
        for (;;) {
          const l = 2 * j + 1;
          if (l >= h.length) {
            break;
          }
          let c = l;
          if (l + 1 < h.length && less(l + 1, l)) {
            c = l + 1;
          }
          if (!less(c, j)) {
            break;
          }
          swap(j, c);
          j = c;
        }
      }
    }
  }
  return h;
}

/**
 * sort.Sort(sort.Reverse(heap)) as Go does it: an insertion sort up to 12 entries (what the
 * order of ties and NaNs follows); beyond that a stable sort, where Go's pdqsort may order ties
 * differently.
 */
function sortHeap(heap: VSeries[], top: boolean): VSeries[] {
  const h = heap.slice();
  // Reverse(heap).Less(a, b) = heap.Less(b, a).
  const revLess = (a: VSeries, b: VSeries): boolean => {
    const x = b.vals[0]!;
    const y = a.vals[0]!;
    if (Number.isNaN(x)) {
      return true;
    }
    return top ? x < y : x > y;
  };
  if (h.length <= 12) {
    for (let i = 1; i < h.length; i++) {
      for (let j = i; j > 0 && revLess(h[j]!, h[j - 1]!); j--) {
        const t = h[j]!;
        h[j] = h[j - 1]!;
        h[j - 1] = t;
      }
    }
    return h;
  }
  return h.sort((a, b) => (revLess(a, b) ? -1 : revLess(b, a) ? 1 : 0));
}

function countValues(e: Aggregate, series: VSeries[], label: string, n: number): VectorValue {
  if (label === "") {
    throw PromqlErrors.execution(`invalid label name ""`);
  }
  // Output series by their group's key (without `label`) and the formatted value: one label set
  // is built per output series, not per input point.
  const out = new Map<string, VSeries>();
  const order: VSeries[] = [];
  for (const s of series) {
    const base = groupLabels(s, e);
    const baseKey = labelsKey(withoutLabels(base, [label])) + "\u0002";
    // Consecutive steps often repeat a value (Object.is: 0 and -0 format differently).
    let lastV = NaN;
    let lastO: VSeries | undefined;
    for (let i = 0; i < n; i++) {
      if (!s.has[i]) {
        continue;
      }
      const v = s.vals[i]!;
      let o = lastO;
      if (o === undefined || !Object.is(v, lastV)) {
        const value = formatFloat(v);
        const key = baseKey + value;
        o = out.get(key);
        if (!o) {
          o = newSeries({ ...base, [label]: value }, n);
          out.set(key, o);
          order.push(o);
        }
        lastV = v;
        lastO = o;
      }
      o.vals[i] = (o.has[i] ? o.vals[i]! : 0) + 1;
      o.has[i] = 1;
    }
  }
  return { kind: "vector", series: order };
}
