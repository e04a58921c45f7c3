// Decodes a Prometheus remote-write 1.0 request (snappy block + prometheus.WriteRequest protobuf) by
// hand, validating all of it before returning, so a caller that appends only after a successful decode
// never applies half of an invalid request. Samples land in two typed arrays shared by the request.
import { METRIC_TYPES, type Labels, type MetricType, type SeriesSamples } from "../model.js";
import { grown, grownCapacity, resized } from "../typed-arrays.js";
import { RemoteErrors } from "./errors.js";
import {
  ProtoError,
  ProtoReader,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  wireTypeName,
} from "./proto-reader.js";
import { SnappyError, snappyDecode } from "./snappy.js";
import {
  buildLabels,
  LabelError,
  LabelRanges,
  LabelsCache,
  type LabelNameValidation,
} from "./write-request-labels.js";

export type { LabelNameValidation } from "./write-request-labels.js";

// prometheus.MetricMetadata.MetricType, by enum number.
export { METRIC_TYPES, type MetricType };

export type MetricMetadata = {
  readonly type: MetricType;
  readonly metricFamilyName: string;
  readonly help: string;
  readonly unit: string;
};

export type WriteRequestSeries = {
  /** Sorted, validated, frozen; labels with empty values removed. */
  readonly labels: Labels;
  /** In the order sent; views into arrays shared by the whole request (NaN payloads kept bit-exact). */
  readonly samples: SeriesSamples;
};

export type DecodedWriteRequest = {
  /** Series with at least one float sample. */
  readonly series: WriteRequestSeries[];
  /** Total float samples over all series. */
  readonly samples: number;
  readonly metadata: MetricMetadata[];
  /** Exemplars and native histogram samples found and skipped (not supported yet), for a warning. */
  readonly exemplars: number;
  readonly histograms: number;
  /** Size of the decompressed protobuf. */
  readonly decodedBytes: number;
};

export type WriteRequestLimits = {
  /** Cap on the snappy-declared uncompressed size, checked before decompressing. Default 64 MiB. */
  readonly maxDecodedBytes?: number;
  /** Default 100 000. */
  readonly maxSeries?: number;
  /** Float samples over all series. Default 2 000 000. */
  readonly maxSamples?: number;
  /** Default "utf8" (Prometheus 3, and what the scrape parser accepts). */
  readonly labelNames?: LabelNameValidation;
};

const DEFAULTS = {
  maxDecodedBytes: 64 * 1024 * 1024,
  maxSeries: 100_000,
  maxSamples: 2_000_000,
};

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
const caches: Record<LabelNameValidation, LabelsCache> = {
  utf8: new LabelsCache(200_000),
  legacy: new LabelsCache(200_000),
};

/** Decodes and validates a snappy-compressed WriteRequest body; throws LINEOPS_ERR_REMOTE_WRITE_INVALID. */
export function decodeWriteRequest(body: Uint8Array, limits: WriteRequestLimits = {}): DecodedWriteRequest {
  const max = limits.maxDecodedBytes ?? DEFAULTS.maxDecodedBytes;
  let proto: Buffer;
  try {
    proto = snappyDecode(body, max);
  } catch (err) {
    if (err instanceof SnappyError) {
      throw RemoteErrors.invalidWriteRequest(err.message, { cause: err });
    }
    throw err;
  }
  return decodeWriteRequestProto(proto, limits);
}

/** Decodes and validates an uncompressed WriteRequest protobuf. */
export function decodeWriteRequestProto(
  proto: Uint8Array,
  limits: WriteRequestLimits = {},
): DecodedWriteRequest {
  const buf = Buffer.isBuffer(proto) ? proto : Buffer.from(proto.buffer, proto.byteOffset, proto.byteLength);
  const d = new Decoder(buf, limits);
  try {
    return d.request();
  } catch (err) {
    if (err instanceof ProtoError) {
      throw RemoteErrors.invalidWriteRequest(d.where() + err.message, { cause: err });
    }
    throw err;
  }
}

class Decoder {
  private readonly r: ProtoReader;
  private readonly maxSeries: number;
  private readonly maxSamples: number;
  private readonly validation: LabelNameValidation;
  private readonly cache: LabelsCache;
  private readonly ranges = new LabelRanges();
  // Payload [start, end) of each label field of the current series.
  private spans = new Int32Array(64);
  private spanCount = 0;
  private ts: Float64Array;
  private vs: Float64Array;
  private vsBytes: Uint8Array;
  private n = 0;
  private seriesIndex = -1;
  private inSeries = false;
  private inMetadata = false;
  private exemplars = 0;
  private histograms = 0;
  // Per output series: labels, first sample index, sample count.
  private readonly outLabels: Labels[] = [];
  private readonly outStart: number[] = [];
  private readonly outCount: number[] = [];
  private readonly metadata: MetricMetadata[] = [];

  constructor(
    private readonly buf: Buffer,
    limits: WriteRequestLimits,
  ) {
    this.r = new ProtoReader(buf);
    this.maxSeries = limits.maxSeries ?? DEFAULTS.maxSeries;
    this.maxSamples = limits.maxSamples ?? DEFAULTS.maxSamples;
    this.validation = limits.labelNames ?? "utf8";
    this.cache = caches[this.validation];
    // A typical sample costs ~16 bytes on the wire; growth covers the rest.
    const cap = Math.min(this.maxSamples, Math.max(16, Math.ceil(buf.length / 16)));
    this.ts = new Float64Array(cap);
    this.vs = new Float64Array(cap);
    this.vsBytes = new Uint8Array(this.vs.buffer);
  }

  request(): DecodedWriteRequest {
    const r = this.r;
    const end = this.buf.length;
    while (r.pos < end) {
      const tag = r.uint32(end, "WriteRequest tag");
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expectWire(wt, WIRE_LEN, "WriteRequest.timeseries");
        if (++this.seriesIndex >= this.maxSeries) {
          throw new ProtoError(`too many series in one request: more than the limit of ${this.maxSeries}`);
        }
        const e = r.lengthEnd(end, "WriteRequest.timeseries");
        this.inSeries = true;
        this.series(e);
        this.inSeries = false;
        r.pos = e;
      } else if (field === 3) {
        this.expectWire(wt, WIRE_LEN, "WriteRequest.metadata");
        const e = r.lengthEnd(end, "WriteRequest.metadata");
        this.inMetadata = true;
        this.metadataEntry(e);
        this.inMetadata = false;
        r.pos = e;
      } else {
        this.checkField(field, "WriteRequest");
        r.skip(wt, field, end, "WriteRequest");
      }
    }
    const series: WriteRequestSeries[] = new Array<WriteRequestSeries>(this.outLabels.length);
    for (let i = 0; i < series.length; i++) {
      const a = this.outStart[i]!;
      const b = a + this.outCount[i]!;
      series[i] = {
        labels: this.outLabels[i]!,
        samples: { ts: this.ts.subarray(a, b), vs: this.vs.subarray(a, b) },
      };
    }
    return {
      series,
      samples: this.n,
      metadata: this.metadata,
      exemplars: this.exemplars,
      histograms: this.histograms,
      decodedBytes: this.buf.length,
    };
  }

  private series(end: number): void {
    const r = this.r;
    this.spanCount = 0;
    const first = this.n;
    // Label fields are normally contiguous (Prometheus writes them first): then their raw bytes key the cache.
    let labelsFrom = -1;
    let labelsTo = -1;
    let contiguous = true;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const tag = r.uint32(end, "TimeSeries tag");
      if (tag === 0x12) {
        this.sample(r.lengthEnd(end, "TimeSeries.samples"));
        continue;
      }
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expectWire(wt, WIRE_LEN, "TimeSeries.labels");
        const e = r.lengthEnd(end, "TimeSeries.labels");
        // Parsed only on a cache miss: the steady state never looks inside the labels.
        this.pushSpan(r.pos, e);
        r.pos = e;
        if (labelsFrom < 0) {
          labelsFrom = fieldStart;
        } else if (labelsTo !== fieldStart) {
          contiguous = false;
        }
        labelsTo = e;
      } else if (field === 3 || field === 4) {
        const what = field === 3 ? "TimeSeries.exemplars" : "TimeSeries.histograms";
        this.expectWire(wt, WIRE_LEN, what);
        r.pos = r.lengthEnd(end, what);
        if (field === 3) {
          this.exemplars++;
        } else {
          this.histograms++;
        }
      } else if (field === 2) {
        this.expectWire(wt, WIRE_LEN, "TimeSeries.samples");
      } else {
        this.checkField(field, "TimeSeries");
        r.skip(wt, field, end, "TimeSeries");
      }
    }
    let labels: Labels | undefined;
    const key = contiguous && labelsFrom >= 0 ? this.buf.toString("latin1", labelsFrom, labelsTo) : undefined;
    if (key !== undefined) {
      labels = this.cache.get(key);
    }
    if (labels === undefined) {
      this.ranges.count = 0;
      for (let k = 0; k < this.spanCount; k++) {
        r.pos = this.spans[2 * k]!;
        this.label(this.spans[2 * k + 1]!);
      }
      r.pos = end;
      try {
        labels = buildLabels(this.buf, this.ranges, this.validation);
      } catch (err) {
        if (err instanceof LabelError) {
          throw new ProtoError(`${err.message}; labels sent: ${this.describeLabels()}`);
        }
        throw err;
      }
      if (key !== undefined) {
        this.cache.set(key, labels);
      }
    }
    if (this.n > first) {
      this.outLabels.push(labels);
      this.outStart.push(first);
      this.outCount.push(this.n - first);
    }
  }

  private pushSpan(a: number, b: number): void {
    if (2 * this.spanCount === this.spans.length) {
      this.spans = grown(this.spans);
    }
    this.spans[2 * this.spanCount] = a;
    this.spans[2 * this.spanCount + 1] = b;
    this.spanCount++;
  }

  private label(end: number): void {
    const r = this.r;
    let ns = r.pos;
    let ne = r.pos;
    let vs = r.pos;
    let ve = r.pos;
    while (r.pos < end) {
      const tag = r.uint32(end, "Label tag");
      if (tag === 0x0a) {
        ne = r.lengthEnd(end, "Label.name");
        ns = r.pos;
        r.pos = ne;
      } else if (tag === 0x12) {
        ve = r.lengthEnd(end, "Label.value");
        vs = r.pos;
        r.pos = ve;
      } else {
        const field = tag >>> 3;
        if (field === 1 || field === 2) {
          this.expectWire(tag & 7, WIRE_LEN, field === 1 ? "Label.name" : "Label.value");
        }
        this.checkField(field, "Label");
        r.skip(tag & 7, field, end, "Label");
      }
    }
    this.ranges.push(ns, ne, vs, ve);
  }

  private sample(end: number): void {
    const r = this.r;
    const buf = this.buf;
    if (this.n === this.ts.length) {
      this.grow();
    }
    const i = this.n;
    const vb = this.vsBytes;
    const o = i * 8;
    let t = 0;
    let haveValue = false;
    while (r.pos < end) {
      const tag = r.uint32(end, "Sample tag");
      if (tag === 0x09) {
        const p = r.pos;
        if (p + 8 > end) {
          throw new ProtoError("truncated protobuf: Sample.value runs past the end of the sample");
        }
        // Copy the bits: a float round trip could canonicalise NaN payloads (the staleness marker).
        if (LITTLE_ENDIAN) {
          vb[o] = buf[p]!;
          vb[o + 1] = buf[p + 1]!;
          vb[o + 2] = buf[p + 2]!;
          vb[o + 3] = buf[p + 3]!;
          vb[o + 4] = buf[p + 4]!;
          vb[o + 5] = buf[p + 5]!;
          vb[o + 6] = buf[p + 6]!;
          vb[o + 7] = buf[p + 7]!;
        } else {
          this.vs[i] = buf.readDoubleLE(p);
        }
        haveValue = true;
        r.pos = p + 8;
      } else if (tag === 0x10) {
        t = r.int64(end, "Sample.timestamp");
      } else {
        const field = tag >>> 3;
        if (field === 1 || field === 2) {
          this.expectWire(
            tag & 7,
            field === 1 ? WIRE_FIXED64 : WIRE_VARINT,
            `Sample.${field === 1 ? "value" : "timestamp"}`,
          );
        }
        this.checkField(field, "Sample");
        r.skip(tag & 7, field, end, "Sample");
      }
    }
    if (!haveValue) {
      this.vs[i] = 0;
    }
    this.ts[i] = t;
    this.n = i + 1;
  }

  private metadataEntry(end: number): void {
    const r = this.r;
    const buf = this.buf;
    let type: MetricType = "unknown";
    let name = "";
    let help = "";
    let unit = "";
    while (r.pos < end) {
      const tag = r.uint32(end, "MetricMetadata tag");
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expectWire(wt, WIRE_VARINT, "MetricMetadata.type");
        type = METRIC_TYPES[r.uint32(end, "MetricMetadata.type")] ?? "unknown";
      } else if (field === 2 || field === 4 || field === 5) {
        this.expectWire(wt, WIRE_LEN, "MetricMetadata string field");
        const e = r.lengthEnd(end, "MetricMetadata string field");
        const s = buf.toString("utf8", r.pos, e);
        r.pos = e;
        if (field === 2) {
          name = s;
        } else if (field === 4) {
          help = s;
        } else {
          unit = s;
        }
      } else {
        this.checkField(field, "MetricMetadata");
        r.skip(wt, field, end, "MetricMetadata");
      }
    }
    this.metadata.push({ type, metricFamilyName: name, help, unit });
  }

  private grow(): void {
    if (this.n >= this.maxSamples) {
      throw new ProtoError(`too many samples in one request: more than the limit of ${this.maxSamples}`);
    }
    const cap = Math.min(this.maxSamples, grownCapacity(this.ts.length, this.n + 1));
    this.ts = resized(this.ts, cap);
    this.vs = resized(this.vs, cap);
    this.vsBytes = new Uint8Array(this.vs.buffer);
  }

  private expectWire(wt: number, want: number, what: string): void {
    if (wt !== want) {
      throw new ProtoError(
        `malformed protobuf: ${what} has wire type ${wireTypeName(wt)}, expected ${wireTypeName(want)}`,
      );
    }
  }

  private checkField(field: number, what: string): void {
    if (field === 0) {
      throw new ProtoError(`malformed protobuf: ${what} has a field number 0 (byte ${this.r.pos})`);
    }
  }

  /** Where decoding stopped, to prefix an error message with. */
  where(): string {
    if (this.inSeries) {
      return `timeseries[${this.seriesIndex}]: `;
    }
    return this.inMetadata ? `metadata[${this.metadata.length}]: ` : "";
  }

  /** The current series' labels as sent, for an error message (lenient: never throws). */
  private describeLabels(): string {
    const r = this.ranges;
    const parts: string[] = [];
    for (let i = 0; i < r.count && i < 20; i++) {
      const name = this.buf.toString("utf8", r.nameStart[i]!, r.nameEnd[i]!);
      const value = this.buf.toString("utf8", r.valueStart[i]!, r.valueEnd[i]!);
      parts.push(`${name}=${JSON.stringify(value)}`);
    }
    return `{${parts.join(", ")}${r.count > 20 ? ", …" : ""}}`;
  }
}
