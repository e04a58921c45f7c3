// A simple in-memory Storage (model.ts contract) for PromQL tests and the conformance runner: series
// keyed by label set, samples kept sorted in growable typed arrays. Not tuned; the TSDB is the real one.
import { labelsKey } from "../../model.js";
import type { Appender, Labels, Matcher, Querier, Series, Storage } from "../../model.js";
import { compileMatcher, matchesAll } from "../matcher.js";
import { compareLabels } from "../value.js";
import { grown } from "../../typed-arrays.js";

type MemSeries = { labels: Labels; ts: Float64Array; vs: Float64Array; n: number };

export class MemoryStorage implements Storage {
  private readonly series = new Map<string, MemSeries>();

  appender(): Appender {
    const pending: { labels: Labels; t: number; v: number }[] = [];
    let done = false;
    const check = () => {
      if (done) {
        throw new Error("appender already committed or rolled back");
      }
    };
    return {
      append: (labels, t, v) => {
        check();
        pending.push({ labels, t, v });
      },
      commit: () => {
        check();
        done = true;
        for (const p of pending) {
          this.add(p.labels, p.t, p.v);
        }
      },
      rollback: () => {
        check();
        done = true;
      },
    };
  }

  /** Adds one sample directly; a sample at an existing timestamp replaces the old value. */
  add(labels: Labels, t: number, v: number): void {
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, ts: new Float64Array(16), vs: new Float64Array(16), n: 0 };
      this.series.set(key, s);
    }
    if (s.n === s.ts.length) {
      s.ts = grown(s.ts);
      s.vs = grown(s.vs);
    }
    let i = s.n;
    while (i > 0 && (s.ts[i - 1] as number) > t) {
      i--;
    }
    if (i > 0 && s.ts[i - 1] === t) {
      s.vs[i - 1] = v;
      return;
    }
    s.ts.copyWithin(i + 1, i, s.n);
    s.vs.copyWithin(i + 1, i, s.n);
    s.ts[i] = t;
    s.vs[i] = v;
    s.n++;
  }

  clear(): void {
    this.series.clear();
  }

  querier(): Querier {
    // Label order, as Prometheus's (and the TSDB's) selects: topk ties depend on input order.
    const all = [...this.series.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    const filter = (matchers: readonly Matcher[] | undefined) => {
      const cms = (matchers ?? []).map(compileMatcher);
      return all.filter((s) => matchesAll(cms, s.labels));
    };
    return {
      select: (matchers, mint, maxt): Series[] => {
        const out: Series[] = [];
        for (const s of filter(matchers)) {
          let lo = 0;
          while (lo < s.n && (s.ts[lo] as number) < mint) {
            lo++;
          }
          let hi = lo;
          while (hi < s.n && (s.ts[hi] as number) <= maxt) {
            hi++;
          }
          if (hi === lo) {
            continue;
          }
          const ts = s.ts.slice(lo, hi);
          const vs = s.vs.slice(lo, hi);
          out.push({ labels: s.labels, samples: () => ({ ts, vs }) });
        }
        return out;
      },
      labelNames: (matchers) => {
        const names = new Set<string>();
        for (const s of filter(matchers)) {
          for (const n of Object.keys(s.labels)) {
            names.add(n);
          }
        }
        return [...names].sort();
      },
      labelValues: (name, matchers) => {
        const values = new Set<string>();
        for (const s of filter(matchers)) {
          const v = s.labels[name];
          if (v !== undefined) {
            values.add(v);
          }
        }
        return [...values].sort();
      },
    };
  }
}
