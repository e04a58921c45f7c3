// Turns the label fields of one remote-write series into a validated, sorted, frozen Labels, and
// memoizes the result by the series' raw label bytes: a sender repeats the same series in every
// request, so the steady state skips string decoding, validation and sorting entirely.
import type { Labels } from "../model.js";
import { grown } from "../typed-arrays.js";

/** "utf8" is Prometheus 3's rule (any non-empty valid UTF-8); "legacy" is [a-zA-Z_][a-zA-Z0-9_]*. */
export type LabelNameValidation = "utf8" | "legacy";

const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Thrown with a message naming the fault; the caller adds which series. */
export class LabelError extends Error {}

/** Decodes buf[a, b) as UTF-8, failing on invalid sequences (Prometheus rejects them too). */
export function decodeUtf8(buf: Buffer, a: number, b: number, what: string): string {
  let ascii = true;
  for (let i = a; i < b; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    if (b - a < 24) {
      let s = "";
      for (let i = a; i < b; i++) {
        s += String.fromCharCode(buf[i]!);
      }
      return s;
    }
    return buf.toString("latin1", a, b);
  }
  try {
    return utf8.decode(buf.subarray(a, b));
  } catch {
    throw new LabelError(`${what} is not valid UTF-8`);
  }
}

/** Byte ranges of one series' label names and values, filled by the decoder and reused across series. */
export class LabelRanges {
  count = 0;
  nameStart = new Int32Array(32);
  nameEnd = new Int32Array(32);
  valueStart = new Int32Array(32);
  valueEnd = new Int32Array(32);

  push(ns: number, ne: number, vs: number, ve: number): void {
    if (this.count === this.nameStart.length) {
      this.nameStart = grown(this.nameStart);
      this.nameEnd = grown(this.nameEnd);
      this.valueStart = grown(this.valueStart);
      this.valueEnd = grown(this.valueEnd);
    }
    const i = this.count++;
    this.nameStart[i] = ns;
    this.nameEnd[i] = ne;
    this.valueStart[i] = vs;
    this.valueEnd[i] = ve;
  }
}

/**
 * Validates and builds the label set: names non-empty and valid, no duplicates, values valid UTF-8;
 * labels with an empty value are dropped (an empty label is an absent one); __name__ must remain.
 * Sent order does not matter: the result is sorted by name.
 */
export function buildLabels(buf: Buffer, r: LabelRanges, validation: LabelNameValidation): Labels {
  const n = r.count;
  const names: string[] = new Array<string>(n);
  const values: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const name = decodeUtf8(buf, r.nameStart[i]!, r.nameEnd[i]!, `label name #${i + 1}`);
    if (name === "") {
      throw new LabelError(`label #${i + 1} has an empty name`);
    }
    names[i] = name;
    values[i] = decodeUtf8(buf, r.valueStart[i]!, r.valueEnd[i]!, `value of label ${JSON.stringify(name)}`);
  }
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (names[i - 1]! >= names[i]!) {
      sorted = false;
      break;
    }
  }
  let order: number[] | undefined;
  if (!sorted) {
    order = Array.from({ length: n }, (_, i) => i).sort((x, y) =>
      names[x]! < names[y]! ? -1 : names[x]! > names[y]! ? 1 : 0,
    );
    for (let k = 1; k < n; k++) {
      if (names[order[k - 1]!] === names[order[k]!]) {
        throw new LabelError(`duplicate label name ${JSON.stringify(names[order[k]!])}`);
      }
    }
  }
  const out: Record<string, string> = {};
  for (let k = 0; k < n; k++) {
    const i = order ? order[k]! : k;
    const name = names[i]!;
    const value = values[i]!;
    if (validation === "legacy" && !LEGACY_LABEL.test(name)) {
      throw new LabelError(`invalid label name ${JSON.stringify(name)} (must match [a-zA-Z_][a-zA-Z0-9_]*)`);
    }
    if (value === "") {
      continue;
    }
    if (name === "__proto__") {
      // A plain assignment would set the object's prototype instead of adding a label.
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    } else {
      out[name] = value;
    }
  }
  const metric = out.__name__;
  if (metric === undefined) {
    throw new LabelError("series has no __name__ label (metric name)");
  }
  if (validation === "legacy" && !LEGACY_METRIC.test(metric)) {
    throw new LabelError(
      `invalid metric name ${JSON.stringify(metric)} (must match [a-zA-Z_:][a-zA-Z0-9_:]*)`,
    );
  }
  return Object.freeze(out);
}

/**
 * Validated label sets by raw protobuf bytes. Bounded: when full it starts over, which costs one
 * rebuild per series and keeps memory flat under series churn.
 */
export class LabelsCache {
  private map = new Map<string, Labels>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): Labels | undefined {
    return this.map.get(key);
  }

  set(key: string, labels: Labels): void {
    if (this.map.size >= this.maxEntries) {
      this.map = new Map();
    }
    this.map.set(key, labels);
  }

  get size(): number {
    return this.map.size;
  }
}
