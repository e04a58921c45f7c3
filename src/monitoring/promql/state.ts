// Per-query state shared by every evaluator of one query (sub-queries included): storage view, limits
// (deadline, sample budget) and the warnings/infos Prometheus calls annotations.
import type { Querier } from "../model.js";
import { PromqlErrors, TOO_MANY_SAMPLES_MESSAGE } from "./errors.js";
import { positionOf } from "./parser.js";
import type { PosRange } from "./ast.js";
import { SeriesReader } from "./series-reader.js";

export class QueryState {
  samples = 0;
  peakSamples = 0;
  readonly warnings = new Set<string>();
  readonly infos = new Set<string>();
  private ticks = 0;
  /** Decode buffers reused by every selector of the query (evaluation is synchronous). */
  readonly reader = new SeriesReader();

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
  ) {}

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
    this.samples -= n;
  }

  /** Cheap enough for inner loops: only every 256th call reads the clock. */
  tick(): void {
    if ((++this.ticks & 255) === 0) {
      this.checkDeadline();
    }
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
