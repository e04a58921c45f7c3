// Samples the storage refused, by ingest path and reason: counted for lineops's /metrics, and
// logged at most once per interval per path, so a sender flooding bad timestamps cannot flood the log.
import type { Logger } from "pino";
import { REJECT_REASONS, type RejectReason } from "./tsdb/errors.js";
import type { Now } from "../clock.js";

export type RejectSource = "remote_write" | "scrape";

export type RejectionCount = { source: RejectSource; reason: RejectReason; value: number };

export type RejectionLogOptions = {
  /** At most one log line per source per this many ms. Default 10 000. */
  intervalMs?: number;
  now?: Now;
};

type SourceState = {
  nextLogAt: number;
  pending: number;
  pendingByReason: Partial<Record<RejectReason, number>>;
};

export class RejectionLog {
  private readonly counts = new Map<RejectSource, Record<RejectReason, number>>();
  private readonly state = new Map<RejectSource, SourceState>();
  private readonly intervalMs: number;
  private readonly now: Now;

  constructor(
    private readonly logger: Logger,
    opts: RejectionLogOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Counts one batch's refused samples, and logs them with `detail` (the first refused series and
   * time, the target...) unless this source logged less than intervalMs ago; the next line then
   * carries the counts of the batches not logged meanwhile.
   */
  record(source: RejectSource, byReason: Partial<Record<RejectReason, number>>, detail: object): void {
    const counts = this.counts.get(source) ?? zeroCounts();
    this.counts.set(source, counts);
    const st = this.state.get(source) ?? { nextLogAt: -Infinity, pending: 0, pendingByReason: {} };
    this.state.set(source, st);
    for (const [reason, n] of Object.entries(byReason) as [RejectReason, number][]) {
      counts[reason] += n;
      st.pending += n;
      st.pendingByReason[reason] = (st.pendingByReason[reason] ?? 0) + n;
    }
    const now = this.now();
    if (st.pending === 0 || now < st.nextLogAt) {
      return;
    }
    this.logger.warn(
      { source, rejected: st.pending, byReason: st.pendingByReason, ...detail },
      "samples rejected by the storage (logged at most every " +
        `${Math.round(this.intervalMs / 1000)} s per source; lineops_ingest_rejected_samples_total counts all)`,
    );
    st.nextLogAt = now + this.intervalMs;
    st.pending = 0;
    st.pendingByReason = {};
  }

  /** Every (source, reason) counter since start, zeros included so the series exist from the start. */
  totals(): RejectionCount[] {
    const out: RejectionCount[] = [];
    for (const source of ["remote_write", "scrape"] as const) {
      const counts = this.counts.get(source) ?? zeroCounts();
      for (const reason of REJECT_REASONS) {
        out.push({ source, reason, value: counts[reason] });
      }
    }
    return out;
  }
}

function zeroCounts(): Record<RejectReason, number> {
  return { out_of_bounds: 0, too_far_in_future: 0, out_of_order: 0, duplicate: 0, invalid: 0 };
}
