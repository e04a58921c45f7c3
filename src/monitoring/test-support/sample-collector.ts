// An in-memory sample store for remote-write and import tests, with Prometheus's append rules per
// series (older than the last sample: out of order; same time, other value: duplicate; same sample
// again: ignored) and all-or-nothing commits. A stand-in until the embedded TSDB's head lands.
import { labelsKey, type Appender, type Labels } from "../model.js";
import { TsdbErrors } from "../tsdb/errors.js";

export class SampleCollector {
  readonly series = new Map<string, { labels: Labels; ts: number[]; vs: number[] }>();
  commits = 0;
  rollbacks = 0;

  appender(): Appender {
    const pending = new Map<string, { labels: Labels; ts: number[]; vs: number[] }>();
    let done = false;
    const live = () => {
      if (done) {
        throw TsdbErrors.appenderDone("appender already committed or rolled back");
      }
    };
    return {
      append: (labels, t, v) => {
        live();
        const key = labelsKey(labels);
        const stored = this.series.get(key);
        let p = pending.get(key);
        const lastT = p?.ts.at(-1) ?? stored?.ts.at(-1);
        const lastV = p?.vs.at(-1) ?? stored?.vs.at(-1);
        if (lastT !== undefined && t < lastT) {
          throw TsdbErrors.outOfOrder(`out of order sample: t=${t} is before the series' last t=${lastT}`);
        }
        if (lastT === t) {
          if (Object.is(lastV, v) || (lastV !== lastV && v !== v)) {
            return;
          }
          throw TsdbErrors.duplicateSample(`duplicate sample for timestamp ${t}`);
        }
        if (!p) {
          p = { labels, ts: [], vs: [] };
          pending.set(key, p);
        }
        p.ts.push(t);
        p.vs.push(v);
      },
      commit: () => {
        live();
        done = true;
        this.commits++;
        for (const [key, p] of pending) {
          let s = this.series.get(key);
          if (!s) {
            s = { labels: p.labels, ts: [], vs: [] };
            this.series.set(key, s);
          }
          s.ts.push(...p.ts);
          s.vs.push(...p.vs);
        }
      },
      rollback: () => {
        live();
        done = true;
        this.rollbacks++;
      },
    };
  }

  /** Samples of the series whose labels equal `labels` exactly, oldest first. */
  get(labels: Labels): { ts: number[]; vs: number[] } | undefined {
    return this.series.get(labelsKey(labels));
  }

  /** Every series whose labels include all of `subset`. */
  find(subset: Labels): { labels: Labels; ts: number[]; vs: number[] }[] {
    return [...this.series.values()].filter((s) =>
      Object.entries(subset).every(([k, v]) => s.labels[k] === v),
    );
  }

  get sampleCount(): number {
    let n = 0;
    for (const s of this.series.values()) {
      n += s.ts.length;
    }
    return n;
  }
}
