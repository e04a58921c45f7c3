// Per-query state shared by every evaluator of one query (sub-queries included): storage view, limits
// (deadline, sample budget) and the warnings/infos Prometheus calls annotations.
import type { Querier, Series } from "../model.js";
import { PromqlErrors, TOO_MANY_SAMPLES_MESSAGE } from "./errors.js";
import { positionOf } from "./parser.js";
import type { PosRange } from "./ast.js";
import { SeriesReader } from "./series-reader.js";
import { Slicer } from "../slicer.js";
import {
  maxResolutionMs,
  pickTier,
  type SourceResolution,
  type TierQuerier,
  type TieredStorage,
} from "./resolution.js";

/** What a query read: for the API's stats=all and the long-range benchmark. */
export type QueryReadStats = {
  /** The max_source_resolution the query ran with ("auto", or ms; 0 = raw only). */
  maxSourceResolution: SourceResolution;
  /** Resolutions that answered a selector (0 = raw samples), ascending. */
  resolutionsMs: number[];
  /** Raw samples and tier points decoded from storage. */
  samplesRead: number;
  peakSamples: number;
};

/**
 * Longest run of evaluation between pauses. 20 ms keeps the worst stall a front-door request sees
 * well under the 100 ms bound even with a sync kernel (aggregation, binary op) finishing after
 * the slice ends; the cost is one setImmediate round trip (~0.1 ms idle) per slice.
 */
export const SLICE_MS = 20;

export class QueryState {
  samples = 0;
  peakSamples = 0;
  readonly warnings = new Set<string>();
  readonly infos = new Set<string>();
  private ticks = 0;
  /** The query's time slices; after each pause it checks the deadline. */
  private readonly slicer: Slicer;
  /**
   * Decode buffers reused by every selector of the query: one query's nodes evaluate one after the
   * other (never in parallel), and a pause only happens between series, never inside a read.
   */
  readonly reader = new SeriesReader();
  /** Raw samples and tier points decoded (QueryReadStats). */
  samplesRead = 0;
  readonly resolutionsRead = new Set<number>();
  private sourceResolution: SourceResolution = 0;
  private tiered: TieredStorage | undefined;
  private tierList: readonly number[] = [];
  private readonly tierQueriers = new Map<number, TierQuerier>();

  constructor(
    readonly querier: Querier,
    readonly query: string,
    readonly startMs: number,
    readonly endMs: number,
    readonly stepMs: number,
    readonly lookbackMs: number,
    readonly maxSamples: number,
    readonly deadline: number,
    readonly noStepSubqueryIntervalMs: number,
    sliceMs = SLICE_MS,
  ) {
    this.slicer = new Slicer(sliceMs, () => this.checkDeadline());
  }

  /** Lets selectors read `storage`'s downsampled tiers, up to `param` (see resolution.ts). */
  useTiers(storage: TieredStorage, param: SourceResolution): void {
    this.sourceResolution = param;
    this.tiered = storage;
    this.tierList = param === 0 ? [] : storage.tierResolutions();
  }

  /**
   * The tier (ms) a selector reads, or 0 for raw samples: `stepMs` is its evaluator's step (0 in
   * an instant query), `rangeMs`/`fn` its window and range function (undefined: a plain selector).
   */
  resolutionFor(stepMs: number, rangeMs: number | undefined, fn: string | undefined): number {
    if (this.tierList.length === 0) {
      return 0;
    }
    return pickTier(this.tierList, maxResolutionMs(this.sourceResolution, stepMs, rangeMs, fn));
  }

  /** The query's querier over tier `res` (one per tier, made on first use). */
  tierQuerier(res: number): TierQuerier {
    let q = this.tierQueriers.get(res);
    if (!q) {
      q = this.tiered!.querier({ resolutionMs: res }) as TierQuerier;
      this.tierQueriers.set(res, q);
    }
    return q;
  }

  /** Counts `n` values decoded from storage at resolution `res` (0 = raw). */
  noteRead(res: number, n: number): void {
    this.samplesRead += n;
    this.resolutionsRead.add(res);
  }

  readStats(): QueryReadStats {
    return {
      maxSourceResolution: this.sourceResolution,
      resolutionsMs: [...this.resolutionsRead].sort((a, b) => a - b),
      samplesRead: this.samplesRead,
      peakSamples: this.peakSamples,
    };
  }

  /** A range selector's samples of one series into `reader` (no staleness markers), accounted by addSamples(). */
  readRange(series: Series): number {
    const len = this.reader.read(series, true);
    this.noteRead(0, len);
    this.addSamples(len);
    return len;
  }

  /** Accounts samples held in memory; throws once the budget is exceeded, as Prometheus does. */
  addSamples(n: number): void {
    this.samples += n;
    if (this.samples > this.peakSamples) {
      this.peakSamples = this.samples;
    }
    if (this.samples > this.maxSamples) {
      throw PromqlErrors.tooManySamples(TOO_MANY_SAMPLES_MESSAGE);
    }
  }

  releaseSamples(n: number): void {
    // Never below zero: not every node counts its output (vector(), time()), while consumers
    // release what they read, and a negative count would loosen the budget for the rest.
    this.samples = Math.max(0, this.samples - n);
  }

  /** Cheap enough for inner loops: only every 256th call reads the clock. */
  tick(): void {
    if ((++this.ticks & 255) === 0) {
      this.checkDeadline();
    }
  }

  /**
   * True once this query has run for a time slice since it last paused. Evaluation checks it at
   * every node and between series and then awaits pause(): the server's only thread is shared with
   * the line's front doors, so no query may hold it longer than a slice plus one series' work.
   */
  due(): boolean {
    return this.slicer.spent();
  }

  /**
   * Lets the event loop run (I/O, timers, other queries) and starts a new slice. setImmediate, not
   * a resolved promise: microtasks would run before I/O and starve it all the same. The deadline is
   * checked on the way back, so a CPU-bound query times out within a slice of its deadline.
   */
  async pause(): Promise<void> {
    await this.slicer.yield();
  }

  /** pause() if due(): for coarse steps (hot loops test due() first, so they await only to pause). */
  async pauseIfDue(): Promise<void> {
    await this.slicer.maybeYield();
  }

  checkDeadline(): void {
    if (Date.now() > this.deadline) {
      throw PromqlErrors.timeout("query timed out in expression evaluation");
    }
  }

  warn(message: string, pos: PosRange): void {
    this.warnings.add(`PromQL warning: ${message} (${positionOf(this.query, pos.start)})`);
  }

  info(message: string, pos: PosRange): void {
    this.infos.add(`PromQL info: ${message} (${positionOf(this.query, pos.start)})`);
  }
}
