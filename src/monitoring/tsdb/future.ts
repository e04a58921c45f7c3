// Future-dated data found on open (written by lineops before 0.x refused it, or under a clock that
// later stepped back): what open set aside, and how log lines show such times.

/** What open set aside so future-dated data cannot hold back appends or drive retention. */
export type FutureRepair = {
  /** Blocks that start after the open time + MAX_AHEAD_MS, moved to `<dir>/quarantine/`. */
  blocks: { ulid: string; minTime: number; maxTime: number; resolution: number; movedTo: string }[];
  /** WAL and checkpoint samples after the open time + MAX_AHEAD_MS, dropped; and their series. */
  samples: number;
  series: number;
  /** A persisted min valid time after the bound, ignored (the block it came from is gone). */
  minValidTime?: number;
};

/** A time for log lines: ISO 8601 when Date can show it (8.64e15 ms is its limit), else the number. */
export function timeText(t: number): string {
  return Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t);
}
