// Applies a decoded remote-write request through the storage's Appender with one commit. As Prometheus
// 2.53 does for remote write 1.0, a sample the storage refuses (out of order, duplicate, too old) makes
// the whole request roll back and answer 400, which the sender does not retry; we count every refused
// sample per series first, so the error says how much was wrong, not just the first sample.
import { LineopsError } from "../../errors.js";
import type { Appender } from "../model.js";
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
  let rejectedSamples = 0;
  let rejectedSeries = 0;
  let appended = 0;
  try {
    for (const s of req.series) {
      const { ts, vs } = s.samples;
      const labels = s.labels;
      let refused = 0;
      let firstError = "";
      for (let i = 0; i < ts.length; i++) {
        try {
          appender.append(labels, ts[i]!, vs[i]!);
          appended++;
        } catch (err) {
          if (!(err instanceof LineopsError) || err.httpStatus >= 500) {
            throw err;
          }
          if (refused === 0) {
            firstError = `${err.message} (t=${ts[i]})`;
          }
          refused++;
        }
      }
      if (refused > 0) {
        rejectedSamples += refused;
        rejectedSeries++;
        if (rejected.length < maxReported) {
          rejected.push({ labels, count: refused, firstError });
        }
      }
    }
  } catch (err) {
    appender.rollback();
    throw err;
  }
  if (rejectedSamples > 0 && (opts.onRejected ?? "rollback") === "rollback") {
    appender.rollback();
    throw new RemoteWriteRejectedError(rejectedSamples, rejectedSeries, rejected);
  }
  appender.commit();
  return { series: req.series.length, samples: appended, rejectedSamples, rejectedSeries, rejected };
}
