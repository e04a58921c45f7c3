import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isStaleNaN, STALE_NAN } from "../model.js";
import { encodeChunk } from "./chunk.js";
import { decodeInto, type SampleScratch, type ScratchSeries, type Source } from "./querier.js";
import { recordingLogger, tmpDir } from "./test-support/tmp.js";
import { Tsdb } from "./tsdb.js";

type Run = { ts: number[]; vs: number[] };

function chunkOf(r: Run) {
  return {
    bytes: encodeChunk(Float64Array.from(r.ts), Float64Array.from(r.vs), 0, r.ts.length),
    count: r.ts.length,
    minT: r.ts[0]!,
    maxT: r.ts[r.ts.length - 1]!,
  };
}

/** One source per run: even ones as block chunks, odd ones as head parts. */
function sourcesOf(runs: Run[]): Source[] {
  return runs.map((r, i) => {
    const c = chunkOf(r);
    return i % 2 === 0
      ? { parts: undefined, blockChunks: [{ ...c, cols: [c.bytes] }], upper: Infinity }
      : { parts: [c], blockChunks: undefined, upper: Infinity };
  });
}

/** What a merge must give: time order, the first source's sample for a timestamp. */
function expected(runs: Run[], mint: number, maxt: number): Run {
  const byT = new Map<number, number>();
  for (const r of runs) {
    r.ts.forEach((t, i) => {
      if (t >= mint && t <= maxt && !byT.has(t)) {
        byT.set(t, r.vs[i]!);
      }
    });
  }
  const ts = [...byT.keys()].sort((a, b) => a - b);
  return { ts, vs: ts.map((t) => byT.get(t)!) };
}

const run = fc
  .uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 40 })
  .map((ts) => ts.sort((a, b) => a - b))
  .chain((ts) =>
    fc
      .array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(STALE_NAN)), {
        minLength: ts.length,
        maxLength: ts.length,
      })
      .map((vs) => ({ ts: ts.map((t) => t * 1000), vs })),
  );

describe("decodeInto", () => {
  it("merges overlapping sources in time order, the earlier source winning, keeping STALE_NAN bits", () => {
    const sc: SampleScratch = { ts: new Float64Array(0), vs: new Float64Array(0) };
    fc.assert(
      fc.property(
        fc.array(run, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -10, max: 200 }),
        (runs, lo) => {
          const mint = lo * 1000;
          const maxt = mint + 250_000;
          const n = decodeInto(sourcesOf(runs), mint, maxt, sc);
          const want = expected(runs, mint, maxt);
          expect(Array.from(sc.ts.subarray(0, n))).toEqual(want.ts);
          const got = Array.from(sc.vs.subarray(0, n));
          expect(got.map((v) => (isStaleNaN(v) ? "stale" : v))).toEqual(
            want.vs.map((v) => (isStaleNaN(v) ? "stale" : v)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("appends disjoint sources given out of time order", () => {
    const sc: SampleScratch = { ts: new Float64Array(0), vs: new Float64Array(0) };
    const runs = [
      { ts: [5000, 6000], vs: [5, 6] },
      { ts: [1000, 2000], vs: [1, 2] },
      { ts: [3000, 4000], vs: [3, 4] },
    ];
    const n = decodeInto(sourcesOf(runs), 0, 10_000, sc);
    expect(Array.from(sc.ts.subarray(0, n))).toEqual([1000, 2000, 3000, 4000, 5000, 6000]);
    expect(Array.from(sc.vs.subarray(0, n))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("MergeQuerier.select", () => {
  it("returns head series in label order whatever their creation order, with samplesInto = samples()", () => {
    const db = Tsdb.open(tmpDir(), { autoCompact: false, walFlushIntervalMs: 0 });
    try {
      const app = db.appender();
      for (const inst of ["c", "a", "d", "b"]) {
        for (let t = 0; t < 5; t++) {
          app.append({ __name__: "x", instance: inst }, t * 1000, t);
        }
      }
      app.append({ __name__: "x", instance: "a", z: "1" }, 0, 9);
      app.commit();
      const found = db.querier().select([{ name: "__name__", type: "=", value: "x" }], 0, 10_000);
      expect(found.map((s) => [s.labels.instance, s.labels.z])).toEqual([
        ["a", undefined],
        ["a", "1"],
        ["b", undefined],
        ["c", undefined],
        ["d", undefined],
      ]);
      const sc: SampleScratch = { ts: new Float64Array(1), vs: new Float64Array(1) };
      for (const s of found) {
        const n = (s as ScratchSeries).samplesInto(sc);
        const plain = s.samples();
        expect(Array.from(sc.ts.subarray(0, n))).toEqual(Array.from(plain.ts));
        expect(Array.from(sc.vs.subarray(0, n))).toEqual(Array.from(plain.vs));
      }
    } finally {
      db.close();
    }
  });
});

describe("MergeQuerier.select over blocks", () => {
  const opts = { blockDurationMs: 1000, autoCompact: false, walFlushIntervalMs: 0, tiers: [] };

  function filled(dir: string, logger?: ReturnType<typeof recordingLogger>["logger"]): Tsdb {
    const db = Tsdb.open(dir, { ...opts, logger });
    const app = db.appender();
    for (const inst of ["b", "a", "c"]) {
      for (let t = 0; t < 2900; t += 100) {
        app.append({ __name__: "x", instance: inst }, t, t / 100);
      }
    }
    app.commit();
    db.compact();
    return db;
  }

  it("merges each series across blocks and the head, in label order", () => {
    const db = filled(tmpDir());
    try {
      const found = db.querier().select([{ name: "__name__", type: "=", value: "x" }], 0, 10_000);
      expect(found.map((s) => s.labels.instance)).toEqual(["a", "b", "c"]);
      for (const s of found) {
        const got = s.samples();
        expect(Array.from(got.ts)).toEqual(Array.from({ length: 29 }, (_, i) => i * 100));
        expect(Array.from(got.vs)).toEqual(Array.from({ length: 29 }, (_, i) => i));
      }
    } finally {
      db.close();
    }
  });

  it("merges series that only some blocks or only the head hold, in label order", () => {
    const db = Tsdb.open(tmpDir(), opts);
    try {
      const spans: Record<string, [number, number]> = {
        d: [2100, 2900], // head only
        b: [0, 2900], // both blocks and the head
        a: [0, 900], // first block only
        e: [1000, 1900], // second block only
        c: [1500, 2900], // second block and the head
      };
      const app = db.appender();
      for (let t = 0; t < 2900; t += 100) {
        for (const [inst, [from, to]] of Object.entries(spans)) {
          if (t >= from && t <= to) {
            app.append({ __name__: "x", instance: inst }, t, t);
          }
        }
      }
      app.commit();
      db.compact();
      expect(db.blocks().length).toBeGreaterThanOrEqual(2);
      const found = db.querier().select([{ name: "__name__", type: "=", value: "x" }], 0, 10_000);
      expect(found.map((s) => s.labels.instance)).toEqual(["a", "b", "c", "d", "e"]);
      for (const s of found) {
        const [from, to] = spans[s.labels.instance!]!;
        const got = s.samples();
        const want = Array.from({ length: (Math.min(to, 2800) - from) / 100 + 1 }, (_, i) => from + i * 100);
        expect(Array.from(got.ts)).toEqual(want);
        expect(Array.from(got.vs)).toEqual(want);
      }
    } finally {
      db.close();
    }
  });

  it("reads a block's chunks when a series is decoded: corruption found then is reported and skipped", () => {
    const dir = tmpDir();
    const { logger, logs } = recordingLogger();
    const db = filled(dir, logger);
    const first = db.blocks()[0]!;
    const q = db.querier();
    const found = q.select([{ name: "__name__", type: "=", value: "x" }], 0, 10_000);
    const chunks = path.join(dir, "blocks", first.ulid, "chunks");
    const buf = fs.readFileSync(chunks);
    buf[5] = buf[5]! ^ 0xff;
    fs.writeFileSync(chunks, buf);
    try {
      for (const s of found) {
        const ts = Array.from(s.samples().ts);
        expect(ts[0]).toBe(first.maxTime); // the first block's range is gone
        expect(ts[ts.length - 1]).toBe(2800);
      }
      expect(logs.some((l) => l.level === "error" && /corrupt block/.test(l.msg ?? ""))).toBe(true);
    } finally {
      db.close();
    }
  });
});
