// The "samples committed" signal: every writer of the TSDB (scrape loops, host metrics, remote
// write, recording and alerting rules) reports each commit here, so live views re-evaluate their
// queries right after new data is queryable instead of polling. Costs one size check per commit
// while nobody listens.
import type { Labels } from "../model/labels.js";

export type SamplesCommit = {
  /** Which writer committed. */
  source: "scrape" | "host" | "remote_write" | "rules";
  /**
   * The labels every committed sample carries (a scrape target's job, instance, ...), when they are
   * known to hold: absent for remote write and rules, and for targets whose honor_labels or
   * metric_relabel_configs may rewrite them. Absent means "any series may have changed".
   */
  target?: Labels;
  /** Samples appended by the commit (0 for a failed scrape: only its staleness markers and `up`). */
  samples: number;
  /** When the samples became queryable, ms since the epoch (Date.now() right after the commit). */
  committedAt: number;
};

export type CommitListener = (commit: SamplesCommit) => void;

export class CommitSignal {
  private readonly listeners = new Set<CommitListener>();

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  /** Calls `listener` after every commit until the returned function is called. */
  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listening(): boolean {
    return this.listeners.size > 0;
  }

  /** `make` runs only while someone listens: a commit nobody watches builds no object. */
  emit(make: () => SamplesCommit): void {
    if (this.listeners.size === 0) {
      return;
    }
    const commit = make();
    for (const l of this.listeners) {
      try {
        l(commit);
      } catch (err) {
        // A failing listener (a live view) must never fail the writer (a scrape, a rule group).
        this.onError(err);
      }
    }
  }
}
