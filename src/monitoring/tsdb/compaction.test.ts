import { describe, expect, it } from "vitest";
import type { Querier } from "../model.js";
import { tmpDir } from "./test-support/tmp.js";
import { Tsdb, TsdbErrors, type TsdbOptions } from "./tsdb.js";

const D = 1000; // block duration
// Slice budget 0: the cut yields every few series, so a test sees many states of one cut.
const sliced: TsdbOptions = {
  blockDurationMs: D,
  autoCompact: false,
  walFlushIntervalMs: 0,
  compactionSliceMs: 0,
};
const SERIES = 400;
const DEADLINE_MS = 20_000; // a cut also waits for fsyncs, so bound it in time, not in ticks

const labelsOf = (k: number) => ({ __name__: `m${k % 7}`, id: String(k), job: "line" });
const valueOf = (k: number, t: number) => k * 10_000 + t / 100;

/** What every series must hold: times per series (all series get the same times). */
class Expected {
  times: number[] = [];

  append(db: Tsdb, t: number, extra?: (app: ReturnType<Tsdb["appender"]>) => void): void {
    const app = db.appender();
    for (let k = 0; k < SERIES; k++) {
      app.append(labelsOf(k), t, valueOf(k, t));
    }
    extra?.(app);
    app.commit();
    this.times.push(t);
  }

  /** Asserts every series once, each with every sample exactly once, in order. */
  check(q: Querier): void {
    const found = q.select([{ name: "job", type: "=", value: "line" }], -Infinity, Infinity);
    expect(found).toHaveLength(SERIES);
    for (const s of found) {
      const k = Number(s.labels.id);
      const { ts, vs } = s.samples();
      expect(Array.from(ts)).toEqual(this.times);
      expect(Array.from(vs)).toEqual(this.times.map((t) => valueOf(k, t)));
    }
  }
}

function filled(opts: TsdbOptions = sliced): { db: Tsdb; dir: string; exp: Expected } {
  const dir = tmpDir();
  const db = Tsdb.open(dir, opts);
  const exp = new Expected();
  for (let t = 0; t <= 2400; t += 100) {
    exp.append(db, t);
  }
  return { db, dir, exp };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Runs `each` between slices until the promise settles (bounded in time). */
async function whileRunning<T>(p: Promise<T>, each: (i: number) => void): Promise<{ ticks: number }> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  let ticks = 0;
  const deadline = Date.now() + DEADLINE_MS;
  while (!done && Date.now() < deadline) {
    each(ticks);
    ticks++;
    await tick();
  }
  expect(done).toBe(true);
  return { ticks };
}

describe("Tsdb compactAsync", () => {
  it("serves every sample exactly once to queries while a cut is in progress", async () => {
    const { db, exp } = filled();
    const before = db.querier(); // kept across the whole cut
    let queriesBeforeSwitch = 0;
    let queriesAfterSwitch = 0;
    const p = db.compactAsync();
    const { ticks } = await whileRunning(p, () => {
      exp.check(db.querier());
      if (db.blocks().some((b) => b.resolution === 0)) {
        queriesAfterSwitch++; // block visible, head copy hidden but not all dropped yet
      } else {
        queriesBeforeSwitch++;
      }
    });
    const cut = await p;
    expect(cut.map((b) => [b.minTime, b.maxTime])).toEqual([[0, D]]);
    expect(cut[0]!.stats.numSamples).toBe(SERIES * 10);
    expect(ticks).toBeGreaterThan(10);
    expect(queriesBeforeSwitch).toBeGreaterThan(0);
    expect(queriesAfterSwitch).toBeGreaterThan(0);
    exp.check(db.querier());
    exp.check(before);
    expect(db.stats().numSamples).toBe(SERIES * 15);
    db.close();
  });

  it("keeps accepting appends after the cut's range during it, rejecting those inside it", async () => {
    const { db, dir, exp } = filled();
    let t = 2500;
    let tooOld = 0;
    const p = db.compactAsync();
    await whileRunning(p, (i) => {
      if (i % 3 === 0 && exp.times.length < 45) {
        exp.append(db, t, (app) => app.append({ __name__: "late", job: "other" }, t, 1));
        t += 100;
        try {
          db.appender().append(labelsOf(1), 999, 1);
        } catch (err) {
          expect(err).toMatchObject({ code: TsdbErrors.tooOld.code });
          tooOld++;
        }
      }
      if (i % 4 === 0) {
        exp.check(db.querier());
      }
    });
    await p;
    expect(tooOld).toBeGreaterThan(0);
    expect(exp.times.length).toBe(45);
    exp.check(db.querier());
    // The checkpoint was taken series by series while these appends were logged: a restart
    // from it plus the WAL must give the same data, nothing doubled.
    db.flushWal();
    db.close();
    const db2 = Tsdb.open(dir, sliced);
    exp.check(db2.querier());
    expect(db2.querier().select([{ name: "__name__", type: "=", value: "late" }], 0, Infinity)).toHaveLength(
      1,
    );
    db2.close();
  });

  it("loses nothing when closed at any point of a cut", async () => {
    for (const stopAt of [1, 8, 40, 120, 400]) {
      const { db, dir, exp } = filled();
      const p = db.compactAsync();
      let i = 0;
      await whileRunning(p, () => {
        if (++i === stopAt) {
          db.close();
        }
      });
      await p.then(
        () => undefined,
        (err: unknown) => expect(err).toMatchObject({ code: TsdbErrors.closed.code }),
      );
      db.close();
      const db2 = Tsdb.open(dir, sliced);
      exp.check(db2.querier());
      await db2.compactAsync(); // whatever the first cut left undone
      exp.check(db2.querier());
      expect(db2.blocks().filter((b) => b.resolution === 0)).toHaveLength(1);
      db2.close();
    }
  });

  it("closeAsync stops a cut and checkpoints in slices while appends go on, losing nothing", async () => {
    for (const stopAt of [1, 30, 150]) {
      const { db, dir, exp } = filled();
      const p = db.compactAsync();
      p.catch(() => undefined);
      let i = 0;
      let t = 2500;
      let closing: Promise<void> | undefined;
      let slicesWhileClosing = 0;
      await whileRunning(
        p.then(
          () => closing,
          () => closing,
        ),
        () => {
          if (++i === stopAt) {
            closing = db.closeAsync();
          }
          if (closing && exp.times.length < 40) {
            exp.append(db, t); // still accepted until the close completes
            t += 100;
            slicesWhileClosing++;
          }
        },
      );
      await (closing ?? db.closeAsync());
      expect(() => db.appender()).toThrow(expect.objectContaining({ code: TsdbErrors.closed.code }));
      if (stopAt === 1) {
        expect(slicesWhileClosing).toBeGreaterThan(0);
      }
      const db2 = Tsdb.open(dir, sliced);
      exp.check(db2.querier());
      db2.close();
    }
  });

  it("merges a window of tier blocks in slices exactly as the synchronous merge does", async () => {
    const tiers = [{ resolutionMs: 10, retentionMs: 0 }]; // merge window 14.4 s: 14 whole blocks
    const open = () => Tsdb.open(tmpDir(), { ...sliced, tiers });
    const [syncDb, asyncDb] = [open(), open()];
    for (const db of [syncDb, asyncDb]) {
      const app = db.appender();
      for (let t = 0; t <= 16_500; t += 50) {
        app.append({ __name__: "a", job: "t" }, t, t % 7);
        if (t < 5000) {
          app.append({ __name__: "b", job: "t" }, t, t);
        }
        if (t > 8000) {
          app.append({ __name__: "c", job: "t", zone: String(t % 3) }, t, -t);
        }
      }
      app.commit();
    }
    syncDb.compact();
    await asyncDb.compactAsync();
    const tierBlocks = (db: Tsdb) => db.blocks().filter((b) => b.resolution === 10);
    expect(tierBlocks(asyncDb).map((b) => [b.minTime, b.maxTime])).toEqual(
      tierBlocks(syncDb).map((b) => [b.minTime, b.maxTime]),
    );
    expect(tierBlocks(asyncDb).map((b) => b.sources?.length ?? 1)).toEqual([14, 1, 1]);
    const all = (db: Tsdb) =>
      db
        .querier({ resolutionMs: 10 })
        .selectAggregates([{ name: "job", type: "=", value: "t" }], 0, 14_399)
        .map((x) => {
          const g = x.aggregates();
          return { labels: x.labels, ts: Array.from(g.ts), sum: Array.from(g.sum), n: Array.from(g.count) };
        });
    const got = all(asyncDb);
    expect(got).toHaveLength(5);
    expect(got).toEqual(all(syncDb));
    syncDb.close();
    asyncDb.close();
  });

  it("refuses a synchronous compact() while one runs, and shares concurrent calls", async () => {
    const { db, exp } = filled();
    const p = db.compactAsync();
    expect(db.compactAsync()).toBe(p);
    expect(() => db.compact()).toThrow(expect.objectContaining({ code: TsdbErrors.compacting.code }));
    await p;
    expect(db.compact()).toEqual([]);
    exp.check(db.querier());
    db.close();
  });

  it("cuts on its own after commits when autoCompact is on", async () => {
    const { db, exp } = filled({ ...sliced, autoCompact: true });
    const deadline = Date.now() + 10_000;
    while (!db.blocks().some((b) => b.resolution === 0) && Date.now() < deadline) {
      await tick();
    }
    await db.idle();
    expect(db.blocks().filter((b) => b.resolution === 0)).toHaveLength(1);
    expect(db.stats().minValidTime).toBe(D);
    exp.check(db.querier());
    db.close();
  });
});
