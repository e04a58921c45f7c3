// Errors of the remote stage: a remote-write request that cannot be decoded or validated, one whose
// samples the storage rejected, and an OpenMetrics import that failed. Stable codes for tests and the API.
import { defineError, LineopsError } from "../../errors.js";

export const RemoteErrors = {
  /** Bad snappy, truncated or malformed protobuf, invalid labels, over a limit: nothing was applied. */
  invalidWriteRequest: defineError("LINEOPS_ERR_REMOTE_WRITE_INVALID", 400, "bad_data"),
  /** An OpenMetrics backfill input that cannot be imported at all (not a per-line error). */
  invalidImport: defineError("LINEOPS_ERR_IMPORT_INVALID", 400, "bad_data"),
} as const;

/** One series whose samples the storage refused (out of order, duplicate, too old). */
export type RejectedSeries = {
  readonly labels: Readonly<Record<string, string>>;
  readonly count: number;
  /** The storage's message for the first refused sample. */
  readonly firstError: string;
};

/**
 * The storage refused samples of a remote-write request. As Prometheus 2.53 does for remote write 1.0,
 * the whole request was rolled back and the sender gets 400 (so it does not retry the batch).
 */
export class RemoteWriteRejectedError extends LineopsError {
  static readonly code = "LINEOPS_ERR_REMOTE_WRITE_REJECTED";

  constructor(
    readonly rejectedSamples: number,
    readonly rejectedSeries: number,
    readonly rejected: readonly RejectedSeries[],
  ) {
    const first = rejected[0];
    const detail = first ? `; first: ${first.firstError} for ${JSON.stringify(first.labels)}` : "";
    super(
      RemoteWriteRejectedError.code,
      `${rejectedSamples} sample(s) of ${rejectedSeries} series rejected by the storage, request not applied${detail}`,
      400,
      "bad_data",
    );
    this.name = "RemoteWriteRejectedError";
  }
}
