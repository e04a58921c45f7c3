import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fingerprint } from "./fingerprint.js";

/** The definition, in BigInt: slow and plainly correct, to check the 32-bit halves against. */
function reference(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let h = 0xcbf29ce484222325n;
  const add = (bytes: Uint8Array) => {
    for (const b of bytes) {
      h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  };
  for (const n of names) {
    add(Buffer.from(n));
    add(Uint8Array.of(0xff));
    add(Buffer.from(labels[n] ?? ""));
    add(Uint8Array.of(0xff));
  }
  return h.toString(16).padStart(16, "0");
}

describe("fingerprint", () => {
  it("matches prometheus/common's TestMetricToFingerprint values", () => {
    // model/signature_test.go: the empty set is FNV-1a's offset basis 14695981039346656037.
    expect(fingerprint({})).toBe(14695981039346656037n.toString(16).padStart(16, "0"));
    expect(fingerprint({})).toBe("cbf29ce484222325");
    // {"name": "garland, briggs", "fear": "love is not enough"} -> 5799056148416392346
    expect(fingerprint({ name: "garland, briggs", fear: "love is not enough" })).toBe(
      5799056148416392346n.toString(16).padStart(16, "0"),
    );
  });

  it("matches what Alertmanager 0.25 (Debian) shows in GET /api/v2/alerts", () => {
    expect(fingerprint({ name: "garland, briggs", fear: "love is not enough" })).toBe("507a62d79ee76c9a");
    expect(fingerprint({ alertname: "StationJammed", station: "press-1" })).toBe("b5461dbcd315bad3");
  });

  it("prints 16 hex digits with leading zeros, as Fingerprint.String (%016x)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (labels) => {
        expect(fingerprint(labels)).toMatch(/^[0-9a-f]{16}$/);
      }),
    );
  });

  it("equals the BigInt definition for any label set, including non-ASCII names and values", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), { maxKeys: 6 }),
        (labels) => {
          expect(fingerprint(labels)).toBe(reference(labels));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("does not depend on the order the labels were written in", () => {
    expect(fingerprint({ a: "1", b: "2", "\u{1F600}": "x", "\uE000": "y" })).toBe(
      fingerprint({ "\uE000": "y", "\u{1F600}": "x", b: "2", a: "1" }),
    );
  });

  it("separates names from values, so moved characters change it", () => {
    expect(fingerprint({ ab: "c" })).not.toBe(fingerprint({ a: "bc" }));
  });
});
