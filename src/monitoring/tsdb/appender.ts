// Appenders: buffer samples in typed arrays, check order against the head at append time, and on
// commit hand the whole batch to the head and the WAL in one step. A querier never sees a
// partial batch: queriers freeze their view before the head changes (see Head.snapshot).
import type { Appender, Labels } from "../model.js";
import { TsdbErrors } from "./errors.js";
import { slotOfRef, type Head } from "./head.js";
import { grownCapacity, resized } from "../typed-arrays.js";

export interface TsdbAppender extends Appender {
  /** Appends and returns the series ref, usable with appendRef() while the head keeps the series. */
  append(labels: Labels, t: number, v: number): number;
  /**
   * The scrape-cache fast path: no label hashing. Throws a StorageError with code
   * LINEOPS_ERR_UNKNOWN_SERIES_REF when head GC dropped the series; fall back to append(labels).
   */
  appendRef(ref: number, t: number, v: number): void;
}

/** Where a committed batch goes: the Tsdb applies it to the head and logs it to the WAL. */
export type CommitSink = (refs: Float64Array, ts: Float64Array, vs: Float64Array, n: number) => void;

/**
 * How far past the storage's clock a sample may be (Prometheus's remote-write maxAheadTime): enough
 * for senders with a skewed clock, too little for a bad timestamp to move block cuts and retention.
 */
export const MAX_AHEAD_MS = 10 * 60_000;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
let nextId = 1;
const EMPTY = new Float64Array(0);

/** One appender's batch columns. */
type Columns = { refs: Float64Array; ts: Float64Array; vs: Float64Array };

// Finished appenders hand their columns back: a scrape a second would otherwise allocate (and the
// GC free) three growing off-heap arrays per target. Bounded, so a huge batch is not kept forever.
const spare: Columns[] = [];
const SPARE_MAX = 4;
const SPARE_MAX_CAPACITY = 1 << 14;

function takeColumns(): Columns {
  return spare.pop() ?? { refs: new Float64Array(64), ts: new Float64Array(64), vs: new Float64Array(64) };
}

function returnColumns(c: Columns): void {
  if (spare.length < SPARE_MAX && c.refs.length <= SPARE_MAX_CAPACITY) {
    spare.push(c);
  }
}

export class HeadAppender implements TsdbAppender {
  private refs: Float64Array;
  private ts: Float64Array;
  private vs: Float64Array;
  private n = 0;
  private done = false;
  private readonly id: number;

  /**
   * @param maxTime samples after this are refused (too far in the future): fixed when the appender
   *   is created, as Prometheus's remote-write handler fixes now + 10 min per request.
   */
  constructor(
    private readonly head: Head,
    private readonly sink: CommitSink,
    private readonly maxTime = Infinity,
  ) {
    this.id = nextId;
    nextId = nextId >= 0xfffffffe ? 1 : nextId + 1;
    const c = takeColumns();
    this.refs = c.refs;
    this.ts = c.ts;
    this.vs = c.vs;
  }

  append(labels: Labels, t: number, v: number): number {
    if (this.done) {
      throw TsdbErrors.appenderDone("appender already committed or rolled back");
    }
    if (!Number.isSafeInteger(t)) {
      throw TsdbErrors.invalidSample(`timestamp ${t} is not an integer number of milliseconds`);
    }
    const ref = this.head.getOrCreate(labels);
    this.add(ref, slotOfRef(ref), t, v);
    return ref;
  }

  appendRef(ref: number, t: number, v: number): void {
    if (this.done) {
      throw TsdbErrors.appenderDone("appender already committed or rolled back");
    }
    if (!Number.isSafeInteger(t)) {
      throw TsdbErrors.invalidSample(`timestamp ${t} is not an integer number of milliseconds`);
    }
    this.add(ref, this.head.slotOf(ref), t, v);
  }

  private add(ref: number, slot: number, t: number, v: number): void {
    const h = this.head;
    if (t > this.maxTime) {
      h.tooFarInFutureRejected++;
      throw TsdbErrors.tooFarInFuture(
        `sample at ${t} is too far in the future: the storage accepts up to ${this.maxTime} (its clock + 10 min)`,
      );
    }
    let keep: boolean;
    if (h.pendingOwner[slot] === this.id) {
      const i = h.pendingIdx(slot);
      f64[0] = this.vs[i]!;
      keep = h.check(slot, t, v, h.pendingT[slot]!, u32[1]!, u32[0]!);
    } else {
      keep = h.check(slot, t, v, h.lastT[slot]!, h.lastVU32[2 * slot + 1]!, h.lastVU32[2 * slot]!);
    }
    if (!keep) {
      return; // same timestamp and value as the last sample: a no-op
    }
    if (this.n === this.refs.length) {
      this.grow();
    }
    const i = this.n++;
    this.refs[i] = ref;
    this.ts[i] = t;
    this.vs[i] = v;
    h.pendingOwner[slot] = this.id;
    h.pendingT[slot] = t;
    h.setPendingIdx(slot, i);
  }

  private grow(): void {
    const cap = grownCapacity(this.refs.length, this.n + 1);
    this.refs = resized(this.refs, cap);
    this.ts = resized(this.ts, cap);
    this.vs = resized(this.vs, cap);
  }

  commit(): void {
    if (this.done) {
      throw TsdbErrors.appenderDone("appender already committed or rolled back");
    }
    this.done = true;
    this.release();
    try {
      if (this.n > 0) {
        this.sink(this.refs, this.ts, this.vs, this.n);
      }
    } finally {
      this.recycle();
    }
  }

  rollback(): void {
    if (this.done) {
      return;
    }
    this.done = true;
    this.release();
    this.n = 0;
    this.recycle();
  }

  /** Hands the columns to the next appender; this one is done and never reads them again. */
  private recycle(): void {
    returnColumns({ refs: this.refs, ts: this.ts, vs: this.vs });
    this.refs = this.ts = this.vs = EMPTY;
  }

  private release(): void {
    const h = this.head;
    for (let i = 0; i < this.n; i++) {
      const slot = slotOfRef(this.refs[i]!);
      if (h.pendingOwner[slot] === this.id) {
        h.pendingOwner[slot] = 0;
      }
    }
  }
}
