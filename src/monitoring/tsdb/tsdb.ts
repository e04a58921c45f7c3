// The embedded TSDB, as one database facade: a WAL-backed in-memory head, cut every
// blockDurationMs into immutable blocks plus 1m/1h downsampled tiers, with time and size
// retention. Implements the Storage contract of ../model.ts. Appends and queries run
// synchronously; the long jobs (compaction.ts, checkpoint.ts) run in time slices between them
// (compactAsync, closeAsync) or at once (compact, close) through the same code (job.ts).
import path from "node:path";
import type { Storage } from "../model.js";
import { HeadAppender, MAX_AHEAD_MS, type TsdbAppender } from "./appender.js";
import type { Block, BlockMeta } from "./block.js";
import { BlockSet } from "./block-set.js";
import { Checkpointer } from "./checkpoint.js";
import { Compactor, finishTruncate } from "./compaction.js";
import { StorageError, TsdbErrors, type RejectReason } from "./errors.js";
import { checkFormat, writeFormat } from "./format.js";
import type { FutureRepair } from "./future.js";
import { Head } from "./head.js";
import { runJob, runJobSync, unlimited, type Job } from "./job.js";
import { lockDir, unlockDir } from "./lock.js";
import { MergeQuerier, type QuerierHints, type TsdbQuerier } from "./querier.js";
import { replay } from "./replay.js";
import { applyRetention } from "./retention.js";
import { Slicer } from "../slicer.js";
import { grown } from "../typed-arrays.js";
import { Wal, type Logger } from "./wal.js";
import type { Now } from "../../clock.js";

export type { TsdbAppender } from "./appender.js";
export { MAX_AHEAD_MS } from "./appender.js";
export type { AggregateSeries, QuerierHints, TsdbQuerier } from "./querier.js";
export type { Aggregates } from "./downsample.js";
export type { BlockMeta } from "./block.js";
export type { FutureRepair } from "./future.js";

export type TierOptions = { resolutionMs: number; retentionMs: number };

export type TsdbOptions = {
  /** Raw blocks older than this (relative to the newest data) are deleted. Default 15 d; 0 = keep. */
  retentionMs?: number;
  /** Delete the oldest blocks while blocks + WAL + head exceed this. Default 0 = no limit. */
  retentionBytes?: number;
  /** WAL buffer flush period; a SIGKILL loses at most this much acknowledged data. Default 1000. */
  walFlushIntervalMs?: number;
  /** fsync after each WAL flush (survives power loss, costs an fsync per flush). Default false. */
  walFsync?: boolean;
  walSegmentBytes?: number;
  /** Span of one block (and the head's chunk alignment). Default 2 h. */
  blockDurationMs?: number;
  /** Downsampled tiers written at each block cut. Default 1 m kept 90 d, 1 h kept 365 d. */
  tiers?: TierOptions[];
  /** Check for due block cuts after commits (on a timer tick). Default true. */
  autoCompact?: boolean;
  /**
   * Delete nothing (no retention by age or bytes): offline tools such as `lineops tsdb import` do
   * not know the server's retention, and an import must never cost history. Default false.
   */
  keepAll?: boolean;
  /**
   * Work budget of one slice of compactAsync before it yields to the event loop. Default 5 ms;
   * 0 yields after every few series (tests use it to observe a cut in progress).
   */
  compactionSliceMs?: number;
  logger?: Logger;
  /**
   * The wall clock (ms): appends beyond now + MAX_AHEAD_MS are refused, and data beyond it found on
   * open is set aside. Default Date.now; tests inject one.
   */
  now?: Now;
  /** Called after every WAL flush (tests, and callers that report durability). */
  onWalFlush?: () => void;
};

export type CompactionStats = {
  blocks: number;
  durationMs: number;
  slices: number;
  maxSliceMs: number;
  /** The step of the longest slice (gather, sort, write, finish, switch, truncate, checkpoint…). */
  maxSlicePhase: string;
  /** The most CPU time one slice used (process-wide: includes GC helper threads). */
  maxSliceCpuMs: number;
};

export type TopEntry = { name: string; value: number };

export type TsdbStats = {
  numSeries: number;
  numSamples: number;
  numLabelPairs: number;
  chunkCount: number;
  minTime: number;
  maxTime: number;
  minValidTime: number;
  numBlocks: number;
  blockSamples: number;
  outOfOrderRejected: number;
  duplicateRejected: number;
  tooOldRejected: number;
  tooFarInFutureRejected: number;
  /** Blocks moved to quarantine on open because they were future-dated. */
  quarantinedBlocks: number;
  headMemoryBytes: number;
  seriesCountByMetricName: TopEntry[];
  labelValueCountByLabelName: TopEntry[];
  memoryInBytesByLabelName: TopEntry[];
  seriesCountByLabelValuePair: TopEntry[];
};

export type DiskUsage = { blocksBytes: number; walBytes: number; headBytes: number; totalBytes: number };

const DAY = 24 * 3600_000;

export class Tsdb implements Storage {
  private readonly head: Head;
  private readonly wal: Wal;
  private readonly blockSet: BlockSet;
  private readonly checkpointer: Checkpointer;
  private readonly compactor: Compactor;
  private readonly o: Required<Omit<TsdbOptions, "logger" | "onWalFlush">> & Pick<TsdbOptions, "logger">;
  /** Future-dated data set aside on open (see FutureRepair). */
  readonly repaired: FutureRepair = { blocks: [], samples: 0, series: 0 };
  private compactScheduled = false;
  private compacting: Promise<BlockMeta[]> | undefined;
  /** The last compaction run: how long, in how many slices, and its longest slice. */
  lastCompaction: CompactionStats | undefined;
  private closed = false;
  /** closeAsync() has begun: compactions stop, appends and queries still work until it ends. */
  private stopping = false;
  private closing: Promise<void> | undefined;
  private readonly reportedCorrupt = new Set<string>();
  private sameScratch = new Uint8Array(1024);
  private readonly newSeries: number[] = [];
  /** Data after this on open is future-dated (see FutureRepair). */
  private readonly openBound: number;

  private constructor(
    readonly dir: string,
    opts: TsdbOptions,
  ) {
    // First, before anything under dir is created or written: a newer lineops's TSDB stays as it was.
    const marker = checkFormat(dir);
    this.o = {
      retentionMs: opts.retentionMs ?? 15 * DAY,
      retentionBytes: opts.retentionBytes ?? 0,
      walFlushIntervalMs: opts.walFlushIntervalMs ?? 1000,
      walFsync: opts.walFsync ?? false,
      walSegmentBytes: opts.walSegmentBytes ?? 64 << 20,
      blockDurationMs: opts.blockDurationMs ?? 2 * 3600_000,
      tiers: opts.tiers ?? [
        { resolutionMs: 60_000, retentionMs: 90 * DAY },
        { resolutionMs: 3_600_000, retentionMs: 365 * DAY },
      ],
      autoCompact: opts.autoCompact ?? true,
      keepAll: opts.keepAll ?? false,
      compactionSliceMs: opts.compactionSliceMs ?? 5,
      logger: opts.logger,
      now: opts.now ?? (() => Date.now()), // read per call: tests that fake Date see their time
    };
    this.head = new Head(this.o.blockDurationMs);
    this.blockSet = new BlockSet(path.join(dir, "blocks"), this.o.logger);
    this.openBound = this.o.now() + MAX_AHEAD_MS;
    lockDir(dir);
    if (!marker) {
      writeFormat(dir); // a new directory, or one from before markers (format 1): mark it
    }
    const appendable = this.blockSet.load(
      this.openBound,
      this.o.now(),
      path.join(dir, "quarantine"),
      this.repaired,
    );
    this.head.minValidTime = Math.max(this.head.minValidTime, appendable);
    this.wal = Wal.open(path.join(dir, "wal"), {
      flushIntervalMs: this.o.walFlushIntervalMs,
      fsync: this.o.walFsync,
      segmentBytes: this.o.walSegmentBytes,
      logger: this.o.logger,
      onFlush: opts.onWalFlush,
    });
    this.checkpointer = new Checkpointer(this.head, this.wal);
    this.compactor = new Compactor(
      this.head,
      this.blockSet,
      this.checkpointer,
      this.o,
      () => this.closed,
      () => this.stopping,
      () => this.applyRetention(),
    );
  }

  /** Opens (creating if needed) the database in `dir`, loading blocks and replaying the WAL. */
  static open(dir: string, opts: TsdbOptions = {}): Tsdb {
    const db = new Tsdb(dir, opts);
    try {
      replay(db.head, db.wal, db.openBound, db.o.now(), db.repaired, db.o.logger);
      if (db.repaired.samples > 0 || db.repaired.minValidTime !== undefined) {
        // Persist the repair now: left in the WAL, a dropped sample that is no longer in the future
        // at a later open would come back and make that series' newer samples out of order.
        runJobSync(db.checkpointer.job(unlimited()));
      }
      db.applyRetention();
    } catch (err) {
      db.wal.close();
      unlockDir(dir);
      throw err;
    }
    return db;
  }

  // --- Storage ----------------------------------------------------------------------------------

  appender(): TsdbAppender {
    if (this.closed) {
      throw TsdbErrors.closed("tsdb is closed");
    }
    return new HeadAppender(
      this.head,
      (refs, ts, vs, n) => this.commitBatch(refs, ts, vs, n),
      this.o.now() + MAX_AHEAD_MS,
    );
  }

  querier(hints: QuerierHints = {}): TsdbQuerier {
    const res = hints.resolutionMs ?? 0;
    if (res > 0 && !this.blockSet.tiers.has(res) && !this.o.tiers.some((t) => t.resolutionMs === res)) {
      throw TsdbErrors.invalidSample(`no downsampled tier with resolution ${res} ms`);
    }
    const current = () => this.blockSet.view(res, this.head.hiddenBefore, this.head.epoch);
    return new MergeQuerier(
      this.head,
      this.head.snapshot(),
      current(),
      res,
      (b, err) => this.reportCorrupt(b, err),
      current,
    );
  }

  /** The downsampled tiers a querier can read (configured, or found on disk), ascending. */
  tierResolutions(): number[] {
    const all = new Set<number>(this.o.tiers.map((t) => t.resolutionMs));
    for (const res of this.blockSet.tiers.keys()) {
      all.add(res);
    }
    return [...all].sort((a, b) => a - b);
  }

  private commitBatch(refs: Float64Array, ts: Float64Array, vs: Float64Array, n: number): void {
    if (this.closed) {
      throw TsdbErrors.closed("tsdb is closed");
    }
    if (this.sameScratch.length < n) {
      this.sameScratch = grown(this.sameScratch, n, 0); // scratch: nothing to keep
    }
    this.newSeries.length = 0;
    const k = this.head.commit(refs, ts, vs, n, this.sameScratch, this.newSeries);
    if (this.newSeries.length > 0) {
      this.wal.logSeries(
        this.newSeries.map((s) => ({ ref: this.head.refOf(s), labels: this.head.labelsOf(s) })),
      );
    }
    this.wal.logSamples(refs, ts, vs, this.sameScratch, k);
    if (
      this.o.autoCompact &&
      !this.compactScheduled &&
      !this.compacting &&
      !this.stopping &&
      this.compactor.cutDue() !== undefined
    ) {
      this.compactScheduled = true;
      setImmediate(() => {
        this.compactScheduled = false;
        if (!this.closed) {
          this.compactAsync().catch((err: unknown) => {
            if (!this.closed) {
              this.o.logger?.error({ err }, "tsdb: compaction failed");
            }
          });
        }
      });
    }
  }

  /** Writes the WAL buffer now (the flush timer does this every walFlushIntervalMs). */
  flushWal(): void {
    this.wal.flush();
  }

  // --- compaction -------------------------------------------------------------------------------

  /**
   * Cuts every due block from the head (with its downsampled tiers), truncates the head and GCs
   * series left empty, checkpoints the WAL, merges complete tier windows, and applies retention.
   * Synchronous: compactAsync's job run at once. Returns the metas of the raw blocks written.
   */
  compact(): BlockMeta[] {
    if (this.compacting) {
      throw TsdbErrors.compacting("a block cut is already in progress (compactAsync)");
    }
    return runJobSync(this.compactionJob(unlimited()));
  }

  /**
   * compact() in time slices of a few ms, yielding to the event loop between them: appends,
   * scrapes and queries go on meanwhile. Samples before the cut's end are rejected from its start
   * (as after a synchronous cut); queries read the range from the head until the finished blocks
   * replace it in one synchronous step. Concurrent calls share one run.
   */
  compactAsync(): Promise<BlockMeta[]> {
    if (this.closed || this.stopping) {
      return Promise.reject(TsdbErrors.closed("tsdb is closed"));
    }
    if (!this.compacting) {
      const sl = new Slicer(this.o.compactionSliceMs, () => {
        if (this.closed || this.stopping) {
          throw TsdbErrors.closed("tsdb closed during compaction");
        }
      });
      this.compacting = runJob(this.compactionJob(sl), sl).finally(() => {
        this.compacting = undefined;
      });
    }
    return this.compacting;
  }

  /** Resolves when no compaction is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.compacting) {
      await this.compacting.catch(() => undefined);
    }
  }

  /** The compaction job, timed: lastCompaction reports its slices. */
  private *compactionJob(sl: Slicer): Job<BlockMeta[]> {
    const t0 = performance.now();
    const written = yield* this.compactor.job(sl);
    sl.endSlice();
    this.lastCompaction = {
      blocks: written.length,
      durationMs: performance.now() - t0,
      slices: sl.yields + 1,
      maxSliceMs: sl.maxSliceMs,
      maxSlicePhase: sl.maxSlicePhase,
      maxSliceCpuMs: sl.maxSliceCpuMs,
    };
    if (written.length > 0) {
      this.o.logger?.info(
        {
          blocks: written.length,
          ms: Math.round(this.lastCompaction.durationMs),
          slices: sl.yields + 1,
          maxSliceMs: Math.round(sl.maxSliceMs),
          maxSlicePhase: sl.maxSlicePhase,
        },
        "tsdb: compaction done",
      );
    }
    return written;
  }

  private applyRetention(): void {
    if (this.o.keepAll) {
      return;
    }
    applyRetention(
      this.blockSet,
      this.o,
      this.head.maxT,
      this.o.now() + MAX_AHEAD_MS,
      () => this.diskUsage().totalBytes,
    );
  }

  // --- introspection ----------------------------------------------------------------------------

  stats(limit = 10): TsdbStats {
    const h = this.head;
    const post = h.postingsStats();
    const byMetric: TopEntry[] = [];
    const valueCount: TopEntry[] = [];
    const memory: TopEntry[] = [];
    const pairs: TopEntry[] = [];
    let numLabelPairs = 0;
    for (const [name, values] of post) {
      valueCount.push({ name, value: values.size });
      let bytes = 0;
      for (const [v, n] of values) {
        if (n === 0) {
          continue;
        }
        numLabelPairs++;
        bytes += Buffer.byteLength(v) * n;
        pairs.push({ name: `${name}=${v}`, value: n });
        if (name === "__name__") {
          byMetric.push({ name: v, value: n });
        }
      }
      memory.push({ name, value: bytes });
    }
    const top = (l: TopEntry[]) =>
      l.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1)).slice(0, limit);
    let blockSamples = 0;
    for (const b of this.blockSet.raw) {
      blockSamples += b.meta.stats.numSamples;
    }
    return {
      numSeries: h.numSeries,
      numSamples: h.numSamples,
      numLabelPairs,
      chunkCount: h.chunkCount(),
      minTime: h.numSamples > 0 ? h.minT : 0,
      maxTime: h.numSamples > 0 ? h.maxT : 0,
      minValidTime: h.minValidTime,
      numBlocks: this.blockSet.raw.length,
      blockSamples,
      outOfOrderRejected: h.outOfOrderRejected,
      duplicateRejected: h.duplicateRejected,
      tooOldRejected: h.tooOldRejected,
      tooFarInFutureRejected: h.tooFarInFutureRejected,
      quarantinedBlocks: this.repaired.blocks.length,
      headMemoryBytes: h.memoryBytes(),
      seriesCountByMetricName: top(byMetric),
      labelValueCountByLabelName: top(valueCount),
      memoryInBytesByLabelName: top(memory),
      seriesCountByLabelValuePair: top(pairs),
    };
  }

  /**
   * The times an import may write now: after `now - retentionMs` (older would be deleted at once)
   * and up to `now + MAX_AHEAD_MS` (the appenders' bound).
   */
  validTimeRange(): { minTime: number; maxTime: number } {
    const now = this.o.now();
    return {
      minTime: this.o.retentionMs > 0 ? now - this.o.retentionMs : -Infinity,
      maxTime: now + MAX_AHEAD_MS,
    };
  }

  /** Samples refused since open, by reason (cheap: for lineops's /metrics on every scrape). */
  rejectedCounts(): Record<Exclude<RejectReason, "invalid">, number> {
    const h = this.head;
    return {
      out_of_bounds: h.tooOldRejected,
      too_far_in_future: h.tooFarInFutureRejected,
      out_of_order: h.outOfOrderRejected,
      duplicate: h.duplicateRejected,
    };
  }

  /** The `data` of Prometheus's GET /api/v1/status/tsdb. */
  statusJson(limit = 10) {
    const s = this.stats(limit);
    return {
      headStats: {
        numSeries: s.numSeries,
        numLabelPairs: s.numLabelPairs,
        chunkCount: s.chunkCount,
        minTime: s.minTime,
        maxTime: s.maxTime,
      },
      seriesCountByMetricName: s.seriesCountByMetricName,
      labelValueCountByLabelName: s.labelValueCountByLabelName,
      memoryInBytesByLabelName: s.memoryInBytesByLabelName,
      seriesCountByLabelValuePair: s.seriesCountByLabelValuePair,
    };
  }

  diskUsage(): DiskUsage {
    const blocksBytes = this.blockSet.sizeBytes();
    const walBytes = this.wal.sizeBytes();
    const headBytes = this.head.headChunkBytes();
    return { blocksBytes, walBytes, headBytes, totalBytes: blocksBytes + walBytes + headBytes };
  }

  /** Metas of every loaded block, raw first, each list oldest first. */
  blocks(): BlockMeta[] {
    return this.blockSet.all().map((b) => b.meta);
  }

  private reportCorrupt(b: Block, err: StorageError): void {
    if (!this.reportedCorrupt.has(b.meta.ulid)) {
      this.reportedCorrupt.add(b.meta.ulid);
      this.o.logger?.error({ err, block: b.meta.ulid }, "tsdb: corrupt block skipped");
    }
  }

  // --- close ------------------------------------------------------------------------------------

  /**
   * close() without its synchronous checkpoint, for a process that keeps serving while it stops:
   * a running compaction stops at its next slice (what it had not switched to a block stays in
   * the head), then the head's truncation is finished and the checkpoint written in slices while
   * appends and queries go on; the WAL is closed last. close() meanwhile finishes at once.
   */
  closeAsync(): Promise<void> {
    if (this.closed) {
      return Promise.resolve();
    }
    this.closing ??= this.runClose();
    return this.closing;
  }

  private async runClose(): Promise<void> {
    this.stopping = true;
    await this.idle();
    try {
      const sl = new Slicer(this.o.compactionSliceMs, () => {
        if (this.closed) {
          throw TsdbErrors.closed("tsdb closed");
        }
      });
      await runJob(this.closeJob(sl), sl);
    } catch (err) {
      if (this.closed) {
        return; // close() was called meanwhile and did the rest
      }
      this.o.logger?.error({ err }, "tsdb: checkpoint at close failed; retrying synchronously");
      this.close();
      return;
    }
    if (!this.closed) {
      this.closed = true;
      this.release();
    }
  }

  /** Flushes the WAL and checkpoints the head so the next open replays nothing but the snapshot. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      // A compaction in flight stops at its next slice; the checkpoint must hold what it has not
      // persisted: the range it was gathering, and none of what it already switched to a block.
      if (this.compactor.cutRevert !== undefined) {
        this.head.minValidTime = this.compactor.cutRevert;
      }
      runJobSync(this.closeJob(unlimited()));
    } finally {
      this.release();
    }
  }

  /** What closing persists: the head's truncation finished, then a checkpoint. */
  private *closeJob(sl: Slicer): Job<void> {
    if (this.head.truncating) {
      yield* finishTruncate(this.head, sl);
    }
    yield* this.checkpointer.job(sl);
  }

  private release(): void {
    this.wal.close();
    this.blockSet.closeAll();
    unlockDir(this.dir);
  }
}

export { StorageError, TsdbErrors };
