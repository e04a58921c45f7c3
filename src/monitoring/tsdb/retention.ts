// Retention: deletes raw blocks and tier blocks older than their retention (measured from the
// newest data, never from beyond the clock), then the oldest blocks while the database is over
// its size limit — raw first, then finer tiers, so history degrades in resolution before it goes.
import type { BlockSet } from "./block-set.js";

export type RetentionPolicy = {
  /** Raw blocks older than this (relative to the newest data) are deleted; 0 = keep. */
  retentionMs: number;
  /** Delete the oldest blocks while the total exceeds this; 0 = no limit. */
  retentionBytes: number;
  tiers: readonly { resolutionMs: number; retentionMs: number }[];
};

/**
 * Applies `p` to `blocks`. `newestData` is the head's newest sample time, `latestValid` the clock
 * + MAX_AHEAD_MS (one future-dated sample once made retention delete every block), `totalBytes`
 * the database's disk usage now.
 */
export function applyRetention(
  blocks: BlockSet,
  p: RetentionPolicy,
  newestData: number,
  latestValid: number,
  totalBytes: () => number,
): void {
  let newest = newestData;
  for (const b of blocks.raw) {
    newest = Math.max(newest, b.meta.maxTime);
  }
  newest = Math.min(newest, latestValid);
  if (newest === -Infinity) {
    return;
  }
  if (p.retentionMs > 0) {
    for (const b of [...blocks.raw]) {
      if (b.meta.maxTime <= newest - p.retentionMs) {
        blocks.delete(b);
      }
    }
  }
  for (const tier of p.tiers) {
    for (const b of [...(blocks.tiers.get(tier.resolutionMs) ?? [])]) {
      if (tier.retentionMs > 0 && b.meta.maxTime <= newest - tier.retentionMs) {
        blocks.delete(b);
      }
    }
  }
  if (p.retentionBytes > 0) {
    let total = totalBytes();
    const order = [
      blocks.raw,
      ...[...blocks.tiers.keys()].sort((a, b) => a - b).map((r) => blocks.tiers.get(r)!),
    ];
    for (const list of order) {
      while (total > p.retentionBytes && list.length > 0) {
        const b = list[0]!;
        total -= b.sizeBytes();
        blocks.delete(b);
      }
    }
  }
}
