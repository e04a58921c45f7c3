// Compaction: cuts due blocks from the head (with their downsampled tiers), truncates the head,
// checkpoints the WAL, merges complete tier windows and applies retention — one job (see job.ts)
// that compactAsync runs in slices and compact() runs at once.
import path from "node:path";
import type { Labels } from "../model.js";
import type { Slicer } from "../slicer.js";
import { Block, BlockWriter, type BlockChunk, type BlockMeta, type BlockSeries } from "./block.js";
import type { BlockSet } from "./block-set.js";
import type { Checkpointer } from "./checkpoint.js";
import { decodeChunk } from "./chunk.js";
import { aggregate, decodeAggregates, emptyAggregates, encodeAggregates } from "./downsample.js";
import { TsdbErrors } from "./errors.js";
import type { Head } from "./head.js";
import { flushWhenFull, io, maybePause, PAUSE, sortJob, type Job } from "./job.js";
import { labelsKey } from "./series-key.js";
import { grown } from "../typed-arrays.js";
import type { Logger } from "./wal.js";

const DAY = 24 * 3600_000;
const TIER_MERGE_SPAN: Record<number, number> = { 60_000: DAY, 3_600_000: 7 * DAY };
const TRUNCATE_SLOTS = 512;

export type CompactionOptions = {
  blockDurationMs: number;
  tiers: readonly { resolutionMs: number }[];
  logger?: Logger;
};

export class Compactor {
  /** While a cut gathers its range: the min valid time to restore if it does not finish. */
  cutRevert: number | undefined;

  constructor(
    private readonly head: Head,
    private readonly blocks: BlockSet,
    private readonly checkpointer: Checkpointer,
    private readonly o: CompactionOptions,
    /** Whether the database closed meanwhile (a cut must not switch blocks in then). */
    private readonly closed: () => boolean,
    /** Whether the job must stop (the database closes): errors are then not merely logged. */
    private readonly stopping: () => boolean,
    private readonly retention: () => void,
  ) {}

  /** The start of the next block to cut, if the head spans 1.5 block durations past it. */
  cutDue(): number | undefined {
    const h = this.head;
    if (h.numSamples === 0) {
      return undefined;
    }
    const d = this.o.blockDurationMs;
    const start = Math.floor(h.minT / d) * d;
    return h.maxT >= start + d + d / 2 ? start : undefined;
  }

  /**
   * Cuts every due block, truncating the head after each, checkpoints the WAL, merges complete
   * tier windows and applies retention. Returns the metas of the raw blocks written.
   */
  *job(sl: Slicer): Job<BlockMeta[]> {
    const written: BlockMeta[] = [];
    let start = this.cutDue();
    while (start !== undefined) {
      const end = start + this.o.blockDurationMs;
      const meta = yield* this.cutBlock(start, end, sl);
      if (meta) {
        written.push(meta);
      }
      if (!this.head.truncating) {
        this.head.beginTruncate(end);
      }
      yield* finishTruncate(this.head, sl);
      start = this.cutDue();
    }
    if (written.length > 0 || this.head.minValidTime > -Infinity) {
      yield* this.checkpointer.job(sl);
    }
    yield* this.mergeTiers(sl);
    sl.phase = "retention";
    this.retention();
    return written;
  }

  /**
   * Gathers [start, end) from the head slot by slot, writes the raw block and its tiers, then
   * makes them visible and hides the range in the head in one step. Appends below `end` are
   * rejected from the start, so the gathered chunks are final: chunks never straddle `end`, and
   * closed chunk bytes are never rewritten in the arena.
   */
  private *cutBlock(start: number, end: number, sl: Slicer): Job<BlockMeta | undefined> {
    const h = this.head;
    this.cutRevert = h.minValidTime;
    h.minValidTime = Math.max(h.minValidTime, end);
    try {
      return yield* this.gatherAndWrite(start, end, sl);
    } finally {
      if (this.cutRevert !== undefined && !this.closed()) {
        h.minValidTime = this.cutRevert; // failed: the range is still only in the head
      }
      this.cutRevert = undefined;
    }
  }

  private *gatherAndWrite(start: number, end: number, sl: Slicer): Job<BlockMeta | undefined> {
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
          slots = grown(slots);
        }
        slots[n++] = slot;
      }
      if (sl.due()) {
        yield PAUSE;
      }
    }
    if (n === 0) {
      this.cutRevert = undefined;
      return undefined;
    }
    sl.phase = "sort";
    const order = yield* sortJob(slots.subarray(0, n), (a, b) => h.compareLabels(a, b), sl);
    const dir = this.blocks.dir;
    const rawW = new BlockWriter(dir, { minTime: start, maxTime: end, resolution: 0 });
    const tiers = this.o.tiers;
    const tierW = tiers.map(
      (t) => new BlockWriter(dir, { minTime: start, maxTime: end, resolution: t.resolutionMs }),
    );
    const writers = [rawW, ...tierW];
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
        for (let k = 0; k < tiers.length; k++) {
          const agg = aggregate(dec.t, dec.v, m, tiers[k]!.resolutionMs, dec.scratch);
          if (agg.ts.length > 0) {
            tierW[k]!.add({ labels: s.labels, chunks: encodeAggregates(agg, dec.pool) });
          }
        }
        for (const w of writers) {
          yield* flushWhenFull(w);
        }
        if (sl.due()) {
          yield PAUSE;
        }
      }
      sl.phase = "finish blocks";
      const blocks: Block[] = [];
      for (const w of writers) {
        blocks.push(yield* finishBlock(w, sl));
      }
      if (this.closed()) {
        throw TsdbErrors.closed("tsdb closed during compaction"); // close() checkpointed the range
      }
      sl.phase = "switch";
      // The switch: blocks visible and the head's copy hidden in the same synchronous step.
      for (const b of blocks) {
        this.blocks.add(b);
      }
      h.beginTruncate(end);
      this.cutRevert = undefined;
      const meta = blocks[0]!.meta;
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
      return meta;
    } catch (err) {
      for (const w of writers) {
        w.abort();
      }
      throw err;
    }
  }

  /** Merges each tier's blocks within one complete aligned window (1 d for 1 m, 7 d for 1 h). */
  private *mergeTiers(sl: Slicer): Job<void> {
    sl.phase = "merge tiers";
    for (const { res, group } of this.tierMergeGroups()) {
      try {
        yield* this.mergeBlocks(res, group, sl);
      } catch (err) {
        if (this.closed() || this.stopping()) {
          throw err;
        }
        this.o.logger?.error({ err, resolution: res }, "tsdb: tier merge failed");
      }
    }
  }

  private tierMergeGroups(): { res: number; group: Block[] }[] {
    const out: { res: number; group: Block[] }[] = [];
    for (const [res, list] of this.blocks.tiers) {
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

  /**
   * Merges blocks series by series: every block lists its series sorted by labels, so a k-way
   * merge visits each label set once, and only one series' chunks are in memory at a time. The
   * merged block replaces its sources in one synchronous step.
   */
  private *mergeBlocks(res: number, group: Block[], sl: Slicer): Job<void> {
    const w = new BlockWriter(this.blocks.dir, {
      minTime: Math.min(...group.map((b) => b.meta.minTime)),
      maxTime: Math.max(...group.map((b) => b.meta.maxTime)),
      resolution: res,
      sources: group.map((b) => b.meta.ulid),
    });
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
        yield* flushWhenFull(w);
        if (sl.due()) {
          yield PAUSE;
        }
      }
      const merged = yield* finishBlock(w, sl);
      this.blocks.add(merged);
      for (const b of group) {
        this.blocks.delete(b);
      }
    } catch (err) {
      w.abort();
      throw err;
    }
  }
}

/** Finishes a written block and opens it with the writer's own index (no index file parse). */
function* finishBlock(w: BlockWriter, sl: Slicer): Job<Block> {
  const meta = yield* io(
    () => w.finish(),
    () => w.finishSync(),
  );
  yield* maybePause(sl);
  const b = Block.open(path.join(w.parent, meta.ulid));
  b.adoptIndex(w.ix.build());
  yield* maybePause(sl);
  return b;
}

/** Finishes the head's running truncation in slices of TRUNCATE_SLOTS slots. */
export function* finishTruncate(h: Head, sl: Slicer): Job<void> {
  sl.phase = "truncate";
  const n = h.truncatingSlots;
  for (let s = 0; s < n; s += TRUNCATE_SLOTS) {
    h.truncateSlots(s, Math.min(n, s + TRUNCATE_SLOTS));
    yield* maybePause(sl);
  }
  sl.phase = "end truncate";
  h.endTruncate();
}

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
      // Not grown(): the old contents are not needed, only the room.
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
