// An alert's identity as Alertmanager shows it (GET /api/v2/alerts "fingerprint") and as
// Prometheus computes it (model.LabelSet.Fingerprint in prometheus/common): FNV-1a 64 over the
// label names in byte order, each name and value followed by the separator byte 0xff, printed as
// 16 lowercase hex digits. Tools that key alerts by fingerprint (amtool, Grafana, Karma) see the
// same value from lineops as from Alertmanager.
import type { Labels } from "../model/labels.js";

const SEPARATOR = 0xff;
// FNV-1a 64's offset basis 0xcbf29ce484222325, as two 32-bit halves.
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;

/** The label set's fingerprint, 16 hex digits. */
export function fingerprint(labels: Labels): string {
  // Go sorts names as byte strings: UTF-8 byte order, which differs from UTF-16 order for
  // characters above U+FFFF against U+E000..U+FFFF, so the names are compared encoded.
  const names = Object.keys(labels).map((n) => [n, Buffer.from(n, "utf8")] as const);
  names.sort((a, b) => Buffer.compare(a[1], b[1]));
  const h = new Fnv64a();
  for (const [name, bytes] of names) {
    h.add(bytes);
    h.addByte(SEPARATOR);
    h.add(Buffer.from(labels[name] ?? "", "utf8"));
    h.addByte(SEPARATOR);
  }
  return h.hex();
}

/**
 * FNV-1a 64 in two 32-bit halves: BigInt arithmetic costs ~20x more a byte, and a fingerprint is
 * taken for every alert received. The prime 2^40 + 0x1b3 makes the product h*0x1b3 + (h << 40).
 */
class Fnv64a {
  private hi = OFFSET_HI;
  private lo = OFFSET_LO;

  add(bytes: Uint8Array): void {
    for (const b of bytes) {
      this.addByte(b);
    }
  }

  addByte(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    const loProduct = lo * 0x1b3; // < 2^41: exact in a double
    const carry = Math.floor(loProduct / 0x1_0000_0000);
    this.lo = loProduct >>> 0;
    this.hi = (Math.imul(this.hi, 0x1b3) + ((lo << 8) >>> 0) + carry) >>> 0;
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, "0") + this.lo.toString(16).padStart(8, "0");
  }
}
