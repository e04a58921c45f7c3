// WAL checkpoints: the head snapshotted into checkpoint.<N> series by series (each series captured
// atomically; appends logged meanwhile go to segment N, replayed after it), and the chunk records
// that carry a series' closed and open chunks in a checkpoint and back into the head on replay.
import type { ByteReader, ByteWriter } from "./bytes.js";
import { decodeChunk } from "./chunk.js";
import { slotOfRef, type ChunkPart, type Head } from "./head.js";
import { flushWhenFull, io, maybePause, type Job } from "./job.js";
import type { Slicer } from "../slicer.js";
import { encodeSeries, REC_CHUNKS, REC_META, REC_SERIES, type CheckpointWriter, type Wal } from "./wal.js";

/** Series per record, and between budget checks. */
const CHECKPOINT_BATCH = 64;

export class Checkpointer {
  /** The checkpoint being written, if any. */
  private running: CheckpointWriter | undefined;

  constructor(
    private readonly head: Head,
    private readonly wal: Wal,
  ) {}

  /** Snapshots the head; on success the segments and checkpoints before it are deleted. */
  *job(sl: Slicer): Job<void> {
    const h = this.head;
    this.abort(); // one in flight is superseded (close() during closeAsync's checkpoint)
    sl.phase = "checkpoint";
    const cp = this.wal.beginCheckpoint();
    this.running = cp;
    try {
      cp.record(REC_META, (w) => w.f64(h.minValidTime));
      const batch: number[] = [];
      for (let s = 0; s < h.nSlots; s++) {
        if (h.live[s] === 1) {
          batch.push(s);
        }
        if (batch.length === CHECKPOINT_BATCH) {
          writeCheckpointBatch(h, batch, cp);
          batch.length = 0;
          yield* flushWhenFull(cp);
          yield* maybePause(sl);
        }
      }
      writeCheckpointBatch(h, batch, cp);
      yield* io(
        () => cp.finish(),
        () => cp.finishSync(),
      );
    } catch (err) {
      cp.abort();
      throw err;
    } finally {
      if (this.running === cp) {
        this.running = undefined;
      }
    }
  }

  /** Drops the checkpoint in flight, if any; the segments it would have replaced stay. */
  abort(): void {
    this.running?.abort();
    this.running = undefined;
  }
}

function writeCheckpointBatch(h: Head, slots: number[], cp: CheckpointWriter): void {
  if (slots.length === 0) {
    return;
  }
  cp.record(REC_SERIES, (w) =>
    encodeSeries(
      w,
      slots.map((s) => ({ ref: h.refOf(s), labels: h.labelsOf(s) })),
    ),
  );
  cp.record(REC_CHUNKS, (w) => writeChunksRecord(w, h, slots));
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

/**
 * Restores a chunks record into the head. Samples after `bound` are future-dated: dropped, and
 * reported to `dropFuture` with their series' ref.
 */
export function readChunksRecord(
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
