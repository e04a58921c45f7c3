// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar, quantile, topk, bottomk,
// count_values, limitk, limit_ratio) with by/without, evaluated per group over all steps.
import { labelsKey } from "../model.js";
import type { Labels } from "../model.js";
import type { Aggregate } from "./ast.js";
import { PromqlErrors } from "./errors.js";
import { formatFloat } from "./format.js";
import { quantileOf } from "./kahan.js";
import { labelsHash } from "./xxhash.js";
import type { QueryState } from "./state.js";
import { newSeries, onlyLabels, withoutLabels } from "./value.js";
import type { ScalarValue, StringValue, VectorValue, VSeries } from "./value.js";

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
  for (const s of series) {
    const labels = groupLabels(s, e);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, members: [] };
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
  for (const g of groups) {
    st.tick();
    const ms = g.members;
    const o = newSeries(
      g.labels,
      n,
      !e.without && g.labels.__name__ !== undefined && ms.some((m) => m.dropName),
    );
    for (let i = 0; i < n; i++) {
      let count = 0;
      let acc = 0;
      let c = 0;
      let mean = 0;
      let incremental = false;
      buf.length = 0;
      for (let j = 0; j < ms.length; j++) {
        const s = ms[j] as VSeries;
        if (!s.has[i]) {
          continue;
        }
        const v = s.vals[i] as number;
        count++;
        switch (e.op) {
          case "sum": {
            const t = acc + v;
            if (t === Infinity || t === -Infinity) {
              c = 0;
            } else if (Math.abs(acc) >= Math.abs(v)) {
              c += acc - t + v;
            } else {
              c += v - t + acc;
            }
            acc = t;
            break;
          }
          case "avg": {
            if (count === 1) {
              acc = v;
              break;
            }
            if (!incremental) {
              const t = acc + v;
              if (t !== Infinity && t !== -Infinity) {
                if (Math.abs(acc) >= Math.abs(v)) {
                  c += acc - t + v;
                } else {
                  c += v - t + acc;
                }
                acc = t;
                break;
              }
              incremental = true;
              mean = acc / (count - 1);
              c /= count - 1;
            }
            const q = (count - 1) / count;
            const base = q * mean;
            let comp = q * c;
            const inc = v / count;
            const t = base + inc;
            if (t === Infinity || t === -Infinity) {
              comp = 0;
            } else if (Math.abs(base) >= Math.abs(inc)) {
              comp += base - t + inc;
            } else {
              comp += inc - t + base;
            }
            mean = t;
            c = comp;
            break;
          }
          case "min":
            if (count === 1 || acc > v || Number.isNaN(acc)) {
              acc = v;
            }
            break;
          case "max":
            if (count === 1 || acc < v || Number.isNaN(acc)) {
              acc = v;
            }
            break;
          case "stddev":
          case "stdvar": {
            if (count === 1) {
              mean = v;
              c = 0;
              acc = 0;
              if (!Number.isFinite(v)) {
                acc = NaN;
              }
              break;
            }
            const delta = v - (mean + c);
            const incr = delta / count;
            const t = mean + incr;
            if (t === Infinity || t === -Infinity) {
              c = 0;
            } else if (Math.abs(mean) >= Math.abs(incr)) {
              c += mean - t + incr;
            } else {
              c += incr - t + mean;
            }
            mean = t;
            acc += delta * (v - (mean + c));
            break;
          }
          case "quantile":
            buf.push(v);
            break;
          default:
            break;
        }
      }
      if (count === 0) {
        continue;
      }
      let r: number;
      switch (e.op) {
        case "sum":
          r = acc === Infinity || acc === -Infinity ? acc : acc + c;
          break;
        case "avg":
          r = count === 1 ? acc : incremental ? mean + c : acc / count + c / count;
          break;
        case "count":
          r = count;
          break;
        case "group":
          r = 1;
          break;
        case "stddev":
          r = Math.sqrt(acc / count);
          break;
        case "stdvar":
          r = acc / count;
          break;
        case "quantile":
          r = quantileOf((param as ScalarValue).vals[i] as number, buf);
          break;
        default:
          r = acc;
      }
      o.vals[i] = r;
      o.has[i] = 1;
    }
    out.push(o);
  }
  return { kind: "vector", series: out };
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
      const top = e.op === "topk";
      // NaN ranks last for both topk and bottomk; ties keep input order (stable sort).
      const sorted = cand.slice().sort((a, b) => {
        const x = a.vals[i] as number;
        const y = b.vals[i] as number;
        if (Number.isNaN(x)) {
          return Number.isNaN(y) ? 0 : 1;
        }
        if (Number.isNaN(y)) {
          return -1;
        }
        return top ? y - x : x - y;
      });
      for (let j = 0; j < sorted.length && j < k; j++) {
        pick(sorted[j] as VSeries, i);
      }
    }
  }
  if (n === 1 && (e.op === "topk" || e.op === "bottomk")) {
    // Instant queries return each group's selection in rank order, as Prometheus does.
    const top = e.op === "topk";
    const rank = new Map<VSeries, number>();
    order.forEach((s, idx) => rank.set(s, idx));
    const byGroup = new Map<string, VSeries[]>();
    const groupOrder: string[] = [];
    for (const s of order) {
      const gk = labelsKey(groupLabels(s, e));
      let list = byGroup.get(gk);
      if (!list) {
        list = [];
        byGroup.set(gk, list);
        groupOrder.push(gk);
      }
      list.push(s);
    }
    const sortedOut: VSeries[] = [];
    for (const gk of groupOrder) {
      const list = byGroup.get(gk) as VSeries[];
      list.sort((a, b) => {
        const x = a.vals[0] as number;
        const y = b.vals[0] as number;
        if (Number.isNaN(x)) {
          return Number.isNaN(y) ? 0 : 1;
        }
        if (Number.isNaN(y)) {
          return -1;
        }
        return top ? y - x : x - y;
      });
      sortedOut.push(...list);
    }
    return { kind: "vector", series: sortedOut };
  }
  return { kind: "vector", series: order };
}

function countValues(e: Aggregate, series: VSeries[], label: string, n: number): VectorValue {
  if (label === "") {
    throw PromqlErrors.execution(`invalid label name ""`);
  }
  const out = new Map<string, VSeries>();
  const order: VSeries[] = [];
  for (const s of series) {
    const base = groupLabels(s, e);
    for (let i = 0; i < n; i++) {
      if (!s.has[i]) {
        continue;
      }
      const labels = { ...base, [label]: formatFloat(s.vals[i] as number) };
      const key = labelsKey(labels);
      let o = out.get(key);
      if (!o) {
        o = newSeries(labels, n);
        out.set(key, o);
        order.push(o);
      }
      o.vals[i] = (o.has[i] ? (o.vals[i] as number) : 0) + 1;
      o.has[i] = 1;
    }
  }
  return { kind: "vector", series: order };
}
