// Chained template variables (Grafana's linked variables): a query variable's query may refer to
// other variables (label_values(up{job="$job"}, instance)); its values then depend on theirs, so
// it is loaded after them and again whenever one of them changes. References form a graph that
// must have no cycle. Pure: the server checks dashboards with it, the page orders its loads by it.
import { referencedNames } from "./interpolate.js";

type VariableLike = { name: string; type: string; query: string; regex?: string | undefined };

/** The dashboard variables `v`'s values depend on (its query's and regex's references), in order. */
export function dependenciesOf(v: VariableLike, all: readonly VariableLike[]): string[] {
  if (v.type !== "query") {
    return []; // custom, interval, constant and textbox values are written out, never queried
  }
  const known = new Set(all.map((x) => x.name));
  const refs = [...referencedNames(v.query), ...referencedNames(v.regex ?? "")];
  return [...new Set(refs.filter((n) => known.has(n)))];
}

/**
 * The variables in an order that loads every one after those it depends on (stable: dashboard
 * order where the references allow), or the first cycle found, as names (a → b → a).
 */
export function variableOrder(all: readonly VariableLike[]): { order: string[] } | { cycle: string[] } {
  const byName = new Map(all.map((v) => [v.name, v]));
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === "done") {
      return undefined;
    }
    if (s === "visiting") {
      return [...path.slice(path.indexOf(name)), name];
    }
    state.set(name, "visiting");
    path.push(name);
    for (const dep of dependenciesOf(byName.get(name)!, all)) {
      const cycle = visit(dep);
      if (cycle) {
        return cycle;
      }
    }
    path.pop();
    state.set(name, "done");
    order.push(name);
    return undefined;
  };
  for (const v of all) {
    const cycle = visit(v.name);
    if (cycle) {
      return { cycle };
    }
  }
  return { order };
}

/** Every variable that depends on `name`, directly or through others, in load order. */
export function dependantsOf(name: string, all: readonly VariableLike[]): string[] {
  const r = variableOrder(all);
  if ("cycle" in r) {
    return [];
  }
  const hit = new Set([name]);
  const out: string[] = [];
  for (const n of r.order) {
    const v = all.find((x) => x.name === n)!;
    if (n !== name && dependenciesOf(v, all).some((d) => hit.has(d))) {
      hit.add(n);
      out.push(n);
    }
  }
  return out;
}
