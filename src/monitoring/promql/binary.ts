// Binary operators: scalar/scalar, vector/scalar and vector/vector with on/ignoring/group_left/
// group_right matching and the set operators and/or/unless, evaluated over all steps at once.
import { arith, compare } from "../../model/arithmetic.js";
import { labelsKey, labelsKeyOf, labelsKeyWithout } from "../../model/labels.js";
import type { Labels } from "../model.js";
import type { Binary, BinaryOp, VectorMatching } from "./ast.js";
import { isComparison } from "./ast.js";
import { PromqlErrors } from "./errors.js";
import type { QueryState } from "./state.js";
import { newSeries } from "./value.js";
import type { ScalarValue, VectorValue, VSeries } from "./value.js";

export function scalarBinop(op: BinaryOp, l: ScalarValue, r: ScalarValue, n: number): ScalarValue {
  const out = new Float64Array(n);
  const cmp = isComparison(op);
  for (let i = 0; i < n; i++) {
    const a = l.vals[i] as number;
    const b = r.vals[i] as number;
    out[i] = cmp ? (compare(op, a, b) ? 1 : 0) : arith(op, a, b);
  }
  return { kind: "scalar", vals: out };
}

/** vector op scalar (scalarRight) or scalar op vector. */
export function vectorScalarBinop(
  e: Binary,
  vec: VectorValue,
  sc: ScalarValue,
  scalarRight: boolean,
  n: number,
): VectorValue {
  const op = e.op;
  const cmp = isComparison(op);
  const out: VSeries[] = [];
  for (const s of vec.series) {
    const o = newSeries(s.labels, n, s.dropName || !cmp || e.returnBool);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!s.has[i]) {
        continue;
      }
      const v = s.vals[i] as number;
      const c = sc.vals[i] as number;
      const l = scalarRight ? v : c;
      const r = scalarRight ? c : v;
      if (cmp) {
        const keep = compare(op, l, r);
        if (e.returnBool) {
          o.vals[i] = keep ? 1 : 0;
        } else if (keep) {
          // A filter keeps the vector's own value, whichever side it is on.
          o.vals[i] = v;
        } else {
          continue;
        }
      } else {
        o.vals[i] = arith(op, l, r);
      }
      o.has[i] = 1;
      any = true;
    }
    if (any) {
      out.push(o);
    }
  }
  return { kind: "vector", series: out };
}

function signature(labels: Labels, m: VectorMatching): string {
  return m.on
    ? labelsKeyOf(labels, [...m.labels].sort())
    : labelsKeyWithout(labels, (n) => n === "__name__" || m.labels.includes(n));
}

function groupBySig(series: VSeries[], m: VectorMatching): Map<string, VSeries[]> {
  const map = new Map<string, VSeries[]>();
  for (const s of series) {
    const sig = signature(s.labels, m);
    const g = map.get(sig);
    if (g) {
      g.push(s);
    } else {
      map.set(sig, [s]);
    }
  }
  return map;
}

function formatLabels(l: Labels): string {
  const names = Object.keys(l).sort();
  return "{" + names.map((n) => `${n}="${l[n]}"`).join(", ") + "}";
}

export function setBinop(
  op: BinaryOp,
  lhs: VectorValue,
  rhs: VectorValue,
  m: VectorMatching,
  n: number,
  st: QueryState,
): VectorValue {
  // For each signature, which steps have at least one series on the other side.
  const presence = (series: VSeries[]) => {
    const map = new Map<string, Uint8Array>();
    for (const s of series) {
      const sig = signature(s.labels, m);
      let p = map.get(sig);
      if (!p) {
        p = new Uint8Array(n);
        map.set(sig, p);
      }
      for (let i = 0; i < n; i++) {
        p[i] = (p[i] as number) | (s.has[i] as number);
      }
    }
    return map;
  };
  const out: VSeries[] = [];
  if (op === "and" || op === "unless") {
    const rp = presence(rhs.series);
    for (const s of lhs.series) {
      st.tick();
      const o = stepsWhere(s, n, rp.get(signature(s.labels, m)), op === "and");
      if (o) {
        out.push(o);
      }
    }
    return { kind: "vector", series: out };
  }
  // or: all of lhs, plus rhs series at steps where no lhs series has their signature.
  const lp = presence(lhs.series);
  out.push(...lhs.series);
  for (const s of rhs.series) {
    st.tick();
    const p = lp.get(signature(s.labels, m));
    if (!p) {
      out.push(s);
      continue;
    }
    const o = stepsWhere(s, n, p, false);
    if (o) {
      out.push(o);
    }
  }
  return { kind: "vector", series: out };
}

/**
 * The samples of s at the steps where the other side is present (`present` true) or absent
 * (false), as presence() marks them; undefined when no sample remains.
 */
function stepsWhere(
  s: VSeries,
  n: number,
  other: Uint8Array | undefined,
  present: boolean,
): VSeries | undefined {
  const o = newSeries(s.labels, n, s.dropName);
  let any = false;
  for (let i = 0; i < n; i++) {
    if (s.has[i] && (other !== undefined && other[i] === 1) === present) {
      o.vals[i] = s.vals[i] as number;
      o.has[i] = 1;
      any = true;
    }
  }
  return any ? o : undefined;
}

function resultLabels(ls: Labels, rs: Labels, m: VectorMatching): Labels {
  const out: Record<string, string> = {};
  if (m.card === "one-to-one") {
    if (m.on) {
      for (const n of m.labels) {
        const v = ls[n];
        if (v !== undefined && v !== "") {
          out[n] = v;
        }
      }
      return out;
    }
    for (const k in ls) {
      if (!m.labels.includes(k)) {
        out[k] = ls[k] as string;
      }
    }
    return out;
  }
  Object.assign(out, ls);
  for (const n of m.include) {
    const v = rs[n];
    if (v !== undefined && v !== "") {
      out[n] = v;
    } else {
      delete out[n];
    }
  }
  return out;
}

export function vectorBinop(
  e: Binary,
  lhsV: VectorValue,
  rhsV: VectorValue,
  n: number,
  st: QueryState,
): VectorValue {
  const m = e.matching as VectorMatching;
  const op = e.op;
  const cmp = isComparison(op);
  const swapped = m.card === "one-to-many";
  const many = swapped ? rhsV.series : lhsV.series;
  const one = swapped ? lhsV.series : rhsV.series;
  const oneBySig = groupBySig(one, m);
  const dropsName = !cmp || e.returnBool;

  type Out = { s: VSeries; sig: string };
  const outByKey = new Map<string, Out>();
  const outs: VSeries[] = [];
  // For one-to-one: which steps already produced a result for a signature (duplicate lhs check).
  const matchedOneToOne = new Map<string, Uint8Array>();

  checkOneSideUnique(many, oneBySig, m, swapped, n);
  for (const ls of many) {
    st.tick();
    const sig = signature(ls.labels, m);
    const candidates = oneBySig.get(sig);
    if (!candidates) {
      continue;
    }
    for (let ci = 0; ci < candidates.length; ci++) {
      const rs = candidates[ci] as VSeries;
      let labels: Labels | undefined;
      let target: VSeries | undefined;
      for (let i = 0; i < n; i++) {
        if (!ls.has[i] || !rs.has[i]) {
          continue;
        }
        if (m.card === "one-to-one") {
          // Checked before filtering, as Prometheus does: a false comparison still counts as a match.
          let used = matchedOneToOne.get(sig);
          if (!used) {
            used = new Uint8Array(n);
            matchedOneToOne.set(sig, used);
          }
          if (used[i]) {
            throw PromqlErrors.execution(
              "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
            );
          }
          used[i] = 1;
        }
        let l = ls.vals[i] as number;
        let r = rs.vals[i] as number;
        if (swapped) {
          [l, r] = [r, l];
        }
        let value: number;
        if (cmp) {
          const keep = compare(op, l, r);
          if (e.returnBool) {
            value = keep ? 1 : 0;
          } else if (!keep) {
            continue;
          } else {
            value = swapped ? r : l;
          }
        } else {
          value = arith(op, l, r);
        }
        if (!target) {
          labels = resultLabels(ls.labels, rs.labels, m);
          const key = labelsKey(labels);
          const existing = outByKey.get(key);
          if (existing) {
            target = existing.s;
          } else {
            target = newSeries(labels, n, dropsName || ls.dropName);
            outByKey.set(key, { s: target, sig });
            outs.push(target);
          }
        }
        if (m.card !== "one-to-one" && target.has[i]) {
          throw PromqlErrors.execution(
            "multiple matches for labels: grouping labels must ensure unique result",
          );
        }
        if (target.has[i]) {
          throw PromqlErrors.execution("vector cannot contain metrics with the same labelset");
        }
        target.vals[i] = value;
        target.has[i] = 1;
      }
    }
  }
  return { kind: "vector", series: outs };
}

function matchGroup(labels: Labels, m: VectorMatching): Labels {
  const out: Record<string, string> = {};
  if (m.on) {
    for (const n of m.labels) {
      const v = labels[n];
      if (v !== undefined) {
        out[n] = v;
      }
    }
    return out;
  }
  for (const k in labels) {
    if (k !== "__name__" && !m.labels.includes(k)) {
      out[k] = labels[k] as string;
    }
  }
  return out;
}

/** Prometheus rejects duplicate signatures on the "one" side at any step where the other side has data. */
function checkOneSideUnique(
  many: VSeries[],
  oneBySig: Map<string, VSeries[]>,
  m: VectorMatching,
  swapped: boolean,
  n: number,
): void {
  let manyAny: Uint8Array | undefined;
  for (const group of oneBySig.values()) {
    if (group.length < 2) {
      continue;
    }
    if (!manyAny) {
      manyAny = new Uint8Array(n);
      for (const s of many) {
        for (let i = 0; i < n; i++) {
          manyAny[i] = (manyAny[i] as number) | (s.has[i] as number);
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (!manyAny[i]) {
        continue;
      }
      let first: VSeries | undefined;
      for (const s of group) {
        if (!s.has[i]) {
          continue;
        }
        if (first) {
          throw PromqlErrors.execution(
            `found duplicate series for the match group ${formatLabels(matchGroup(s.labels, m))} on the ${swapped ? "left" : "right"} hand-side of the operation: [${formatLabels(first.labels)}, ${formatLabels(s.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
          );
        }
        first = s;
      }
    }
  }
}
