import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isStaleNaN, STALE_NAN, type Labels, type Querier } from "../model.js";
import { recordingLogger, tmpDir } from "./test-support/tmp.js";
import { StorageError, Tsdb, TsdbErrors, type TsdbOptions } from "./tsdb.js";

const D = 1000; // block duration in tests
const small: TsdbOptions = { blockDurationMs: D, autoCompact: false, walFlushIntervalMs: 0 };

function read(q: Querier, labels: Labels, mint = -Infinity, maxt = Infinity): { ts: number[]; vs: number[] } {
  const ms = Object.entries(labels).map(([name, value]) => ({ name, type: "=" as const, value }));
  const found = q.select(ms, mint, maxt);
  if (found.length === 0) {
    return { ts: [], vs: [] };
  }
  expect(found).toHaveLength(1);
  const s = found[0]!.samples();
  return { ts: Array.from(s.ts), vs: Array.from(s.vs) };
}

function fill(
  db: Tsdb,
  labels: Labels,
  from: number,
  to: number,
  step: number,
  v = (t: number) => t / 10,
): void {
  const app = db.appender();
  for (let t = from; t <= to; t += step) {
    app.append(labels, t, v(t));
  }
  app.commit();
}

const up = { __name__: "up", job: "api" };

describe("Tsdb appender contract", () => {
  it("makes a batch visible on commit only, and not to a querier created before the commit", () => {
    const db = Tsdb.open(tmpDir(), small);
    const app = db.appender();
    const ref = app.append(up, 100, 1);
    app.appendRef(ref, 200, 2);
    const before = db.querier();
    expect(read(db.querier(), up).ts).toEqual([]);
    app.commit();
    expect(read(before, up).ts).toEqual([]);
    expect(read(db.querier(), up)).toEqual({ ts: [100, 200], vs: [1, 2] });
    expect(() => app.append(up, 300, 3)).toThrow(
      expect.objectContaining({ code: TsdbErrors.appenderDone.code }),
    );
    db.close();
  });

  it("discards a batch on rollback", () => {
    const db = Tsdb.open(tmpDir(), small);
    const app = db.appender();
    app.append(up, 100, 1);
    app.rollback();
    expect(read(db.querier(), up).ts).toEqual([]);
    fill(db, up, 100, 100, 1);
    expect(read(db.querier(), up).ts).toEqual([100]);
    db.close();
  });

  it("rejects out-of-order and conflicting duplicates with coded errors, counting them", () => {
    const db = Tsdb.open(tmpDir(), small);
    fill(db, up, 100, 300, 100, () => 5);
    const app = db.appender();
    expect(() => app.append(up, 200, 1)).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_OUT_OF_ORDER" }),
    );
    expect(() => app.append(up, 300, 6)).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_DUPLICATE_SAMPLE" }),
    );
    app.append(up, 300, 5); // same value: a no-op
    app.append(up, 400, 7);
    expect(() => app.append(up, 350, 1)).toThrow(StorageError); // against the pending sample too
    app.commit();
    expect(read(db.querier(), up)).toEqual({ ts: [100, 200, 300, 400], vs: [5, 5, 5, 7] });
    const st = db.stats();
    expect(st.outOfOrderRejected).toBe(2);
    expect(st.duplicateRejected).toBe(1);
    db.close();
  });

  it("keeps STALE_NAN bit-exact through head, WAL replay and blocks", () => {
    const dir = tmpDir();
    let db = Tsdb.open(dir, small);
    const app = db.appender();
    app.append(up, 100, 1);
    app.append(up, 200, STALE_NAN);
    app.append(up, 300, NaN);
    app.commit();
    const check = (q: Querier) => {
      // A plain JS array would canonicalise the NaN payload: inspect the Float64Array itself.
      const vs = q.select([{ name: "job", type: "=", value: "api" }], 0, 1000)[0]!.samples().vs;
      expect(vs[0]).toBe(1);
      expect(isStaleNaN(vs[1]!)).toBe(true);
      expect(Number.isNaN(vs[2]!) && !isStaleNaN(vs[2]!)).toBe(true);
    };
    check(db.querier());
    db.flushWal();
    db = Tsdb.open(dir, small); // abrupt: the first instance is never closed
    check(db.querier());
    fill(db, up, 2000, 3000, 500);
    db.compact();
    expect(db.blocks().filter((b) => b.resolution === 0)).toHaveLength(1);
    check(db.querier());
    db.close();
  });
});

describe("Tsdb WAL", () => {
  it("replays committed samples after an abrupt stop (no close) with stable refs", () => {
    const dir = tmpDir();
    const db = Tsdb.open(dir, small);
    const app = db.appender();
    const ref = app.append(up, 100, 1);
    for (let i = 0; i < 50; i++) {
      app.append({ __name__: "m", i: String(i) }, 100, i);
    }
    app.commit();
    const app2 = db.appender();
    app2.appendRef(ref, 200, 2);
    app2.commit();
    db.flushWal();
    const db2 = Tsdb.open(dir, small);
    expect(read(db2.querier(), up)).toEqual({ ts: [100, 200], vs: [1, 2] });
    expect(db2.querier().select([{ name: "__name__", type: "=", value: "m" }], 0, 1000)).toHaveLength(50);
    const app3 = db2.appender();
    app3.appendRef(ref, 300, 3); // the scrape cache's ref survives the restart
    app3.commit();
    expect(read(db2.querier(), up).ts).toEqual([100, 200, 300]);
    db2.close();
    const db3 = Tsdb.open(dir, small); // from the checkpoint written by close()
    expect(read(db3.querier(), up)).toEqual({ ts: [100, 200, 300], vs: [1, 2, 3] });
    db3.close();
  });

  it("truncates a torn WAL tail with a warning and keeps the records before it", () => {
    const dir = tmpDir();
    const db = Tsdb.open(dir, small);
    fill(db, up, 100, 500, 100);
    db.flushWal();
    fill(db, up, 600, 900, 100);
    db.flushWal();
    const walDir = path.join(dir, "wal");
    const seg = fs
      .readdirSync(walDir)
      .filter((f) => /^\d+$/.test(f))
      .sort()
      .at(-1)!;
    const file = path.join(walDir, seg);
    const size = fs.statSync(file).size;
    // Corrupt the last bytes of the second commit's record.
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, size - 4);
    fs.closeSync(fd);
    const { logger, logs } = recordingLogger();
    const db2 = Tsdb.open(dir, { ...small, logger });
    expect(read(db2.querier(), up).ts).toEqual([100, 200, 300, 400, 500]);
    expect(logs.some((l) => l.level === "warn" && /torn or corrupt WAL/.test(l.msg ?? ""))).toBe(true);
    expect(fs.statSync(file).size).toBeLessThan(size);
    fill(db2, up, 600, 600, 1); // appendable again
    db2.close();
    const db3 = Tsdb.open(dir, small);
    expect(read(db3.querier(), up).ts).toEqual([100, 200, 300, 400, 500, 600]);
    db3.close();
  });
});

describe("Tsdb blocks", () => {
  it("cuts blocks from the head and merges head and blocks in queries, truncating the WAL", () => {
    const dir = tmpDir();
    const db = Tsdb.open(dir, small);
    fill(db, up, 0, 2400, 100);
    fill(db, { __name__: "gone", job: "x" }, 0, 500, 100);
    const ref = db.appender().append({ __name__: "gone", job: "x" }, 600, 1); // not committed
    const cut = db.compact();
    expect(cut.map((b) => [b.minTime, b.maxTime])).toEqual([[0, 1000]]);
    expect(cut[0]!.stats.numSamples).toBe(16);
    const st = db.stats();
    expect(st.numBlocks).toBe(1);
    expect(st.minValidTime).toBe(1000);
    const all = read(db.querier(), up);
    expect(all.ts).toHaveLength(25);
    expect(all.ts[0]).toBe(0);
    expect(all.ts.at(-1)).toBe(2400);
    expect(read(db.querier(), up, 900, 1100).ts).toEqual([900, 1000, 1100]);
    // Too old now.
    expect(() => db.appender().append(up, 999, 1)).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_SAMPLE_TOO_OLD" }),
    );
    // A second cut drops the idle series from the head; its ref goes stale.
    fill(db, up, 3000, 4000, 100);
    db.compact();
    expect(db.stats().numSeries).toBe(2); // the pending appender keeps "gone" alive
    expect(read(db.querier(), { __name__: "gone" }).ts).toHaveLength(6);
    expect(() => db.appender().appendRef(ref + 2 ** 24, 5000, 1)).toThrow(
      expect.objectContaining({ code: TsdbErrors.unknownRef.code }),
    );
    expect(fs.readdirSync(path.join(dir, "wal")).some((f) => f.startsWith("checkpoint."))).toBe(true);
    db.close();
    const db2 = Tsdb.open(dir, small);
    expect(read(db2.querier(), up).ts).toHaveLength(36);
    expect(db2.blocks().filter((b) => b.resolution === 0)).toHaveLength(3);
    expect(db2.querier().labelValues("__name__")).toEqual(["gone", "up"]);
    db2.close();
  });

  it("drops series without head samples after a cut and reports the stale ref", () => {
    const db = Tsdb.open(tmpDir(), small);
    const app = db.appender();
    const idle = app.append({ __name__: "idle" }, 0, 1);
    app.commit();
    fill(db, up, 0, 3000, 100);
    db.compact();
    expect(db.stats().numSeries).toBe(1);
    expect(() => db.appender().appendRef(idle, 2900, 1)).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_UNKNOWN_SERIES_REF" }),
    );
    const fresh = db.appender();
    const again = fresh.append({ __name__: "idle" }, 2900, 2);
    fresh.commit();
    expect(again).not.toBe(idle);
    expect(read(db.querier(), { __name__: "idle" })).toEqual({ ts: [0, 2900], vs: [1, 2] });
    db.close();
  });

  it("detects a corrupt block, logs it and skips it without failing the query", () => {
    const dir = tmpDir();
    const db = Tsdb.open(dir, { ...small, tiers: [] });
    fill(db, up, 0, 2900, 100);
    db.compact();
    const meta = db.blocks()[0]!;
    db.close();
    const chunks = path.join(dir, "blocks", meta.ulid, "chunks");
    const buf = fs.readFileSync(chunks);
    buf[5] = buf[5]! ^ 0xff;
    fs.writeFileSync(chunks, buf);
    const { logger, logs } = recordingLogger();
    const db2 = Tsdb.open(dir, { ...small, tiers: [], logger });
    expect(read(db2.querier(), up).ts[0]).toBe(1000); // the block's range is gone, the head is not
    expect(logs.some((l) => l.level === "error" && /corrupt block/.test(l.msg ?? ""))).toBe(true);
    db2.close();
    // A corrupt index is caught at open.
    fs.appendFileSync(path.join(dir, "blocks", meta.ulid, "index"), "x");
    const second = recordingLogger();
    const db3 = Tsdb.open(dir, { ...small, tiers: [], logger: second.logger });
    expect(second.logs.some((l) => l.level === "error" && /unreadable block/.test(l.msg ?? ""))).toBe(true);
    expect(read(db3.querier(), up).ts[0]).toBe(1000);
    db3.close();
  });
});

describe("Tsdb retention", () => {
  it("deletes whole blocks older than retentionMs", () => {
    const db = Tsdb.open(tmpDir(), { ...small, tiers: [], retentionMs: 2500 });
    fill(db, up, 0, 5900, 100);
    db.compact();
    const ranges = db.blocks().map((b) => b.minTime);
    // Newest data at 5900: blocks ending at or before 3400 are gone.
    expect(ranges).toEqual([3000, 4000]);
    expect(read(db.querier(), up).ts[0]).toBe(3000);
    db.close();
  });

  it("deletes the oldest blocks while the total size exceeds retentionBytes", () => {
    const db = Tsdb.open(tmpDir(), { ...small, tiers: [] });
    for (let i = 0; i < 20; i++) {
      fill(db, { __name__: "m", i: String(i) }, 0, 5900, 100, (t) => Math.sin(t + i));
    }
    db.compact();
    expect(db.blocks()).toHaveLength(5);
    db.close();
    const probe = Tsdb.open(db.dir, { ...small, tiers: [] });
    const blocks = probe.blocks();
    const size = (i: number) => blocks[i]!.chunksBytes + blocks[i]!.indexBytes + 512;
    const limit = probe.diskUsage().totalBytes - size(0) - size(1) / 2;
    probe.close();
    const db2 = Tsdb.open(db.dir, {
      ...small,
      tiers: [],
      retentionBytes: limit,
    });
    const left = db2.blocks().map((b) => b.minTime);
    expect(left[0]).toBeGreaterThanOrEqual(2000);
    expect(db2.diskUsage().totalBytes).toBeLessThanOrEqual(limit);
    db2.close();
  });
});

describe("Tsdb downsampling", () => {
  it("writes 1 m / 1 h style tiers at each cut and serves them through a resolution querier", () => {
    const db = Tsdb.open(tmpDir(), {
      ...small,
      tiers: [
        { resolutionMs: 250, retentionMs: 0 },
        { resolutionMs: 1000, retentionMs: 0 },
      ],
    });
    const app = db.appender();
    for (let t = 0; t <= 2400; t += 50) {
      app.append(up, t, t === 100 ? STALE_NAN : t);
    }
    app.commit();
    db.compact();
    expect(db.blocks().map((b) => b.resolution)).toEqual([0, 250, 1000]);
    const q = db.querier({ resolutionMs: 250 });
    const [s] = q.selectAggregates([{ name: "job", type: "=", value: "api" }], 0, 999);
    const a = s!.aggregates();
    // window [0,250): samples 0,50,(stale 100 skipped),150,200
    expect(a.ts[0]).toBe(200);
    expect([a.min[0], a.max[0], a.sum[0], a.count[0], a.last[0]]).toEqual([0, 200, 400, 4, 200]);
    expect(Array.from(a.ts)).toEqual([200, 450, 700, 950]);
    // After the tier's coverage, raw head data is aggregated the same way.
    const later = q.select([{ name: "job", type: "=", value: "api" }], 1000, 1499)[0]!.samples();
    expect(Array.from(later.ts)).toEqual([1200, 1450]);
    expect(Array.from(later.vs)).toEqual([1200, 1450]);
    const hour = db
      .querier({ resolutionMs: 1000 })
      .selectAggregates([{ name: "job", type: "=", value: "api" }], 0, 999);
    expect(hour[0]!.aggregates().count[0]).toBe(19);
    db.close();
  });
});

describe("Tsdb status", () => {
  it("reports Prometheus-shaped head stats", () => {
    const db = Tsdb.open(tmpDir(), small);
    const app = db.appender();
    for (let i = 0; i < 5; i++) {
      app.append({ __name__: "a", i: String(i) }, 10, 1);
    }
    app.append({ __name__: "b", i: "0" }, 10, 1);
    app.commit();
    const s = db.statusJson(10);
    expect(s.headStats.numSeries).toBe(6);
    expect(s.seriesCountByMetricName).toEqual([
      { name: "a", value: 5 },
      { name: "b", value: 1 },
    ]);
    expect(s.labelValueCountByLabelName[0]).toEqual({ name: "i", value: 5 });
    expect(s.seriesCountByLabelValuePair[0]).toEqual({ name: "__name__=a", value: 5 });
    expect(db.diskUsage().totalBytes).toBeGreaterThan(0);
    db.close();
  });
});
