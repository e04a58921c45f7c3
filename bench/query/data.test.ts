import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUCKETS, generateOpenMetrics, shapeFor } from "./data.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-query-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("generateOpenMetrics", () => {
  const endMs = Date.UTC(2025, 0, 1, 12, 55);
  const file = path.join(dir, "d.om");
  const r = generateOpenMetrics(file, { series: 200, hours: 0.25, endMs });
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  const samples = lines.filter((l) => !l.startsWith("#"));

  it("writes the series and samples it reports, ending in # EOF", () => {
    expect(r.series).toBe(shapeFor(200).series);
    expect(samples.length).toBe(r.samples);
    expect(new Set(samples.map((l) => l.slice(0, l.lastIndexOf("} ") + 1))).size).toBe(r.series);
    expect(lines.at(-1)).toBe("# EOF");
    expect(r.samples).toBe(r.series * 60);
  });

  it("keeps every timestamp off whole seconds, at or before the end, in order per series", () => {
    const last = new Map<string, number>();
    for (const l of samples) {
      const t = Number(l.slice(l.lastIndexOf(" ") + 1)) * 1000;
      expect(t % 1000).toBe(500);
      expect(t).toBeLessThanOrEqual(endMs);
      const key = l.slice(0, l.lastIndexOf("} ") + 1);
      expect(t).toBeGreaterThan(last.get(key) ?? -Infinity);
      last.set(key, t);
    }
    expect(r.maxT).toBeLessThanOrEqual(endMs);
  });

  it("writes cumulative histogram buckets: non-decreasing in le, +Inf equal to _count", () => {
    const first = samples.filter(
      (l) => l.includes('instance="10.0.0.0:9100"') && l.startsWith("request_duration"),
    );
    const atT = first.slice(0, BUCKETS.length + 2).map((l) => Number(l.split(" ")[1]));
    const buckets = atT.slice(0, BUCKETS.length);
    for (let i = 1; i < buckets.length; i++) {
      expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] as number);
    }
    expect(atT[BUCKETS.length + 1]).toBe(buckets.at(-1));
  });

  it("is deterministic", () => {
    const again = path.join(dir, "again.om");
    generateOpenMetrics(again, { series: 200, hours: 0.25, endMs });
    expect(readFileSync(again, "utf8")).toBe(readFileSync(file, "utf8"));
  });
});
