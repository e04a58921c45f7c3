// Which metric names a scrape target's commit can have changed: the names its series carry in the
// TSDB, looked up once and kept while the target's commits carry no more samples than any commit
// since the lookup (a target exposing a new metric commits more samples; fewer only leaves names
// that cost an evaluation too many) and for at most `ttlMs`. With it a live query over
// `station_state` is not evaluated again when lineops scrapes its own /metrics.
import type { SamplesCommit } from "../../monitoring/index.js";
import type { Labels } from "../../model/labels.js";
import { labelsKey } from "../../model/labels.js";

/** The metric names of the series that carry all of `target`'s labels (monitoring's label values). */
export type NamesLookup = (target: Labels) => string[];

type Known = { names: ReadonlySet<string>; maxSamples: number; at: number };

export class TargetNames {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly lookup: NamesLookup,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 30_000,
    /** A target whose sample count grows is looked up again at most this often (lookups are not free). */
    private readonly minLookupMs = 5_000,
    /** Targets remembered at once; past it the memory starts over (a lookup each, bounded). */
    private readonly maxTargets = 4096,
  ) {}

  /** The names `c` may have changed; undefined: unknown (no target, or the lookup failed). */
  namesOf(c: SamplesCommit): ReadonlySet<string> | undefined {
    if (c.target === undefined) {
      return undefined;
    }
    const key = labelsKey(c.target);
    const at = this.now();
    const have = this.known.get(key);
    if (
      have &&
      (c.samples <= have.maxSamples || at - have.at < this.minLookupMs) &&
      at - have.at < this.ttlMs
    ) {
      return have.names;
    }
    let names: ReadonlySet<string>;
    try {
      names = new Set(this.lookup(c.target));
    } catch {
      return undefined; // the commit may change anything: evaluated as before
    }
    if (this.known.size >= this.maxTargets && !have) {
      this.known.clear();
    }
    this.known.set(key, { names, maxSamples: c.samples, at });
    return names;
  }
}

/** A selector for `target`'s series: every label pinned to its value. */
export function targetSelector(target: Labels): string {
  const inner = Object.entries(target)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",");
  return `{${inner}}`;
}
