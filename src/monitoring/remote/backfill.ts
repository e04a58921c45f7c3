// The core of `lineops tsdb import FILE`: OpenMetrics text with timestamps (the input of
// `promtool tsdb create-blocks-from openmetrics`) appended through the storage's Appender. Input is
// streamed in line-aligned chunks, so a file of gigabytes never sits in memory; per series, samples
// must come in time order, and a sample out of order is an error naming its line.
import { StringDecoder } from "node:string_decoder";
import type { LineopsError } from "../../errors.js";
import { labelsKey, type Appender, type Labels } from "../model.js";
import { rejectReason, type RejectReason } from "../tsdb/errors.js";
import { ExpositionError, parseExposition, parseSeriesLabels } from "../scrape/parser.js";
import { RemoteErrors } from "./errors.js";

export type ImportIssue = { readonly line: number; readonly message: string };

export type ImportOptions = {
  /** Stop after this many errors (the rest of the input is not read). Default 100. */
  readonly maxErrors?: number;
  /** With an appender factory: commit and take a new appender every this many samples. Default 500 000. */
  readonly commitEvery?: number;
  /**
   * Samples before this (ms) are refused, naming their line: the retention window would delete them
   * at once (pass the TSDB's validTimeRange()). Default: no bound.
   */
  readonly minTime?: number;
  /** Samples after this (ms) are refused: too far in the future (the TSDB's clock + 10 min). */
  readonly maxTime?: number;
  /** Called after each chunk. */
  readonly onProgress?: (p: { lines: number; samples: number; series: number }) => void;
};

export type ImportResult = {
  readonly series: number;
  /** Samples appended and committed. */
  readonly samples: number;
  /** Total errors found (errors lists at most maxErrors of them, in input order). */
  readonly errorCount: number;
  readonly errors: readonly ImportIssue[];
  /** Samples refused for their time or by the storage, by reason (also among errors). */
  readonly rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Whether reading stopped early at maxErrors. */
  readonly aborted: boolean;
  readonly lines: number;
  /** Oldest and newest sample time imported (ms), or undefined when nothing was. */
  readonly minTime: number | undefined;
  readonly maxTime: number | undefined;
};

export type ImportInput = string | AsyncIterable<string | Uint8Array>;

/**
 * Imports OpenMetrics text (with a timestamp on every sample, in seconds) into storage. `target` is one
 * Appender (committed once at the end) or a factory (committed every `commitEvery` samples, so a huge
 * import never holds everything uncommitted). Bad lines are reported with their number and skipped;
 * what was valid is committed. Throws only on a storage fault (5xx) after rolling back the open batch.
 */
export async function importOpenMetrics(
  input: ImportInput,
  target: Appender | (() => Appender),
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const imp = new Importer(target, opts);
  try {
    if (typeof input === "string") {
      imp.feed(input);
    } else {
      const decoder = new StringDecoder("utf8");
      for await (const chunk of input) {
        imp.feed(
          typeof chunk === "string"
            ? chunk
            : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
        );
        if (imp.aborted) {
          break;
        }
      }
      if (!imp.aborted) {
        imp.feed(decoder.end());
      }
    }
    imp.end();
  } catch (err) {
    imp.rollback();
    throw err;
  }
  return imp.result();
}

type SeriesState = { labels: Labels; lastT: number; lastV: number };

const EOF_LINE = /^# EOF\r?$/;

class Importer {
  private appender: Appender | undefined;
  private readonly factory: (() => Appender) | undefined;
  private readonly maxErrors: number;
  private readonly commitEvery: number;
  private pending = "";
  private lines = 0; // complete lines consumed so far
  private sawEof = false;
  aborted = false;
  private readonly byText = new Map<string, SeriesState>();
  private readonly byLabels = new Map<string, SeriesState>();
  private samples = 0;
  private uncommitted = 0;
  private errorCount = 0;
  private readonly errors: ImportIssue[] = [];
  private readonly rejectedByReason: Partial<Record<RejectReason, number>> = {};
  private minTime = Infinity;
  private maxTime = -Infinity;
  // The text being parsed, its first line's number, and a cursor mapping the sink's sample ordinal to a line.
  private block = "";
  private ordinal = 0;
  private cursorOrdinal = -1;
  private cursorPos = 0;
  private cursorLine = 0;

  constructor(
    target: Appender | (() => Appender),
    private readonly opts: ImportOptions,
  ) {
    if (typeof target === "function") {
      this.factory = target;
    } else {
      this.appender = target;
    }
    this.maxErrors = opts.maxErrors ?? 100;
    this.commitEvery = opts.commitEvery ?? 500_000;
  }

  feed(text: string): void {
    if (this.aborted || text === "") {
      return;
    }
    const all = this.pending + text;
    const cut = all.lastIndexOf("\n");
    if (cut < 0) {
      this.pending = all;
      return;
    }
    this.pending = all.slice(cut + 1);
    this.lines += this.parseLines(all.slice(0, cut + 1), this.lines + 1);
    this.opts.onProgress?.({ lines: this.lines, samples: this.samples, series: this.byLabels.size });
  }

  end(): void {
    if (this.aborted) {
      this.commit();
      return;
    }
    if (this.pending !== "") {
      const last = this.pending;
      this.pending = "";
      this.lines += this.parseLines(`${last}\n`, this.lines + 1);
    }
    if (!this.sawEof && !this.aborted) {
      this.error(this.lines + 1, 'missing "# EOF" at the end of the OpenMetrics input');
    }
    this.commit();
  }

  /** Parses whole lines starting at line number `first`; returns how many lines they were. */
  private parseLines(text: string, first: number): number {
    const count = countLines(text);
    if (this.sawEof) {
      if (text.trim() !== "") {
        this.error(first, 'unexpected data after "# EOF"');
        this.aborted = true;
      }
      return count;
    }
    // The parser wants a whole OpenMetrics body: each chunk gets an "# EOF" unless it holds the real one.
    let body = text;
    const eofAt = findEofLine(text);
    if (eofAt < 0) {
      body = `${text}# EOF\n`;
    } else {
      this.sawEof = true;
      const after = text.indexOf("\n", eofAt) + 1;
      if (after > 0 && after < text.length && text.slice(after).trim() !== "") {
        body = text.slice(0, after);
        this.parseBody(body, first);
        this.error(first + countLines(body), 'unexpected data after "# EOF"');
        this.aborted = true;
        return count;
      }
    }
    this.parseBody(body, first);
    return count;
  }

  /** Parses `body` (ending in "# EOF"), resuming after each bad line until maxErrors. */
  private parseBody(body: string, firstLine: number): void {
    let text = body;
    let line = firstLine;
    for (;;) {
      this.block = text;
      this.ordinal = 0;
      this.cursorOrdinal = -1;
      this.cursorPos = 0;
      this.cursorLine = line - 1;
      try {
        parseExposition(text, "openmetrics", this);
        return;
      } catch (err) {
        if (!(err instanceof ExpositionError) || err.line <= 0) {
          throw err;
        }
        const bad = line + err.line - 1;
        this.error(bad, err.detail);
        if (this.aborted) {
          return;
        }
        // Resume on the line after the bad one.
        let p = 0;
        for (let k = 0; k < err.line && p >= 0; k++) {
          p = text.indexOf("\n", p) + 1;
          if (p === 0) {
            return;
          }
        }
        text = text.slice(p);
        line = bad + 1;
        if (text === "" || EOF_LINE.test(text.trimEnd())) {
          return;
        }
      }
    }
  }

  /** ExpositionSink: one sample. */
  sample(series: string, value: number, timestampMs: number | undefined): void {
    const ordinal = this.ordinal++;
    if (this.aborted) {
      return;
    }
    if (timestampMs === undefined) {
      this.error(
        this.lineOf(ordinal),
        `sample of ${series} has no timestamp (backfill needs one on every sample)`,
      );
      return;
    }
    const bound = this.outOfBounds(timestampMs);
    if (bound !== undefined) {
      this.reject(bound.reason);
      this.error(this.lineOf(ordinal), `sample of ${series} at ${timestampMs / 1000} ${bound.text}`);
      return;
    }
    let st = this.byText.get(series);
    if (st === undefined) {
      let labels: Labels;
      try {
        labels = parseSeriesLabels(series);
      } catch (err) {
        this.error(this.lineOf(ordinal), err instanceof Error ? err.message : String(err));
        return;
      }
      const key = labelsKey(labels);
      st = this.byLabels.get(key);
      if (st === undefined) {
        st = { labels, lastT: -Infinity, lastV: NaN };
        this.byLabels.set(key, st);
      }
      this.byText.set(series, st);
    }
    if (timestampMs <= st.lastT) {
      if (
        timestampMs === st.lastT &&
        (Object.is(value, st.lastV) || (value !== value && st.lastV !== st.lastV))
      ) {
        return; // the same sample twice: harmless, as in Prometheus
      }
      this.error(
        this.lineOf(ordinal),
        timestampMs === st.lastT
          ? `duplicate timestamp ${timestampMs / 1000} for ${series} with a different value`
          : `out of order sample for ${series}: timestamp ${timestampMs / 1000} is before the series' previous ${st.lastT / 1000} (samples of a series must be sorted by time)`,
      );
      return;
    }
    const app = this.current();
    try {
      app.append(st.labels, timestampMs, value);
    } catch (err) {
      const reason = rejectReason(err);
      if (reason !== undefined) {
        this.reject(reason);
        this.error(this.lineOf(ordinal), `${series}: ${(err as Error).message}`);
        return;
      }
      throw err;
    }
    st.lastT = timestampMs;
    st.lastV = value;
    this.samples++;
    this.uncommitted++;
    if (timestampMs < this.minTime) {
      this.minTime = timestampMs;
    }
    if (timestampMs > this.maxTime) {
      this.maxTime = timestampMs;
    }
    if (this.factory && this.uncommitted >= this.commitEvery) {
      this.commit();
    }
  }

  private outOfBounds(t: number): { reason: RejectReason; text: string } | undefined {
    const { minTime, maxTime } = this.opts;
    if (maxTime !== undefined && t > maxTime) {
      return {
        reason: "too_far_in_future",
        text: `is too far in the future (after ${maxTime / 1000}: the clock + 10 min)`,
      };
    }
    if (minTime !== undefined && t < minTime) {
      return {
        reason: "out_of_bounds",
        text: `is older than the retention window (before ${minTime / 1000}); it would be deleted at once`,
      };
    }
    return undefined;
  }

  private reject(reason: RejectReason): void {
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + 1;
  }

  private current(): Appender {
    if (!this.appender) {
      this.appender = this.factory!();
    }
    return this.appender;
  }

  private commit(): void {
    if (this.appender && (this.factory === undefined || this.uncommitted > 0)) {
      this.appender.commit();
    }
    if (this.factory) {
      this.appender = undefined;
    }
    this.uncommitted = 0;
  }

  rollback(): void {
    if (this.appender) {
      const app = this.appender;
      this.appender = undefined;
      try {
        app.rollback();
      } catch {
        // already finished: nothing to undo
      }
    }
    this.samples -= this.uncommitted;
    this.uncommitted = 0;
  }

  /** The line of the block's ordinal-th sample: every line not starting with "#" is a sample in OpenMetrics. */
  private lineOf(ordinal: number): number {
    const s = this.block;
    while (this.cursorOrdinal < ordinal) {
      const p = this.cursorPos;
      this.cursorLine++;
      const nl = s.indexOf("\n", p);
      this.cursorPos = nl < 0 ? s.length : nl + 1;
      if (s.charCodeAt(p) !== 35 /* # */) {
        this.cursorOrdinal++;
      }
      if (nl < 0) {
        break;
      }
    }
    return this.cursorLine;
  }

  private error(line: number, message: string): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) {
      this.errors.push({ line, message });
    }
    if (this.errorCount >= this.maxErrors) {
      this.aborted = true;
    }
  }

  result(): ImportResult {
    return {
      series: this.byLabels.size,
      samples: this.samples,
      errorCount: this.errorCount,
      errors: this.errors,
      rejectedByReason: this.rejectedByReason,
      aborted: this.aborted,
      lines: this.lines,
      minTime: this.samples > 0 ? this.minTime : undefined,
      maxTime: this.samples > 0 ? this.maxTime : undefined,
    };
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let p = text.indexOf("\n"); p >= 0; p = text.indexOf("\n", p + 1)) {
    n++;
  }
  return n;
}

/** Offset of a line reading exactly "# EOF" in text, or -1. */
function findEofLine(text: string): number {
  for (let p = text.indexOf("# EOF"); p >= 0; p = text.indexOf("# EOF", p + 1)) {
    const atLineStart = p === 0 || text.charCodeAt(p - 1) === 10;
    const end = p + 5;
    const c = text.charCodeAt(end);
    if (atLineStart && (c === 10 || (c === 13 && text.charCodeAt(end + 1) === 10) || end === text.length)) {
      return p;
    }
  }
  return -1;
}

/** Thrown by callers that want an import with errors to fail as a whole (e.g. the CLI's --strict). */
export function importFailed(result: ImportResult): LineopsError {
  const first = result.errors[0];
  return RemoteErrors.invalidImport(
    `${result.errorCount} error(s) in the OpenMetrics input${first ? `; first at line ${first.line}: ${first.message}` : ""}`,
  );
}
