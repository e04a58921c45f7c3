// Errors of the remote stage: a remote-write request that cannot be decoded or validated, one whose
// samples the storage rejected, and an OpenMetrics import that failed. Stable codes for tests and the API.
import { defineError, LineopsError } from "../../errors.js";
import type { RejectReason } from "../tsdb/errors.js";

export const RemoteErrors = {
  /** Bad snappy, truncated or malformed protobuf, invalid labels, over a limit: nothing was applied. */
  invalidWriteRequest: defineError("LINEOPS_ERR_REMOTE_WRITE_INVALID", 400, "bad_data"),
  /** An OpenMetrics backfill input that cannot be imported at all (not a per-line error). */
  invalidImport: defineError("LINEOPS_ERR_IMPORT_INVALID", 400, "bad_data"),
} as const;

/** One series whose samples the storage refused (out of order, duplicate, too old, too far ahead). */
export type RejectedSeries = {
  readonly labels: Readonly<Record<string, string>>;
  readonly count: number;
  /** The storage's message for the first refused sample. */
  readonly firstError: string;
  /** The first refused sample's timestamp (ms) and why it was refused. */
  readonly firstT: number;
  readonly reason: RejectReason;
};

/**
 * The storage refused samples of a remote-write request; the sender gets 400, so it does not retry
 * the batch. `stored` undefined: the whole request was rolled back (Prometheus 2.53 for remote write
 * 1.0); a number: that many accepted samples were committed (remote write 2.0's partial write).
 */
export class RemoteWriteRejectedError extends LineopsError {
  static readonly code = "LINEOPS_ERR_REMOTE_WRITE_REJECTED";

  constructor(
    readonly rejectedSamples: number,
    readonly rejectedSeries: number,
    readonly rejected: readonly RejectedSeries[],
    readonly byReason: Partial<Record<RejectReason, number>> = {},
    readonly stored?: number,
  ) {
    const first = rejected[0];
    const reasons = Object.entries(byReason)
      .map(([r, n]) => `${n} ${r.replaceAll("_", " ")}`)
      .join(", ");
    const outcome =
      stored === undefined ? "request not applied" : `the other ${stored} sample(s) were stored`;
    const detail = first ? `; first: ${first.firstError} for ${JSON.stringify(first.labels)}` : "";
    super(
      RemoteWriteRejectedError.code,
      `${rejectedSamples} sample(s) of ${rejectedSeries} series rejected by the storage` +
        `${reasons ? ` (${reasons})` : ""}, ${outcome}${detail}`,
      400,
      "bad_data",
    );
    this.name = "RemoteWriteRejectedError";
  }
}
