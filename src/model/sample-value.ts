// Sample values as Prometheus writes and reads them: the staleness marker and the API's string form.

/**
 * Prometheus's staleness marker: a NaN with a specific payload (0x7ff0000000000002). It is stored
 * as a sample value and must be compared by bits, never with `===` (NaN !== NaN). Float64Array
 * preserves the payload; plain JS arrays may not, so keep sample values in typed arrays.
 */
export const STALE_NAN: number = (() => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, 0x7ff00000);
  dv.setUint32(4, 0x00000002);
  return dv.getFloat64(0);
})();

const bitsView = new DataView(new ArrayBuffer(8));

export function isStaleNaN(v: number): boolean {
  if (v === v) {
    return false; // not NaN: the common case, without touching the DataView
  }
  bitsView.setFloat64(0, v);
  return bitsView.getUint32(0) === 0x7ff00000 && bitsView.getUint32(4) === 0x00000002;
}

/** Parses a Prometheus API sample value ("1.5", "NaN", "+Inf", "-Inf"). */
export function parseSampleValue(s: string): number {
  return s === "+Inf" ? Infinity : s === "-Inf" ? -Infinity : Number(s);
}
