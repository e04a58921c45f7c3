// Errors raised by the embedded TSDB: rejected samples (out of order, too old, duplicate), stale
// series refs, and storage faults. Every one is a StorageError with a stable LINEOPS_ERR_* code.
import { LineopsError, defineError } from "../../errors.js";

/** Base class of every TSDB error, so callers can tell storage rejections from other faults. */
export class StorageError extends LineopsError {
  override name = "StorageError";
}

export const TsdbErrors = {
  /** t is older than the last committed sample of the series. */
  outOfOrder: defineError("LINEOPS_ERR_OUT_OF_ORDER", 400, "bad_data", StorageError),
  /** Same timestamp as the last sample of the series, different value. */
  duplicateSample: defineError("LINEOPS_ERR_DUPLICATE_SAMPLE", 400, "bad_data", StorageError),
  /** t is before the head's min valid time: that range is already persisted in a block. */
  tooOld: defineError("LINEOPS_ERR_SAMPLE_TOO_OLD", 400, "bad_data", StorageError),
  /**
   * t is beyond the appender's max valid time (its creation time + maxAheadMs, 10 min by default).
   * One such sample used to drive block cuts and retention from a future "newest" time.
   */
  tooFarInFuture: defineError("LINEOPS_ERR_SAMPLE_TOO_FAR_IN_FUTURE", 400, "bad_data", StorageError),
  /** Timestamp is not a finite integer number of milliseconds. */
  invalidSample: defineError("LINEOPS_ERR_INVALID_SAMPLE", 400, "bad_data", StorageError),
  /**
   * appendRef() with a ref the head no longer knows (dropped by head GC after a block cut, or never
   * issued): the caller must fall back to append(labels, ...), which returns a fresh ref.
   */
  unknownRef: defineError("LINEOPS_ERR_UNKNOWN_SERIES_REF", 400, "bad_data", StorageError),
  /** A label set that cannot be stored (empty, or an empty metric name / label name). */
  invalidLabels: defineError("LINEOPS_ERR_INVALID_LABELS", 400, "bad_data", StorageError),
  /** A regex matcher that does not compile. */
  invalidMatcher: defineError("LINEOPS_ERR_INVALID_MATCHER", 400, "bad_data", StorageError),
  /** The appender was already committed or rolled back. */
  appenderDone: defineError("LINEOPS_ERR_APPENDER_DONE", 500, "internal", StorageError),
  /** The database was closed. */
  closed: defineError("LINEOPS_ERR_TSDB_CLOSED", 503, "unavailable", StorageError),
  /** A block or WAL record failed its checksum or could not be parsed. */
  corrupt: defineError("LINEOPS_ERR_TSDB_CORRUPT", 500, "internal", StorageError),
  /** A synchronous compact() while compactAsync() runs. */
  compacting: defineError("LINEOPS_ERR_TSDB_COMPACTING", 409, "conflict", StorageError),
  /** The data directory is locked by another process. */
  locked: defineError("LINEOPS_ERR_TSDB_LOCKED", 409, "conflict", StorageError),
  /** The directory's FORMAT is newer than this build reads: a newer lineops wrote it. */
  newerFormat: defineError("LINEOPS_ERR_TSDB_NEWER_FORMAT", 503, "unavailable", StorageError),
} as const;

/**
 * Why the storage refused a sample, as counted on /metrics and in the targets API. Names follow
 * Prometheus's counters (out_of_bound = before the head's min valid time).
 */
export type RejectReason = "out_of_bounds" | "too_far_in_future" | "out_of_order" | "duplicate" | "invalid";

export const REJECT_REASONS: readonly RejectReason[] = [
  "out_of_bounds",
  "too_far_in_future",
  "out_of_order",
  "duplicate",
  "invalid",
];

const REASON_BY_CODE: Record<string, RejectReason> = {
  [TsdbErrors.tooOld.code]: "out_of_bounds",
  [TsdbErrors.tooFarInFuture.code]: "too_far_in_future",
  [TsdbErrors.outOfOrder.code]: "out_of_order",
  [TsdbErrors.duplicateSample.code]: "duplicate",
};

/** The reason of a refused sample (a 4xx LineopsError), or undefined for a storage fault. */
export function rejectReason(err: unknown): RejectReason | undefined {
  if (!(err instanceof LineopsError) || err.httpStatus >= 500) {
    return undefined;
  }
  return REASON_BY_CODE[err.code] ?? "invalid";
}
