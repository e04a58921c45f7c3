// The Prometheus exposition parser on the scrape hot path: text format 0.0.4 and OpenMetrics 1.0,
// one pass of charCodeAt over the body; at most one string (the series slice) allocated per sample.
import { METRIC_TYPES, type Labels } from "../model.js";
import { grown } from "../typed-arrays.js";
import * as chars from "./parser-chars.js";
import { describeChar } from "./parser-chars.js";
import { ExpositionError } from "./errors.js";
import { unescapeRange } from "./parser-escape.js";
import { parseExpositionFloat, parseOpenMetricsTimestamp, parseTextTimestamp } from "./parser-float.js";

export { ExpositionError } from "./errors.js";
export { parseSeriesLabels, detachSeries } from "./parser-series.js";
export type { Labels };

// Module-local copies: when a loader rewrites ESM imports into property reads (tsx in CommonJS
// mode, test runners), every char comparison would otherwise cost a getter call (measured 10x).
const {
  BACKSLASH,
  CHAR_CLASS,
  COMMA,
  CR,
  EQ,
  HASH,
  LABEL_CHAR,
  LABEL_START,
  LBRACE,
  LF,
  METRIC_CHAR,
  METRIC_START,
  QUOTE,
  RBRACE,
  SP,
  TAB,
} = chars;
const parseFloatAt = parseExpositionFloat;
const parseOmTs = parseOpenMetricsTimestamp;
const parseTextTs = parseTextTimestamp;

export type ExpositionFormat = "text" | "openmetrics";

/** Picks the format from a Content-Type header (application/openmetrics-text → openmetrics; else text). */
export function formatFromContentType(ct: string | undefined): ExpositionFormat {
  if (ct === undefined) {
    return "text";
  }
  const semi = ct.indexOf(";");
  const media = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  return media === "application/openmetrics-text" ? "openmetrics" : "text";
}

export interface ExpositionSink {
  /** One sample. `series` is the series text exactly as written (name and label block), a cache key. */
  sample(series: string, value: number, timestampMs: number | undefined): void;
  /**
   * When present, called instead of sample() with the series text as body[start, end): a caller
   * that can look the text up in place (the scrape cache) saves a string per sample.
   */
  sampleAt?(start: number, end: number, value: number, timestampMs: number | undefined): void;
  /** # TYPE / # HELP / # UNIT lines; `metric` is the bare family name, HELP text unescaped. */
  metadata?(metric: string, kind: "type" | "help" | "unit", text: string): void;
}

/** Parses a whole body, calling sink for each sample in order; throws ExpositionError on the first bad line. */
export function parseExposition(body: string, format: ExpositionFormat, sink: ExpositionSink): void {
  const scanner = new Scanner(body, sink);
  if (format === "openmetrics") {
    scanner.openMetrics();
  } else {
    scanner.text();
  }
}

const TEXT_TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const OM_TYPES = new Set<string>(METRIC_TYPES);

type MetaKind = "type" | "help" | "unit";

const MODE_TEXT = 0;
const MODE_OM = 1;
const MODE_EXEMPLAR = 2;

class Scanner {
  private readonly n: number;
  private pos = 0;
  private line = 1;
  /** Whether the last quoted string scanned held a backslash. */
  private escaped = false;
  /** End of the current line (index of its LF, or the body's length): quoted strings may not pass it. */
  private lineEnd = 0;
  /** Index of a backslash at or after the last quoted string checked (n: none); refreshed when passed. */
  private nextBackslash = -1;
  // Label names of the current series (start, end, escaped) for the duplicate check, reused across lines.
  private nameStart = new Int32Array(16);
  private nameEnd = new Int32Array(16);
  private nameEsc = new Uint8Array(16);
  private readonly inPlace: boolean;

  constructor(
    private readonly s: string,
    private readonly sink: ExpositionSink,
  ) {
    this.n = s.length;
    this.inPlace = sink.sampleAt !== undefined;
  }

  text(): void {
    const s = this.s;
    const n = this.n;
    while (this.pos < n) {
      let p = this.pos;
      let c = s.charCodeAt(p);
      while (c === SP || c === TAB) {
        c = s.charCodeAt(++p);
      }
      if (c === LF) {
        p++;
      } else if (c === CR && s.charCodeAt(p + 1) === LF) {
        p += 2;
      } else if (p >= n) {
        p = n;
      } else if (c === HASH) {
        p = this.textComment(p + 1);
      } else {
        p = this.sample(p, MODE_TEXT);
      }
      this.pos = p;
      this.line++;
    }
  }

  openMetrics(): void {
    const s = this.s;
    const n = this.n;
    for (;;) {
      const p = this.pos;
      if (p >= n) {
        this.fail('missing "# EOF" at the end of the OpenMetrics body');
      }
      const c = s.charCodeAt(p);
      if (c === HASH) {
        if (s.charCodeAt(p + 1) !== SP) {
          this.fail('expected " " after "#" (OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF)');
        }
        const q = p + 2;
        if (s.startsWith("EOF", q)) {
          this.afterEof(q + 3);
          return;
        }
        const kind = this.keyword(q, false);
        if (kind === undefined) {
          this.fail(
            `invalid comment ${JSON.stringify(this.lineText(p))}: OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF`,
          );
        }
        this.pos = this.metadata(q + 4, kind, MODE_OM);
      } else if (c === LF || c === CR) {
        this.fail("empty lines are not allowed in OpenMetrics");
      } else {
        this.pos = this.sample(p, MODE_OM);
      }
      this.line++;
    }
  }

  /** `# EOF` must end the body, optionally followed by one line break. */
  private afterEof(p: number): void {
    const s = this.s;
    const n = this.n;
    const c = s.charCodeAt(p);
    let end = p;
    if (c === LF) {
      end = p + 1;
    } else if (c === CR && s.charCodeAt(p + 1) === LF) {
      end = p + 2;
    } else if (p < n) {
      this.fail(`unexpected ${describeChar(c)} after "# EOF"`);
    }
    if (end < n) {
      this.line++;
      this.fail('unexpected data after "# EOF"');
    }
  }

  /** HELP/TYPE (and UNIT in OpenMetrics) at p, followed by a space (or tab in the text format). */
  private keyword(p: number, text: boolean): MetaKind | undefined {
    const s = this.s;
    const after = s.charCodeAt(p + 4);
    if (!(after === SP || (text && after === TAB))) {
      return undefined;
    }
    if (s.startsWith("HELP", p)) {
      return "help";
    }
    if (s.startsWith("TYPE", p)) {
      return "type";
    }
    if (!text && s.startsWith("UNIT", p)) {
      return "unit";
    }
    return undefined;
  }

  /** After "#" in the text format: metadata, or a comment skipped to the end of the line. */
  private textComment(p: number): number {
    const s = this.s;
    let c = s.charCodeAt(p);
    if (c === SP || c === TAB) {
      do {
        c = s.charCodeAt(++p);
      } while (c === SP || c === TAB);
      const kind = this.keyword(p, true);
      if (kind !== undefined) {
        return this.metadata(p + 4, kind, MODE_TEXT);
      }
    }
    const lf = s.indexOf("\n", p);
    return lf < 0 ? this.n : lf + 1;
  }

  /** The rest of a metadata line from the blank after its keyword; returns the next line's start. */
  private metadata(p: number, kind: MetaKind, mode: number): number {
    const s = this.s;
    const lineFeed = s.indexOf("\n", p);
    this.lineEnd = lineFeed < 0 ? this.n : lineFeed;
    const om = mode === MODE_OM;
    let c = s.charCodeAt(p);
    if (om) {
      c = s.charCodeAt(++p);
    } else {
      while (c === SP || c === TAB) {
        c = s.charCodeAt(++p);
      }
    }
    let metric: string;
    if (CHAR_CLASS[c]! & METRIC_START) {
      const start = p;
      do {
        c = s.charCodeAt(++p);
      } while (CHAR_CLASS[c]! & METRIC_CHAR);
      metric = s.slice(start, p);
    } else if (c === QUOTE) {
      const end = this.quoted(p + 1, "metric name");
      metric = unescapeRange(s, p + 1, end);
      if (metric === "") {
        this.fail(`empty metric name in # ${kind.toUpperCase()}`);
      }
      p = end + 1;
      c = s.charCodeAt(p);
    } else {
      this.fail(`expected a metric name after # ${kind.toUpperCase()}, got ${describeChar(c)}`);
    }
    let textStart: number;
    if (c === SP || (!om && c === TAB)) {
      textStart = p + 1;
    } else if (!om && (c === LF || c === CR || p >= this.n)) {
      textStart = p;
    } else if (om) {
      this.fail(
        `expected " " and text after metric name ${JSON.stringify(metric)} in # ${kind.toUpperCase()}`,
      );
    } else {
      this.fail(
        `unexpected ${describeChar(c)} after metric name ${JSON.stringify(metric)} in # ${kind.toUpperCase()}`,
      );
    }
    const lf = s.indexOf("\n", textStart);
    if (lf < 0 && om) {
      this.fail('missing "# EOF" at the end of the OpenMetrics body');
    }
    const next = lf < 0 ? this.n : lf + 1;
    let textEnd = lf < 0 ? this.n : lf;
    if (textEnd > textStart && s.charCodeAt(textEnd - 1) === CR) {
      textEnd--;
    }
    const sink = this.sink;
    let text: string;
    if (kind === "help") {
      if (sink.metadata === undefined) {
        return next;
      }
      text = unescapeRange(s, textStart, textEnd, om);
    } else {
      text = s.slice(textStart, textEnd);
      if (kind === "type") {
        if (!(om ? OM_TYPES : TEXT_TYPES).has(text)) {
          this.fail(`invalid metric type ${JSON.stringify(text)} for ${JSON.stringify(metric)}`);
        }
      } else if (text !== "" && !(metric.endsWith("_" + text) && metric.length > text.length + 1)) {
        this.fail(`unit ${JSON.stringify(text)} is not a suffix of metric ${JSON.stringify(metric)}`);
      }
    }
    sink.metadata?.(metric, kind, text);
    return next;
  }

  /** One sample line from its first char; returns the next line's start. */
  private sample(p0: number, mode: number): number {
    const s = this.s;
    const lf = s.indexOf("\n", p0);
    this.lineEnd = lf < 0 ? this.n : lf;
    let p = p0;
    let c = s.charCodeAt(p);
    let seriesEnd: number;
    if (CHAR_CLASS[c]! & METRIC_START) {
      do {
        c = s.charCodeAt(++p);
      } while (CHAR_CLASS[c]! & METRIC_CHAR);
      seriesEnd = p;
      if (c === LBRACE) {
        p = this.labels(p + 1, true, mode);
        seriesEnd = p;
      } else if (mode === MODE_TEXT && (c === SP || c === TAB)) {
        let q = p;
        do {
          c = s.charCodeAt(++q);
        } while (c === SP || c === TAB);
        if (c === LBRACE) {
          p = this.labels(q + 1, true, mode);
          seriesEnd = p;
        }
      }
    } else if (c === LBRACE) {
      p = this.labels(p + 1, false, mode);
      seriesEnd = p;
    } else {
      this.fail(`expected a metric name, "{" or "#" at the start of a line, got ${describeChar(c)}`);
    }
    c = s.charCodeAt(p);
    if (mode === MODE_TEXT) {
      if (c !== SP && c !== TAB) {
        this.failAfterSeries(p0, seriesEnd, c);
      }
      do {
        c = s.charCodeAt(++p);
      } while (c === SP || c === TAB);
    } else {
      if (c !== SP) {
        this.failAfterSeries(p0, seriesEnd, c);
      }
      c = s.charCodeAt(++p);
    }
    const vStart = p;
    while (c > SP) {
      c = s.charCodeAt(++p);
    }
    const value = parseFloatAt(s, vStart, p);
    if (value === undefined) {
      this.fail(
        vStart === p
          ? `expected a value after ${JSON.stringify(s.slice(p0, seriesEnd))}, got ${describeChar(c)}`
          : `invalid value ${JSON.stringify(s.slice(vStart, p))} for ${JSON.stringify(s.slice(p0, seriesEnd))}`,
      );
    }
    let ts: number | undefined;
    if (mode === MODE_TEXT) {
      while (c === SP || c === TAB) {
        c = s.charCodeAt(++p);
      }
      if (c === HASH) {
        this.fail("exemplars are only allowed in OpenMetrics, not in the text format");
      }
      if (c > SP) {
        const tStart = p;
        do {
          c = s.charCodeAt(++p);
        } while (c > SP);
        ts = parseTextTs(s, tStart, p);
        if (ts === undefined) {
          this.fail(
            `invalid timestamp ${JSON.stringify(s.slice(tStart, p))} (text format: integer milliseconds)`,
          );
        }
        while (c === SP || c === TAB) {
          c = s.charCodeAt(++p);
        }
      }
    } else if (c === SP) {
      c = s.charCodeAt(++p);
      if (c !== HASH) {
        const tStart = p;
        while (c > SP) {
          c = s.charCodeAt(++p);
        }
        if (tStart === p) {
          this.fail(`expected a timestamp or an exemplar after " ", got ${describeChar(c)}`);
        }
        ts = parseOmTs(s, tStart, p);
        if (ts === undefined) {
          this.fail(`invalid timestamp ${JSON.stringify(s.slice(tStart, p))} (OpenMetrics: seconds)`);
        }
        if (c === SP) {
          c = s.charCodeAt(++p);
          if (c !== HASH) {
            this.fail(
              `expected end of line or an exemplar "# {" after the timestamp, got ${describeChar(c)}`,
            );
          }
        }
      }
      if (c === HASH) {
        p = this.exemplar(p);
        c = s.charCodeAt(p);
      }
    }
    let next: number;
    if (c === LF) {
      next = p + 1;
    } else if (c === CR && s.charCodeAt(p + 1) === LF) {
      next = p + 2;
    } else if (p >= this.n && mode === MODE_TEXT) {
      next = p;
    } else if (p >= this.n) {
      this.fail('missing "# EOF" at the end of the OpenMetrics body');
    } else {
      this.fail(`expected end of line after the sample, got ${describeChar(c)}`);
    }
    if (this.inPlace) {
      this.sink.sampleAt!(p0, seriesEnd, value, ts);
    } else {
      this.sink.sample(s.slice(p0, seriesEnd), value, ts);
    }
    return next;
  }

  private failAfterSeries(p0: number, seriesEnd: number, c: number): never {
    const series = JSON.stringify(this.s.slice(p0, seriesEnd));
    if (c === LF || c === CR || c !== c) {
      this.fail(`expected a value after ${series}, got ${describeChar(c)}`);
    }
    this.fail(`unexpected ${describeChar(c)} after ${series}`);
  }

  /** An OpenMetrics exemplar ` # {labels} value [timestamp]` from its "#": checked, then dropped. */
  private exemplar(p: number): number {
    const s = this.s;
    if (s.charCodeAt(p + 1) !== SP || s.charCodeAt(p + 2) !== LBRACE) {
      this.fail('expected an exemplar "# {" after the sample');
    }
    p = this.labels(p + 3, true, MODE_EXEMPLAR);
    let c = s.charCodeAt(p);
    if (c !== SP) {
      this.fail(`expected " " and a value after the exemplar labels, got ${describeChar(c)}`);
    }
    // Value, then an optional timestamp, each one field up to the next blank. Written out rather
    // than shared through a closure: with a closure per exemplar, bench:parser's prom-client
    // OpenMetrics body (exemplars on a sixth of its samples) parsed 30 % slower.
    const vStart = ++p;
    c = s.charCodeAt(p);
    while (c > SP) {
      c = s.charCodeAt(++p);
    }
    if (parseFloatAt(s, vStart, p) === undefined) {
      this.fail(`invalid exemplar value ${JSON.stringify(s.slice(vStart, p))}`);
    }
    if (c === SP) {
      const tStart = ++p;
      c = s.charCodeAt(p);
      while (c > SP) {
        c = s.charCodeAt(++p);
      }
      if (parseOmTs(s, tStart, p) === undefined) {
        this.fail(`invalid exemplar timestamp ${JSON.stringify(s.slice(tStart, p))}`);
      }
    }
    return p;
  }

  /**
   * A label block from just after "{"; returns the position after "}". `named` says whether a metric
   * name came before the brace (otherwise a quoted one must appear inside). The text format allows
   * blanks between tokens and, as Prometheus, a missing comma between labels; OpenMetrics allows neither.
   */
  private labels(p: number, named: boolean, mode: number): number {
    const s = this.s;
    const lenient = mode === MODE_TEXT;
    const series = mode !== MODE_EXEMPLAR;
    let count = 0;
    // Duplicate-name filter: one bit per name hash; only a hit (or an escaped name) compares names.
    let seen = 0;
    let escSeen = false;
    let c = s.charCodeAt(p);
    for (;;) {
      if (lenient) {
        while (c === SP || c === TAB) {
          c = s.charCodeAt(++p);
        }
      }
      if (c === RBRACE) {
        break;
      }
      const ns = p;
      let ne: number;
      let quoted = false;
      let esc = false;
      if (CHAR_CLASS[c]! & LABEL_START) {
        do {
          c = s.charCodeAt(++p);
        } while (CHAR_CLASS[c]! & LABEL_CHAR);
        ne = p;
      } else if (c === QUOTE) {
        ne = this.quoted(p + 1, "label name") + 1;
        esc = this.escaped;
        quoted = true;
        p = ne;
        c = s.charCodeAt(p);
      } else {
        this.fail(`expected a label name or "}", got ${describeChar(c)}`);
      }
      if (lenient) {
        while (c === SP || c === TAB) {
          c = s.charCodeAt(++p);
        }
      }
      if (quoted && (c === COMMA || c === RBRACE)) {
        // A bare quoted string is the metric name (Prometheus 3 UTF-8 names: {"my.metric", a="b"}).
        if (!series) {
          this.fail("exemplar labels cannot hold a metric name");
        }
        if (named) {
          this.fail(`metric name given twice: ${s.slice(ns, ne)}`);
        }
        if (ne - ns === 2) {
          this.fail("empty metric name");
        }
        named = true;
        if (c === COMMA) {
          c = s.charCodeAt(++p);
          continue;
        }
        break;
      }
      if (c !== EQ) {
        this.fail(`expected "=" after label name ${this.nameText(ns, ne, quoted)}, got ${describeChar(c)}`);
      }
      c = s.charCodeAt(++p);
      if (lenient) {
        while (c === SP || c === TAB) {
          c = s.charCodeAt(++p);
        }
      }
      if (c !== QUOTE) {
        this.fail(
          `expected '"' to open the value of label ${this.nameText(ns, ne, quoted)}, got ${describeChar(c)}`,
        );
      }
      p = this.quoted(p + 1, "label value") + 1;
      c = s.charCodeAt(p);
      if (lenient) {
        while (c === SP || c === TAB) {
          c = s.charCodeAt(++p);
        }
      }
      if (series) {
        const a = quoted ? ns + 1 : ns;
        const b = quoted ? ne - 1 : ne;
        if (quoted && a === b) {
          this.fail("empty label name");
        }
        if (b - a === 8 && s.startsWith("__name__", a)) {
          this.fail(
            'label "__name__" duplicates the metric name (write the name before "{" or quoted inside it)',
          );
        }
        const bit = 1 << (((b - a) * 7 + s.charCodeAt(a) + s.charCodeAt(b - 1) * 3) & 31);
        if ((seen & bit) !== 0 || esc || escSeen) {
          this.checkDuplicate(a, b, esc, count);
        }
        seen |= bit;
        escSeen ||= esc;
        if (count === this.nameStart.length) {
          this.growNames();
        }
        this.nameStart[count] = a;
        this.nameEnd[count] = b;
        this.nameEsc[count] = esc ? 1 : 0;
        count++;
      }
      if (c === COMMA) {
        c = s.charCodeAt(++p);
      } else if (!lenient && c !== RBRACE) {
        this.fail(
          `expected "," or "}" after the value of label ${this.nameText(ns, ne, quoted)}, got ${describeChar(c)}`,
        );
      }
    }
    if (!named) {
      this.fail('metric name missing: a series starting with "{" needs its quoted name inside');
    }
    return p + 1;
  }

  private nameText(ns: number, ne: number, quoted: boolean): string {
    return quoted ? this.s.slice(ns, ne) : JSON.stringify(this.s.slice(ns, ne));
  }

  /** Fails if label name s[a, b) equals one of the first `i` names of the series. */
  private checkDuplicate(a: number, b: number, esc: boolean, i: number): void {
    const s = this.s;
    const len = b - a;
    for (let j = 0; j < i; j++) {
      const ja = this.nameStart[j]!;
      const jb = this.nameEnd[j]!;
      if (esc || this.nameEsc[j] === 1) {
        if (unescapeRange(s, a, b) === unescapeRange(s, ja, jb)) {
          this.fail(`duplicate label name ${JSON.stringify(unescapeRange(s, a, b))}`);
        }
        continue;
      }
      if (jb - ja !== len) {
        continue;
      }
      let k = 0;
      while (k < len && s.charCodeAt(a + k) === s.charCodeAt(ja + k)) {
        k++;
      }
      if (k === len) {
        this.fail(`duplicate label name ${JSON.stringify(s.slice(a, b))}`);
      }
    }
  }

  private growNames(): void {
    this.nameStart = grown(this.nameStart);
    this.nameEnd = grown(this.nameEnd);
    this.nameEsc = grown(this.nameEsc);
  }

  /**
   * Finds the closing quote of a quoted string whose content starts at p. The common case (no
   * backslash before the quote on this line) is two SIMD searches instead of a per-char loop.
   */
  private quoted(p: number, what: string): number {
    const q = this.s.indexOf('"', p);
    if (q >= 0 && q < this.lineEnd) {
      let bs = this.nextBackslash;
      if (bs < p) {
        bs = this.s.indexOf("\\", p);
        this.nextBackslash = bs = bs < 0 ? this.n : bs;
      }
      if (bs > q) {
        this.escaped = false;
        return q;
      }
    }
    return this.quotedSlow(p, what);
  }

  /** Char-by-char scan of a quoted string: escapes, and the errors of an unterminated one. */
  private quotedSlow(p: number, what: string): number {
    const s = this.s;
    let esc = false;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c > QUOTE && c !== BACKSLASH) {
        p++;
      } else if (c === QUOTE) {
        this.escaped = esc;
        return p;
      } else if (c === BACKSLASH) {
        const d = s.charCodeAt(p + 1);
        if (d === LF || d !== d) {
          this.fail(`unterminated ${what}: backslash at end of line`);
        }
        esc = true;
        p += 2;
      } else if (c === LF || c !== c) {
        this.fail(`unterminated ${what}: no closing '"' on this line (write a line break as \\n)`);
      } else {
        p++;
      }
    }
  }

  private lineText(p: number): string {
    const lf = this.s.indexOf("\n", p);
    const text = this.s.slice(p, lf < 0 ? this.n : lf);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  }

  private fail(detail: string): never {
    throw new ExpositionError(this.line, detail);
  }
}
