// Backfills an OpenMetrics file into a TSDB directory while lineops is stopped (`lineops tsdb
// import`): opens the TSDB so that it deletes nothing, imports, persists blocks, closes.
import { createReadStream } from "node:fs";
import { Tsdb } from "../tsdb/tsdb.js";
import { importOpenMetrics, type ImportResult } from "./backfill.js";

export type BackfillFileOptions = {
  /** Samples older than this (before now) are refused, as the server would delete them. */
  retentionMs: number;
  onProgress?: (p: { samples: number }) => void;
  /** Called once the samples are in, before blocks are written (the slow part). */
  onPersisting?: () => void;
};

export async function backfillFile(
  tsdbDir: string,
  file: string,
  o: BackfillFileOptions,
): Promise<ImportResult> {
  // keepAll: the import deletes nothing (it does not read lineops.yaml, and a 15 d default once
  // deleted older blocks of a server kept for 90 d); the retention only refuses samples.
  const db = Tsdb.open(tsdbDir, { autoCompact: false, retentionMs: o.retentionMs, keepAll: true });
  try {
    // Samples beyond the clock + 10 min or before the retention window are refused by line.
    const result = await importOpenMetrics(createReadStream(file), () => db.appender(), {
      ...db.validTimeRange(),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    o.onPersisting?.();
    db.compact();
    return result;
  } finally {
    db.close();
  }
}
