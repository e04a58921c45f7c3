import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter } from "./bytes.js";

describe("varints", () => {
  it("round-trip at the int32 fast-path edges and up to 2^53 - 1", () => {
    const values = [
      0,
      1,
      0x7f,
      0x80,
      0x3fff,
      0x4000,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 48 + 12345,
      2 ** 52 - 1, // zigzag doubles it: still an exact integer below 2^53
    ];
    const w = new ByteWriter(4);
    for (const v of values) {
      w.uvarint(v);
      w.varint(v);
      w.varint(-v);
    }
    w.uvarint(Number.MAX_SAFE_INTEGER);
    const r = new ByteReader(w.view());
    for (const v of values) {
      expect(r.uvarint()).toBe(v);
      expect(r.varint()).toBe(v);
      expect(r.varint()).toBe(-v || 0);
    }
    expect(r.uvarint()).toBe(Number.MAX_SAFE_INTEGER);
    expect(r.pos).toBe(w.len);
  });

  it("writes the same bytes on both paths (7 bits a byte, low group first)", () => {
    const w = new ByteWriter();
    w.uvarint(300);
    w.uvarint(2 ** 31 + 300);
    expect([...w.view()]).toEqual([0xac, 0x02, 0xac, 0x82, 0x80, 0x80, 0x08]);
  });
});

describe("strings", () => {
  it("round-trip ASCII, non-ASCII and long strings with the same bytes as a UTF-8 write", () => {
    const values = [
      "",
      "job",
      "a".repeat(127),
      "a".repeat(128),
      "café",
      "ä".repeat(70),
      "x\u{1f600}y",
      "\u007f",
    ];
    const w = new ByteWriter(1);
    for (const v of values) {
      w.string(v);
    }
    const expected = Buffer.concat(
      values.map((v) => {
        const bytes = Buffer.from(v, "utf8");
        const len = new ByteWriter(2);
        len.uvarint(bytes.length);
        return Buffer.concat([len.view(), bytes]);
      }),
    );
    expect(w.view().equals(expected)).toBe(true);
    const r = new ByteReader(w.view());
    expect(values.map(() => r.string())).toEqual(values);
  });
});
