// The embedded TSDB: a WAL-backed in-memory head, cut every blockDurationMs into immutable blocks
// plus 1m/1h downsampled tiers, with time and size retention. Implements the Storage contract of
// ../model.ts. Appends and queries run synchronously; block cuts and checkpoints run in time
// slices between them (compactAsync), so the event loop never stalls for long.
import fs from "node:fs";
import path from "node:path";
import type { Storage } from "../model.js";
import { HeadAppender, MAX_AHEAD_MS, type TsdbAppender } from "./appender.js";
import { labelsKey, type Labels } from "../model.js";
import {
  Block,
  BlockWriter,
  writeBlock,
  type BlockChunk,
  type BlockMeta,
  type BlockSeries,
} from "./block.js";
import type { ByteReader, ByteWriter } from "./bytes.js";
import { decodeChunk } from "./chunk.js";
import { aggregate, decodeAggregates, emptyAggregates, encodeAggregates } from "./downsample.js";
import { StorageError, TsdbErrors, type RejectReason } from "./errors.js";
import { Head, slotOfRef, type ChunkPart } from "./head.js";
import { MergeQuerier, type QuerierHints, type StorageView, type TsdbQuerier } from "./querier.js";
import { Slicer, sortSliced } from "../slicer.js";
import {
  decodeSamples,
  decodeSeries,
  encodeSeries,
  REC_CHUNKS,
  REC_META,
  REC_SAMPLES,
  REC_SERIES,
  Wal,
  type CheckpointWriter,
  type Logger,
} from "./wal.js";

export type { TsdbAppender } from "./appender.js";
export { MAX_AHEAD_MS } from "./appender.js";
export type { AggregateSeries, QuerierHints, TsdbQuerier } from "./querier.js";
export type { Aggregates } from "./downsample.js";
export type { BlockMeta } from "./block.js";

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
  now?: () => number;
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

/**
 * Future-dated data found on open (written by lineops before 0.x refused it, or under a clock that
 * later stepped back) and set aside so it cannot hold back appends or drive retention.
 */
export type FutureRepair = {
  /** Blocks that start after the open time + MAX_AHEAD_MS, moved to `<dir>/quarantine/`. */
  blocks: { ulid: string; minTime: number; maxTime: number; resolution: number; movedTo: string }[];
  /** WAL and checkpoint samples after the open time + MAX_AHEAD_MS, dropped; and their series. */
  samples: number;
  series: number;
  /** A persisted min valid time after the bound, ignored (the block it came from is gone). */
  minValidTime?: number;
};

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
const TIER_MERGE_SPAN: Record<number, number> = { 60_000: DAY, 3_600_000: 7 * DAY };

export class Tsdb implements Storage {
  private readonly head: Head;
  private readonly wal: Wal;
  private raw: Block[] = [];
  private tiers = new Map<number, Block[]>();
  private readonly blockDir: string;
  private readonly o: Required<Omit<TsdbOptions, "logger" | "onWalFlush">> & Pick<TsdbOptions, "logger">;
  /** Future-dated data set aside on open (see repairFuture). */
  readonly repaired: FutureRepair = { blocks: [], samples: 0, series: 0 };
  private compactScheduled = false;
  private compacting: Promise<BlockMeta[]> | undefined;
  private checkpointing: CheckpointWriter | undefined;
  /** While a cut gathers its range: the min valid time to restore if it does not finish. */
  private cutRevert: number | undefined;
  /** The last compactAsync run: how long, in how many slices, and its longest slice. */
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
    this.blockDir = path.join(dir, "blocks");
    this.openBound = this.o.now() + MAX_AHEAD_MS;
    fs.mkdirSync(this.blockDir, { recursive: true });
    this.lock();
    this.loadBlocks();
    this.wal = Wal.open(path.join(dir, "wal"), {
      flushIntervalMs: this.o.walFlushIntervalMs,
      fsync: this.o.walFsync,
      segmentBytes: this.o.walSegmentBytes,
      logger: this.o.logger,
      onFlush: opts.onWalFlush,
    });
  }

  /** Opens (creating if needed) the database in `dir`, loading blocks and replaying the WAL. */
  static open(dir: string, opts: TsdbOptions = {}): Tsdb {
    const db = new Tsdb(dir, opts);
    try {
      db.replay();
      if (db.repaired.samples > 0 || db.repaired.minValidTime !== undefined) {
        // Persist the repair now: left in the WAL, a dropped sample that is no longer in the future
        // at a later open would come back and make that series' newer samples out of order.
        db.checkpoint();
      }
      db.applyRetention();
    } catch (err) {
      db.wal.close();
      db.unlock();
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
    if (res > 0 && !this.tiers.has(res) && !this.o.tiers.some((t) => t.resolutionMs === res)) {
      throw TsdbErrors.invalidSample(`no downsampled tier with resolution ${res} ms`);
    }
    const current = () => this.storageView(res);
    return new MergeQuerier(
      this.head,
      this.head.snapshot(),
      current(),
      res,
      (b, err) => this.reportCorrupt(b, err),
      current,
    );
  }

  private storageView(res: number): StorageView {
    return {
      raw: [...this.raw],
      tiers: res > 0 ? [...(this.tiers.get(res) ?? [])] : [],
      hiddenBefore: this.head.hiddenBefore,
      epoch: this.head.epoch,
    };
  }

  private commitBatch(refs: Float64Array, ts: Float64Array, vs: Float64Array, n: number): void {
    if (this.closed) {
      throw TsdbErrors.closed("tsdb is closed");
    }
    if (this.sameScratch.length < n) {
      this.sameScratch = new Uint8Array(Math.max(n, this.sameScratch.length * 2));
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
      this.cutDue() !== undefined
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

  /** The start of the next block to cut, if the head spans 1.5 block durations past it. */
  private cutDue(): number | undefined {
    const h = this.head;
    if (h.numSamples === 0) {
      return undefined;
    }
    const d = this.o.blockDurationMs;
    const start = Math.floor(h.minT / d) * d;
    return h.maxT >= start + d + d / 2 ? start : undefined;
  }

  /**
   * Cuts every due block from the head (with its downsampled tiers), truncates the head and GCs
   * series left empty, checkpoints the WAL, merges complete tier windows, and applies retention.
   * Synchronous. Returns the metas of the raw blocks written.
   */
  compact(): BlockMeta[] {
    if (this.compacting) {
      throw TsdbErrors.compacting("a block cut is already in progress (compactAsync)");
    }
    const written: BlockMeta[] = [];
    let start = this.cutDue();
    while (start !== undefined) {
      const end = start + this.o.blockDurationMs;
      const meta = this.cutBlock(start, end);
      if (meta) {
        written.push(meta);
      }
      this.head.truncate(end);
      start = this.cutDue();
    }
    if (written.length > 0 || this.head.minValidTime > -Infinity) {
      this.checkpoint();
    }
    this.mergeTiers();
    this.applyRetention();
    return written;
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
      this.compacting = this.runCompaction().finally(() => {
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

  private newSlicer(): Slicer {
    return new Slicer(this.o.compactionSliceMs, () => {
      if (this.closed || this.stopping) {
        throw TsdbErrors.closed("tsdb closed during compaction");
      }
    });
  }

  private async runCompaction(): Promise<BlockMeta[]> {
    const sl = this.newSlicer();
    const written: BlockMeta[] = [];
    const t0 = performance.now();
    let start = this.cutDue();
    while (start !== undefined) {
      const end = start + this.o.blockDurationMs;
      const meta = await this.cutBlockAsync(start, end, sl);
      if (meta) {
        written.push(meta);
      }
      const h = this.head;
      sl.phase = "truncate";
      const n = h.truncating ? h.truncatingSlots : h.beginTruncate(end);
      for (let s = 0; s < n; s += TRUNCATE_SLOTS) {
        h.truncateSlots(s, Math.min(n, s + TRUNCATE_SLOTS));
        await sl.maybeYield();
      }
      sl.phase = "end truncate";
      h.endTruncate();
      start = this.cutDue();
    }
    if (written.length > 0 || this.head.minValidTime > -Infinity) {
      await this.checkpointAsync(sl);
    }
    await this.mergeTiersAsync(sl);
    sl.phase = "retention";
    this.applyRetention();
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

  /**
   * Gathers [start, end) from the head slot by slot, writes the raw block and its tiers, then
   * makes them visible and hides the range in the head in one step. Appends below `end` are
   * rejected from the start, so the gathered chunks are final: chunks never straddle `end`, and
   * closed chunk bytes are never rewritten in the arena.
   */
  private async cutBlockAsync(start: number, end: number, sl: Slicer): Promise<BlockMeta | undefined> {
    const h = this.head;
    this.cutRevert = h.minValidTime;
    h.minValidTime = Math.max(h.minValidTime, end);
    try {
      return await this.gatherAndWrite(start, end, sl);
    } finally {
      if (this.cutRevert !== undefined && !this.closed) {
        h.minValidTime = this.cutRevert; // failed: the range is still only in the head
      }
      this.cutRevert = undefined;
    }
  }

  private async gatherAndWrite(start: number, end: number, sl: Slicer): Promise<BlockMeta | undefined> {
    // Only slot numbers are kept between slices (chunks are read again when written): holding
    // every series' chunks and labels as objects made the GC pause for 100+ ms at 200k series.
    const h = this.head;
    sl.phase = "gather";
    let slots = new Uint32Array(1024);
    let n = 0;
    const nSlots = h.nSlots;
    for (let slot = 0; slot < nSlots; slot++) {
      if (h.live[slot] === 1 && h.hasChunksIn(slot, start, end)) {
        if (n === slots.length) {
          const grown = new Uint32Array(n * 2);
          grown.set(slots);
          slots = grown;
        }
        slots[n++] = slot;
      }
      if (sl.due()) {
        await sl.yield();
      }
    }
    if (n === 0) {
      this.cutRevert = undefined;
      return undefined;
    }
    sl.phase = "sort";
    const order = await sortSliced(slots.subarray(0, n), (a, b) => h.compareLabels(a, b), sl);
    const rawW = new BlockWriter(this.blockDir, { minTime: start, maxTime: end, resolution: 0 });
    const tierW = this.o.tiers.map(
      (t) => new BlockWriter(this.blockDir, { minTime: start, maxTime: end, resolution: t.resolutionMs }),
    );
    const writers = [rawW, ...tierW];
    for (const w of writers) {
      w.syncFlush = false;
    }
    try {
      sl.phase = "write";
      const dec = new TierScratch();
      for (const slot of order) {
        const chunks = h.chunksForBlock(slot, start, end);
        const s: BlockSeries = {
          labels: h.labelsOf(slot),
          chunks: chunks.map((c) => ({ minT: c.minT, maxT: c.maxT, count: c.count, cols: [c.bytes] })),
        };
        rawW.add(s);
        const m = dec.decode(s);
        this.o.tiers.forEach((tier, k) => {
          const agg = aggregate(dec.t, dec.v, m, tier.resolutionMs, dec.scratch);
          if (agg.ts.length > 0) {
            tierW[k]!.add({ labels: s.labels, chunks: encodeAggregates(agg, dec.pool) });
          }
        });
        for (const w of writers) {
          if (w.buffered >= 4 << 20) {
            await sl.io(w.flush());
          }
        }
        if (sl.due()) {
          await sl.yield();
        }
      }
      sl.phase = "finish blocks";
      const metas: BlockMeta[] = [];
      const blocks: Block[] = [];
      for (const w of writers) {
        const m = await sl.io(w.finish());
        await sl.maybeYield();
        // The writer's own index: a first query after the switch must not parse the index file.
        const b = Block.open(path.join(this.blockDir, m.ulid));
        b.adoptIndex(w.ix.build());
        metas.push(m);
        blocks.push(b);
        await sl.maybeYield();
      }
      if (this.closed) {
        throw TsdbErrors.closed("tsdb closed during compaction"); // close() checkpointed the range
      }
      sl.phase = "switch";
      // The switch: blocks visible and the head's copy hidden in the same synchronous step.
      const meta = metas[0]!;
      this.raw.push(blocks[0]!);
      this.raw.sort((a, b) => a.meta.minTime - b.meta.minTime);
      for (const b of blocks.slice(1)) {
        this.addTier(b);
      }
      h.beginTruncate(end);
      this.cutRevert = undefined;
      this.logCut(meta, start, end);
      return meta;
    } catch (err) {
      for (const w of writers) {
        w.abort();
      }
      throw err;
    }
  }

  private logCut(meta: BlockMeta, start: number, end: number): void {
    this.o.logger?.info(
      {
        block: meta.ulid,
        minTime: start,
        maxTime: end,
        series: meta.stats.numSeries,
        samples: meta.stats.numSamples,
      },
      "tsdb: block cut",
    );
  }

  private cutBlock(start: number, end: number): BlockMeta | undefined {
    const h = this.head;
    const series: BlockSeries[] = [];
    for (const slot of h.liveSlots()) {
      const chunks = h.chunksForBlock(slot, start, end);
      if (chunks.length > 0) {
        series.push({
          labels: h.labelsOf(slot),
          chunks: chunks.map((c) => ({ minT: c.minT, maxT: c.maxT, count: c.count, cols: [c.bytes] })),
        });
      }
    }
    if (series.length === 0) {
      return undefined;
    }
    const meta = writeBlock(this.blockDir, { minTime: start, maxTime: end, resolution: 0 }, series);
    this.raw.push(Block.open(path.join(this.blockDir, meta.ulid)));
    this.raw.sort((a, b) => a.meta.minTime - b.meta.minTime);
    let scratch = emptyAggregates(0);
    let rawT = new Float64Array(0);
    let rawV = new Float64Array(0);
    for (const tier of this.o.tiers) {
      const tseries: BlockSeries[] = [];
      for (const s of series) {
        let total = 0;
        for (const c of s.chunks) {
          total += c.count;
        }
        if (rawT.length < total) {
          rawT = new Float64Array(total * 2);
          rawV = new Float64Array(total * 2);
          scratch = emptyAggregates(total * 2);
        }
        let n = 0;
        for (const c of s.chunks) {
          n = decodeChunk(c.cols[0]!, c.count, rawT, rawV, n);
        }
        const agg = aggregate(rawT, rawV, n, tier.resolutionMs, scratch);
        if (agg.ts.length > 0) {
          tseries.push({ labels: s.labels, chunks: encodeAggregates(agg) });
        }
      }
      this.addTierBlock(
        writeBlock(this.blockDir, { minTime: start, maxTime: end, resolution: tier.resolutionMs }, tseries),
      );
    }
    this.logCut(meta, start, end);
    return meta;
  }

  private addTierBlock(meta: BlockMeta): void {
    this.addTier(Block.open(path.join(this.blockDir, meta.ulid)));
  }

  private addTier(b: Block): void {
    const list = this.tiers.get(b.meta.resolution) ?? [];
    list.push(b);
    list.sort((a, c) => a.meta.minTime - c.meta.minTime);
    this.tiers.set(b.meta.resolution, list);
  }

  /** Merges a tier's blocks within one complete aligned window (1 d for 1 m, 7 d for 1 h). */
  private mergeTiers(): void {
    for (const { res, group } of this.tierMergeGroups()) {
      try {
        this.mergeBlocks(res, group);
      } catch (err) {
        this.o.logger?.error({ err, resolution: res }, "tsdb: tier merge failed");
      }
    }
  }

  private tierMergeGroups(): { res: number; group: Block[] }[] {
    const out: { res: number; group: Block[] }[] = [];
    for (const [res, list] of this.tiers) {
      const span = TIER_MERGE_SPAN[res] ?? Math.max(res * 1440, this.o.blockDurationMs);
      const groups = new Map<number, Block[]>();
      for (const b of list) {
        const w = Math.floor(b.meta.minTime / span);
        if (Math.floor((b.meta.maxTime - 1) / span) !== w || b.corrupt) {
          continue;
        }
        const g = groups.get(w) ?? [];
        g.push(b);
        groups.set(w, g);
      }
      for (const [w, g] of groups) {
        if (g.length >= 2 && (w + 1) * span <= this.head.minValidTime) {
          out.push({ res, group: g });
        }
      }
    }
    return out;
  }

  /** mergeTiers in slices: a day of 1 m blocks at 200k series is seconds of work. */
  private async mergeTiersAsync(sl: Slicer): Promise<void> {
    sl.phase = "merge tiers";
    for (const { res, group } of this.tierMergeGroups()) {
      try {
        await this.mergeBlocksAsync(res, group, sl);
      } catch (err) {
        if (this.closed || this.stopping) {
          throw err;
        }
        this.o.logger?.error({ err, resolution: res }, "tsdb: tier merge failed");
      }
    }
  }

  /**
   * Merges blocks series by series: every block lists its series sorted by labels, so a k-way
   * merge visits each label set once, and only one series' chunks are in memory at a time. The
   * merged block replaces its sources in one synchronous step.
   */
  private async mergeBlocksAsync(res: number, group: Block[], sl: Slicer): Promise<void> {
    const w = new BlockWriter(this.blockDir, {
      minTime: Math.min(...group.map((b) => b.meta.minTime)),
      maxTime: Math.max(...group.map((b) => b.meta.maxTime)),
      resolution: res,
      sources: group.map((b) => b.meta.ulid),
    });
    w.syncFlush = false;
    try {
      const pos = group.map(() => 0);
      const count = group.map((b) => b.index().labelsOff.length - 1);
      const keys = group.map((b, i) => (count[i]! > 0 ? labelsKey(b.labelsOf(0)) : undefined));
      const pool = { buf: new Uint8Array(1 << 16) };
      for (;;) {
        let min: string | undefined;
        for (const k of keys) {
          if (k !== undefined && (min === undefined || k < min)) {
            min = k;
          }
        }
        if (min === undefined) {
          break;
        }
        let labels: Labels | undefined;
        const chunks: BlockChunk[] = [];
        group.forEach((b, i) => {
          if (keys[i] !== min) {
            return;
          }
          const at = pos[i]!;
          labels ??= b.labelsOf(at);
          chunks.push(...b.readChunks(at, -Infinity, Infinity));
          pos[i] = at + 1;
          keys[i] = at + 1 < count[i]! ? labelsKey(b.labelsOf(at + 1)) : undefined;
        });
        // Re-chunk so merged series do not keep many tiny chunks.
        const a = decodeAggregates(chunks, -Infinity, Infinity);
        w.add({ labels: labels!, chunks: encodeAggregates(a, pool) });
        if (w.buffered >= 4 << 20) {
          await sl.io(w.flush());
        }
        if (sl.due()) {
          await sl.yield();
        }
      }
      const meta = await sl.io(w.finish());
      const merged = Block.open(path.join(this.blockDir, meta.ulid));
      merged.adoptIndex(w.ix.build());
      await sl.maybeYield();
      this.addTier(merged);
      for (const b of group) {
        this.deleteBlock(b);
      }
    } catch (err) {
      w.abort();
      throw err;
    }
  }

  private mergeBlocks(res: number, group: Block[]): void {
    const byKey = new Map<string, BlockSeries>();
    for (const b of group) {
      for (const s of b.allSeries()) {
        const k = JSON.stringify(Object.entries(s.labels));
        const e = byKey.get(k);
        if (e) {
          e.chunks.push(...s.chunks);
        } else {
          byKey.set(k, { labels: s.labels, chunks: [...s.chunks] });
        }
      }
    }
    // Re-chunk so merged series do not keep many tiny chunks.
    const series: BlockSeries[] = [];
    for (const s of byKey.values()) {
      const a = decodeAggregates(s.chunks, -Infinity, Infinity);
      series.push({ labels: s.labels, chunks: encodeAggregates(a) });
    }
    const meta = writeBlock(
      this.blockDir,
      {
        minTime: Math.min(...group.map((b) => b.meta.minTime)),
        maxTime: Math.max(...group.map((b) => b.meta.maxTime)),
        resolution: res,
        sources: group.map((b) => b.meta.ulid),
      },
      series,
    );
    this.addTierBlock(meta);
    for (const b of group) {
      this.deleteBlock(b);
    }
  }

  // --- retention --------------------------------------------------------------------------------

  private applyRetention(): void {
    if (this.o.keepAll) {
      return;
    }
    let newest = this.head.maxT;
    for (const b of this.raw) {
      newest = Math.max(newest, b.meta.maxTime);
    }
    // Never measured from beyond the clock: one future-dated sample once made this delete every block.
    newest = Math.min(newest, this.o.now() + MAX_AHEAD_MS);
    if (newest === -Infinity) {
      return;
    }
    if (this.o.retentionMs > 0) {
      for (const b of [...this.raw]) {
        if (b.meta.maxTime <= newest - this.o.retentionMs) {
          this.deleteBlock(b);
        }
      }
    }
    for (const tier of this.o.tiers) {
      for (const b of [...(this.tiers.get(tier.resolutionMs) ?? [])]) {
        if (tier.retentionMs > 0 && b.meta.maxTime <= newest - tier.retentionMs) {
          this.deleteBlock(b);
        }
      }
    }
    if (this.o.retentionBytes > 0) {
      let total = this.diskUsage().totalBytes;
      // Oldest raw blocks go first, then the 1 m tier, then coarser tiers: history degrades in
      // resolution before it disappears.
      const order = [
        this.raw,
        ...[...this.tiers.keys()].sort((a, b) => a - b).map((r) => this.tiers.get(r)!),
      ];
      for (const list of order) {
        while (total > this.o.retentionBytes && list.length > 0) {
          const b = list[0]!;
          total -= b.sizeBytes();
          this.deleteBlock(b);
        }
      }
    }
  }

  private deleteBlock(b: Block): void {
    b.close();
    const list = b.meta.resolution === 0 ? this.raw : this.tiers.get(b.meta.resolution);
    if (list) {
      const i = list.indexOf(b);
      if (i >= 0) {
        list.splice(i, 1);
      }
    }
    fs.rmSync(b.dir, { recursive: true, force: true });
    this.o.logger?.info({ block: b.meta.ulid, resolution: b.meta.resolution }, "tsdb: block deleted");
  }

  // --- open / replay / checkpoint ---------------------------------------------------------------

  private loadBlocks(): void {
    for (const name of fs.readdirSync(this.blockDir)) {
      const dir = path.join(this.blockDir, name);
      if (name.endsWith(".tmp")) {
        fs.rmSync(dir, { recursive: true, force: true }); // a cut interrupted before its rename
        continue;
      }
      try {
        const b = Block.open(dir);
        b.index(); // verify the index checksum now rather than on the first query
        if (b.meta.minTime > this.openBound) {
          this.quarantine(b, name);
          continue;
        }
        if (b.meta.resolution === 0) {
          this.raw.push(b);
        } else {
          const list = this.tiers.get(b.meta.resolution) ?? [];
          list.push(b);
          this.tiers.set(b.meta.resolution, list);
        }
      } catch (err) {
        this.o.logger?.error({ err, block: name }, "tsdb: skipping unreadable block");
      }
    }
    this.raw.sort((a, b) => a.meta.minTime - b.meta.minTime);
    for (const list of this.tiers.values()) {
      list.sort((a, b) => a.meta.minTime - b.meta.minTime);
    }
    for (const b of this.raw) {
      this.head.minValidTime = Math.max(this.head.minValidTime, this.appendableAfter(b));
    }
  }

  /**
   * Where appends may resume after raw block `b`: its end, except for a block that ends after the
   * clock + 10 min. Future-dated samples once made compaction cut the block holding "now" early,
   * and its aligned end would refuse every scrape for up to a block duration; appends resume after
   * its newest sample instead, and the next cut of that range makes a second block beside it (the
   * querier merges overlapping blocks by timestamp).
   */
  private appendableAfter(b: Block): number {
    if (b.meta.maxTime <= this.openBound) {
      return b.meta.maxTime;
    }
    let newest = -Infinity;
    for (const s of b.allSeries()) {
      for (const c of s.chunks) {
        newest = Math.max(newest, c.maxT);
      }
    }
    const after = Math.min(b.meta.maxTime, newest + 1);
    this.o.logger?.warn(
      {
        block: b.meta.ulid,
        minTime: timeText(b.meta.minTime),
        maxTime: timeText(b.meta.maxTime),
        appendsFrom: timeText(after),
      },
      "tsdb: block ends in the future (cut early by future-dated samples); appends resume after its newest sample",
    );
    return after;
  }

  /**
   * Moves a future-dated block out of blocks/ rather than deleting it: if the clock is what is
   * wrong (a board that booted without its RTC), the operator moves it back (docs/runbooks).
   */
  private quarantine(b: Block, name: string): void {
    b.close();
    const qdir = path.join(this.dir, "quarantine");
    fs.mkdirSync(qdir, { recursive: true });
    let to = path.join(qdir, name);
    for (let i = 1; fs.existsSync(to); i++) {
      to = path.join(qdir, `${name}.${i}`);
    }
    fs.renameSync(b.dir, to);
    const { ulid, minTime, maxTime, resolution } = b.meta;
    this.repaired.blocks.push({ ulid, minTime, maxTime, resolution, movedTo: to });
    this.o.logger?.error(
      {
        block: ulid,
        minTime: timeText(minTime),
        maxTime: timeText(maxTime),
        resolution,
        clock: timeText(this.o.now()),
        movedTo: to,
      },
      "tsdb: future-dated block moved to quarantine (its samples are after the clock + 10 min); " +
        "if the system clock is what is wrong, fix it, stop lineops and move the block back",
    );
  }

  private replay(): void {
    const h = this.head;
    const bound = this.openBound;
    const futureSeries = new Set<number>();
    const dropFuture = (ref: number, n: number) => {
      this.repaired.samples += n;
      futureSeries.add(ref);
    };
    const prevBits = (ref: number, out: Uint32Array) => {
      const slot = slotOfRef(ref);
      out[0] = h.lastVU32[2 * slot] ?? 0;
      out[1] = h.lastVU32[2 * slot + 1] ?? 0;
    };
    const res = this.wal.replay((type, r) => {
      if (type === REC_SERIES) {
        decodeSeries(r, (ref, labels) => h.restoreSeries(ref, labels));
      } else if (type === REC_SAMPLES) {
        decodeSamples(
          r,
          (ref, t, hi, lo) => {
            if (t > bound) {
              dropFuture(ref, 1);
            } else if (h.isLive(ref)) {
              h.replaySample(slotOfRef(ref), t, hi, lo);
            }
          },
          prevBits,
        );
      } else if (type === REC_CHUNKS) {
        readChunksRecord(r, h, bound, dropFuture);
      } else if (type === REC_META) {
        const t = r.f64();
        if (t > bound) {
          this.repaired.minValidTime = t;
        } else {
          h.minValidTime = Math.max(h.minValidTime, t);
        }
      }
    });
    this.repaired.series = futureSeries.size;
    if (this.repaired.samples > 0 || this.repaired.minValidTime !== undefined) {
      this.o.logger?.error(
        {
          samples: this.repaired.samples,
          series: this.repaired.series,
          ignoredMinValidTime:
            this.repaired.minValidTime === undefined ? undefined : timeText(this.repaired.minValidTime),
          clock: timeText(this.o.now()),
        },
        "tsdb: future-dated samples dropped from the WAL (after the clock + 10 min); appends to their series resume",
      );
    }
    if (res.records > 0) {
      this.o.logger?.info(
        { records: res.records, series: h.numSeries, samples: h.numSamples },
        "tsdb: WAL replayed",
      );
    }
  }

  /** Snapshots the head into a WAL checkpoint; segments before it are deleted. */
  private checkpoint(): void {
    this.checkpointing?.abort(); // an async one in flight is superseded
    this.checkpointing = undefined;
    const h = this.head;
    this.wal.checkpoint((_w, record) => {
      record(REC_META, (w) => w.f64(h.minValidTime));
      const slots = [...h.liveSlots()];
      for (let i = 0; i < slots.length; i += CHECKPOINT_BATCH) {
        writeCheckpointBatch(h, slots.slice(i, i + CHECKPOINT_BATCH), record);
      }
    });
  }

  /**
   * The checkpoint in slices of CHECKPOINT_BATCH series; each series is captured atomically, and
   * appends logged meanwhile go to the segment replayed after it (see Wal.beginCheckpoint).
   */
  private async checkpointAsync(sl: Slicer): Promise<void> {
    const h = this.head;
    sl.phase = "checkpoint";
    const cp = this.wal.beginCheckpoint();
    cp.syncFlush = false;
    this.checkpointing = cp;
    try {
      cp.record(REC_META, (w) => w.f64(h.minValidTime));
      const batch: number[] = [];
      for (let s = 0; s < h.nSlots; s++) {
        if (h.live[s] === 1) {
          batch.push(s);
        }
        if (batch.length === CHECKPOINT_SLICE) {
          writeCheckpointBatch(h, batch, (t, b) => cp.record(t, b));
          batch.length = 0;
          if (cp.buffered >= 4 << 20) {
            await sl.io(cp.flush());
          }
          await sl.maybeYield();
        }
      }
      writeCheckpointBatch(h, batch, (t, b) => cp.record(t, b));
      await sl.io(cp.finish());
    } catch (err) {
      cp.abort();
      throw err;
    } finally {
      if (this.checkpointing === cp) {
        this.checkpointing = undefined;
      }
    }
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
    for (const b of this.raw) {
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
      numBlocks: this.raw.length,
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
    let blocksBytes = 0;
    for (const b of this.allBlocks()) {
      blocksBytes += b.sizeBytes();
    }
    const walBytes = this.wal.sizeBytes();
    const headBytes = this.head.headChunkBytes();
    return { blocksBytes, walBytes, headBytes, totalBytes: blocksBytes + walBytes + headBytes };
  }

  /** Metas of every loaded block, raw first, each list oldest first. */
  blocks(): BlockMeta[] {
    return this.allBlocks().map((b) => b.meta);
  }

  private allBlocks(): Block[] {
    return [...this.raw, ...[...this.tiers.values()].flat()];
  }

  private reportCorrupt(b: Block, err: StorageError): void {
    if (!this.reportedCorrupt.has(b.meta.ulid)) {
      this.reportedCorrupt.add(b.meta.ulid);
      this.o.logger?.error({ err, block: b.meta.ulid }, "tsdb: corrupt block skipped");
    }
  }

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
      const h = this.head;
      if (h.truncating) {
        sl.phase = "truncate";
        const n = h.truncatingSlots;
        for (let s = 0; s < n; s += TRUNCATE_SLOTS) {
          h.truncateSlots(s, Math.min(n, s + TRUNCATE_SLOTS));
          await sl.maybeYield();
        }
        h.endTruncate();
      }
      await this.checkpointAsync(sl);
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
      if (this.cutRevert !== undefined) {
        this.head.minValidTime = this.cutRevert;
      }
      if (this.head.truncating) {
        this.head.endTruncate();
      }
      this.checkpoint();
    } finally {
      this.release();
    }
  }

  private release(): void {
    this.wal.close();
    for (const b of this.allBlocks()) {
      b.close();
    }
    this.unlock();
  }

  // --- directory lock ---------------------------------------------------------------------------

  private lock(): void {
    const file = path.join(this.dir, "lock");
    try {
      const pid = Number(fs.readFileSync(file, "utf8"));
      if (pid && pid !== process.pid && pidAlive(pid)) {
        throw TsdbErrors.locked(`${this.dir} is in use by process ${pid}`);
      }
    } catch (err) {
      if (err instanceof StorageError) {
        throw err;
      }
    }
    fs.writeFileSync(file, String(process.pid));
  }

  private unlock(): void {
    fs.rmSync(path.join(this.dir, "lock"), { force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const TRUNCATE_SLOTS = 512;
const CHECKPOINT_BATCH = 1000; // series per checkpoint record
const CHECKPOINT_SLICE = 64; // series between budget checks of the sliced checkpoint

/** Reused decode buffers for downsampling one series at a time. */
class TierScratch {
  t = new Float64Array(0);
  v = new Float64Array(0);
  scratch = emptyAggregates(0);
  pool = { buf: new Uint8Array(1 << 16) };

  decode(s: BlockSeries): number {
    let total = 0;
    for (const c of s.chunks) {
      total += c.count;
    }
    if (this.t.length < total) {
      this.t = new Float64Array(total * 2);
      this.v = new Float64Array(total * 2);
      this.scratch = emptyAggregates(total * 2);
    }
    let n = 0;
    for (const c of s.chunks) {
      n = decodeChunk(c.cols[0]!, c.count, this.t, this.v, n);
    }
    return n;
  }
}

function writeCheckpointBatch(
  h: Head,
  slots: number[],
  record: (type: number, body: (w: ByteWriter) => void) => void,
): void {
  if (slots.length === 0) {
    return;
  }
  record(REC_SERIES, (w) =>
    encodeSeries(
      w,
      slots.map((s) => ({ ref: h.refOf(s), labels: h.labelsOf(s) })),
    ),
  );
  record(REC_CHUNKS, (w) => writeChunksRecord(w, h, slots));
}

function writeChunksRecord(w: ByteWriter, h: Head, slots: number[]): void {
  w.uvarint(slots.length);
  for (const s of slots) {
    w.uvarint(h.refOf(s));
    w.f64(h.lastT[s]!);
    w.bits64(h.lastVU32[2 * s + 1]!, h.lastVU32[2 * s]!);
    const closed = h.closedChunks(s);
    w.uvarint(closed.length);
    for (const c of closed) {
      w.f64(c.minT);
      w.f64(c.maxT);
      w.uvarint(c.count);
      w.uvarint(c.bytes.length);
      w.bytes(c.bytes);
    }
    const open = h.openChunkState(s);
    w.uvarint(open.count);
    if (open.count > 0) {
      w.f64(open.minT);
      w.f64(open.delta);
      w.uvarint(open.bits);
      w.u8(open.leading);
      w.u8(open.trailing);
      w.bytes(open.bytes);
    }
  }
}

function readChunksRecord(
  r: ByteReader,
  h: Head,
  bound: number,
  dropFuture: (ref: number, n: number) => void,
): void {
  const n = r.uvarint();
  const bits = new Uint32Array(2);
  for (let i = 0; i < n; i++) {
    const ref = r.uvarint();
    const lastT = r.f64();
    r.bits64(bits, 0);
    const live = h.isLive(ref);
    const slot = slotOfRef(ref);
    // A series whose newest sample is future-dated is rebuilt sample by sample without those
    // samples, so its last time (the order check of every later append) is a real one.
    const future = live && lastT > bound;
    const parts: ChunkPart[] = [];
    const nc = r.uvarint();
    for (let c = 0; c < nc; c++) {
      const minT = r.f64();
      const maxT = r.f64();
      const count = r.uvarint();
      const bytes = r.bytes(r.uvarint());
      if (future) {
        parts.push({ minT, maxT, count, bytes });
      } else if (live && maxT >= h.minValidTime) {
        h.restoreClosedChunk(slot, { minT, maxT, count, bytes });
      }
    }
    const count = r.uvarint();
    if (count > 0) {
      const minT = r.f64();
      const delta = r.f64();
      const nbits = r.uvarint();
      const leading = r.u8();
      const trailing = r.u8();
      const bytes = r.bytes(Math.ceil(nbits / 8));
      if (future) {
        parts.push({ minT, maxT: lastT, count, bytes });
      } else if (live && lastT >= h.minValidTime) {
        h.restoreOpenChunk(slot, { bytes, count, minT, delta, bits: nbits, leading, trailing });
      }
    }
    if (future) {
      dropFuture(ref, rebuildWithout(h, slot, parts, bound));
    } else if (live) {
      h.restoreLast(slot, lastT, bits[1]!, bits[0]!);
    }
  }
}

/** Replays the samples of `parts` up to `bound` into the slot; returns how many were after it. */
function rebuildWithout(h: Head, slot: number, parts: ChunkPart[], bound: number): number {
  let total = 0;
  for (const c of parts) {
    total += c.count;
  }
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  let n = 0;
  for (const c of parts) {
    n = decodeChunk(c.bytes, c.count, ts, vs, n);
  }
  const bitsOf = new Uint32Array(vs.buffer);
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    if (ts[i]! > bound) {
      dropped++;
    } else {
      h.replaySample(slot, ts[i]!, bitsOf[2 * i + 1]!, bitsOf[2 * i]!);
    }
  }
  return dropped;
}

/** A time for log lines: ISO 8601 when Date can show it (8.64e15 ms is its limit), else the number. */
function timeText(t: number): string {
  return Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t);
}

export { StorageError, TsdbErrors };
