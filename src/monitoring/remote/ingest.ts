// Applies a decoded remote-write request through the storage's Appender with one commit. Every sample
// the storage refuses (out of order, duplicate, too old, too far in the future) is counted per series
// and per reason, so the 400 says how much was wrong and why, not just the first sample. Whether the
// accepted rest is committed is the caller's choice (onRejected).
import type { Appender } from "../model.js";
import { rejectReason, type RejectReason } from "../tsdb/errors.js";
import { RemoteWriteRejectedError, type RejectedSeries } from "./errors.js";
import type { DecodedWriteRequest } from "./write-request.js";

export type IngestOptions = {
  /**
   * "rollback" (default, Prometheus 2.53 / remote write 1.0): any refused sample rolls back the request
   * and throws RemoteWriteRejectedError. "commit" (remote write 2.0 style partial write): the accepted
   * samples are committed, and the refused ones are only reported in the result.
   */
  readonly onRejected?: "rollback" | "commit";
  /** How many refused series to list (the counts cover all). Default 10. */
  readonly maxReported?: number;
};

export type IngestResult = {
  readonly series: number;
  /** Samples appended and committed. */
  readonly samples: number;
  readonly rejectedSamples: number;
  readonly rejectedSeries: number;
  /** The first maxReported refused series. */
  readonly rejected: readonly RejectedSeries[];
  /** Refused samples by reason. */
  readonly byReason: Partial<Record<RejectReason, number>>;
};

/**
 * Appends every sample of `req` and commits once. A storage error of 4xx status is a refused sample;
 * anything else (a storage fault) rolls back and is rethrown as is.
 */
export function ingestWriteRequest(
  req: DecodedWriteRequest,
  appender: Appender,
  opts: IngestOptions = {},
): IngestResult {
  const maxReported = opts.maxReported ?? 10;
  const rejected: RejectedSeries[] = [];
  const byReason: Partial<Record<RejectReason, number>> = {};
  let rejectedSamples = 0;
  let rejectedSeries = 0;
  let appended = 0;
  try {
    for (const s of req.series) {
      const { ts, vs } = s.samples;
      const labels = s.labels;
      let refused = 0;
      let first: Omit<RejectedSeries, "labels" | "count"> | undefined;
      for (let i = 0; i < ts.length; i++) {
        try {
          appender.append(labels, ts[i]!, vs[i]!);
          appended++;
        } catch (err) {
          const reason = rejectReason(err);
          if (reason === undefined) {
            throw err;
          }
          byReason[reason] = (byReason[reason] ?? 0) + 1;
          first ??= { firstError: `${(err as Error).message} (t=${ts[i]})`, firstT: ts[i]!, reason };
          refused++;
        }
      }
      if (first) {
        rejectedSamples += refused;
        rejectedSeries++;
        if (rejected.length < maxReported) {
          rejected.push({ labels, count: refused, ...first });
        }
      }
    }
  } catch (err) {
    appender.rollback();
    throw err;
  }
  if (rejectedSamples > 0 && (opts.onRejected ?? "rollback") === "rollback") {
    appender.rollback();
    throw new RemoteWriteRejectedError(rejectedSamples, rejectedSeries, rejected, byReason);
  }
  appender.commit();
  return {
    series: req.series.length,
    samples: appended,
    rejectedSamples,
    rejectedSeries,
    rejected,
    byReason,
  };
}
