// Serialises query results as Prometheus's HTTP API does: timestamps as float seconds, values as strings
// formatted like Go's strconv.FormatFloat(v, 'f', -1, 64) ("NaN", "+Inf", shortest round-trip digits).
import type { Labels } from "../model.js";

/** A point as the engine returns it: [seconds, value]; toPrometheusJson() turns the value into a string. */
export type Point = [number, number];
/** Annotations, and (stats=all) what the query read: see QueryReadStats in state.ts. */
type Notes = { warnings?: string[]; infos?: string[]; stats?: ReadStatsJson };
/** QueryReadStats, structurally (format.ts is imported by state.ts's importers). */
type ReadStatsJson = {
  maxSourceResolution: "auto" | number;
  resolutionsMs: number[];
  samplesRead: number;
  peakSamples: number;
};
export type QueryResult =
  | ({ resultType: "vector"; result: { metric: Labels; value: Point }[] } & Notes)
  | ({ resultType: "matrix"; result: { metric: Labels; values: Point[] }[] } & Notes)
  | ({ resultType: "scalar"; result: Point } & Notes)
  | ({ resultType: "string"; result: [number, string] } & Notes);

export type PromJsonSample = [number, string];
export type PromJsonData =
  | { resultType: "vector"; result: { metric: Labels; value: PromJsonSample }[] }
  | { resultType: "matrix"; result: { metric: Labels; values: PromJsonSample[] }[] }
  | { resultType: "scalar" | "string"; result: PromJsonSample };

/** Go's strconv.FormatFloat(v, 'f', -1, 64). */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) {
    return "NaN";
  }
  if (v === Infinity) {
    return "+Inf";
  }
  if (v === -Infinity) {
    return "-Inf";
  }
  if (Object.is(v, -0)) {
    return "-0";
  }
  const s = String(v);
  if (!s.includes("e")) {
    return s;
  }
  // Expand exponent notation without losing the shortest digits JS chose.
  const [mant, expStr] = s.split("e") as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const pointPos =
    (mant.replace("-", "").indexOf(".") === -1
      ? mant.replace("-", "").length
      : mant.replace("-", "").indexOf(".")) + exp;
  let out: string;
  if (pointPos <= 0) {
    out = "0." + "0".repeat(-pointPos) + digits;
  } else if (pointPos >= digits.length) {
    out = digits + "0".repeat(pointPos - digits.length);
  } else {
    out = digits.slice(0, pointPos) + "." + digits.slice(pointPos);
  }
  return neg ? "-" + out : out;
}

/** A timestamp in milliseconds as the API's float seconds. */
export function toSeconds(ms: number): number {
  return ms / 1000;
}

function sample(p: Point): PromJsonSample {
  return [p[0], formatFloat(p[1])];
}

/** sample() of every point, into an array sized once (range results run to millions of points). */
function samples(points: readonly Point[]): PromJsonSample[] {
  const out = new Array<PromJsonSample>(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    out[i] = [p[0], formatFloat(p[1])];
  }
  return out;
}

/** The Prometheus API "data" object for a result (the status envelope is the HTTP layer's). */
export function toPrometheusJson(r: QueryResult): PromJsonData {
  switch (r.resultType) {
    case "vector":
      return {
        resultType: "vector",
        result: r.result.map((s) => ({ metric: s.metric, value: sample(s.value) })),
      };
    case "matrix":
      return {
        resultType: "matrix",
        result: r.result.map((s) => ({ metric: s.metric, values: samples(s.values) })),
      };
    case "scalar":
      return { resultType: "scalar", result: sample(r.result) };
    case "string":
      return { resultType: "string", result: r.result };
  }
}

/**
 * The API response body for a result: the UTF-8 bytes of JSON.stringify of
 * { status: "success", data: toPrometheusJson(r), warnings?, infos? } (notes only when non-empty),
 * written straight into one buffer. Building strings instead cost more than JSON.stringify (V8
 * joins millions of small strings slowly); an object per point is what this avoids.
 */
export function prometheusResponseJson(r: QueryResult): Buffer {
  const out = new JsonBytes(estimateBytes(r));
  out.ascii('{"status":"success","data":');
  writeData(out, r);
  if (r.warnings?.length) {
    out.ascii(',"warnings":');
    out.text(JSON.stringify(r.warnings));
  }
  if (r.infos?.length) {
    out.ascii(',"infos":');
    out.text(JSON.stringify(r.infos));
  }
  out.ascii("}");
  return out.bytes();
}

/** Roughly the response size, so the buffer rarely grows (each growth copies it). */
function estimateBytes(r: QueryResult): number {
  let points = 1;
  if (r.resultType === "matrix") {
    for (const e of r.result) {
      points += e.values.length + 4;
    }
  } else if (r.resultType === "vector") {
    points += r.result.length * 5;
  }
  return Math.min(256 + points * 32, 64 << 20); // a huge result grows by doubling, not up front
}

/** A growable byte buffer for JSON text. */
class JsonBytes {
  private buf: Buffer;
  private len = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(n: number): void {
    if (this.len + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.len + n));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
  }

  /** A string of ASCII characters only (numbers as text, fixed JSON punctuation). */
  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let len = this.len;
    for (let i = 0; i < s.length; i++) {
      buf[len++] = s.charCodeAt(i);
    }
    this.len = len;
  }

  byte(b: number): void {
    if (this.len === this.buf.length) {
      this.ensure(1);
    }
    this.buf[this.len++] = b;
  }

  /** Any string, as UTF-8. */
  text(s: string): void {
    this.ensure(3 * s.length);
    this.len += this.buf.write(s, this.len, "utf8");
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function writeData(out: JsonBytes, r: QueryResult): void {
  switch (r.resultType) {
    case "vector":
      out.ascii('{"resultType":"vector","result":[');
      for (let i = 0; i < r.result.length; i++) {
        const e = r.result[i]!;
        openEntry(out, i, e.metric, ',"value":');
        writePoint(out, e.value);
        out.ascii("}");
      }
      out.ascii("]");
      closeData(out, r);
      return;
    case "matrix":
      out.ascii('{"resultType":"matrix","result":[');
      for (let i = 0; i < r.result.length; i++) {
        const e = r.result[i]!;
        openEntry(out, i, e.metric, ',"values":[');
        const values = e.values;
        for (let k = 0; k < values.length; k++) {
          if (k > 0) {
            out.byte(0x2c);
          }
          writePoint(out, values[k]!);
        }
        out.ascii("]}");
      }
      out.ascii("]");
      closeData(out, r);
      return;
    case "scalar":
      out.ascii('{"resultType":"scalar","result":');
      writePoint(out, r.result);
      closeData(out, r);
      return;
    case "string":
      out.text(JSON.stringify({ resultType: "string", result: r.result }).slice(0, -1));
      closeData(out, r);
      return;
  }
}

/** The end of "data": its `stats` (only when the caller asked for them, as Prometheus's stats=all). */
function closeData(out: JsonBytes, r: QueryResult): void {
  if (r.stats) {
    out.ascii(',"stats":');
    out.text(JSON.stringify(r.stats));
  }
  out.ascii("}");
}

/** The opening of the i-th result entry up to its samples: `{"metric":{...}` and `then` (ASCII). */
function openEntry(out: JsonBytes, i: number, metric: Labels, then: string): void {
  out.ascii(i === 0 ? '{"metric":' : ',{"metric":');
  out.text(JSON.stringify(metric));
  out.ascii(then);
}

/** [t, "v"]: formatFloat's text needs no escaping; t as JSON.stringify writes a number. */
function writePoint(out: JsonBytes, p: Point): void {
  out.byte(0x5b); // [
  out.ascii(Number.isFinite(p[0]) ? String(p[0]) : "null");
  out.byte(0x2c); // ,
  out.byte(0x22); // "
  out.ascii(formatFloat(p[1]));
  out.byte(0x22);
  out.byte(0x5d); // ]
}
