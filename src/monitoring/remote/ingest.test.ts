import { describe, expect, it } from "vitest";
import { LineopsError } from "../../errors.js";
import type { Appender } from "../model.js";
import { SampleCollector } from "../test-support/sample-collector.js";
import { tmpDir } from "../tsdb/test-support/tmp.js";
import { MAX_AHEAD_MS, Tsdb } from "../tsdb/tsdb.js";
import { RemoteWriteRejectedError } from "./errors.js";
import { ingestWriteRequest } from "./ingest.js";
import { decodeWriteRequest } from "./write-request.js";
import { encodeWriteRequest } from "./write-request-encode.js";

const req = (...series: { name: string; ts: number[] }[]) =>
  decodeWriteRequest(
    encodeWriteRequest(
      series.map((s) => ({
        labels: { __name__: s.name, job: "j" },
        samples: { ts: s.ts, vs: s.ts.map((t) => t / 10) },
      })),
    ),
  );

describe("ingestWriteRequest", () => {
  it("appends every sample and commits once", () => {
    const store = new SampleCollector();
    const r = ingestWriteRequest(req({ name: "a", ts: [1, 2, 3] }, { name: "b", ts: [5] }), store.appender());
    expect(r).toMatchObject({ series: 2, samples: 4, rejectedSamples: 0, rejectedSeries: 0 });
    expect(store.commits).toBe(1);
    expect(store.get({ __name__: "a", job: "j" })).toEqual({
      labels: { __name__: "a", job: "j" },
      ts: [1, 2, 3],
      vs: [0.1, 0.2, 0.3],
    });
  });

  it("out-of-order samples: counts them per series, rolls the whole request back, 400 (Prometheus 2.53)", () => {
    const store = new SampleCollector();
    ingestWriteRequest(req({ name: "a", ts: [10, 20] }), store.appender());
    let err: unknown;
    try {
      ingestWriteRequest(
        req({ name: "b", ts: [1] }, { name: "a", ts: [5, 15, 30] }, { name: "b", ts: [0] }),
        store.appender(),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RemoteWriteRejectedError);
    const rej = err as RemoteWriteRejectedError;
    expect(rej.code).toBe("LINEOPS_ERR_REMOTE_WRITE_REJECTED");
    expect(rej.httpStatus).toBe(400);
    expect(rej.rejectedSamples).toBe(3);
    expect(rej.rejectedSeries).toBe(2);
    expect(rej.rejected.map((r) => [r.labels.__name__, r.count])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(rej.message).toMatch(/3 sample\(s\) of 2 series rejected.*out of order sample: t=5/);
    // Nothing of the request was applied: not b, not a's sample at 30.
    expect(store.rollbacks).toBe(1);
    expect(store.get({ __name__: "a", job: "j" })?.ts).toEqual([10, 20]);
    expect(store.get({ __name__: "b", job: "j" })).toBeUndefined();
  });

  it("onRejected: commit keeps the accepted samples and reports the refused ones", () => {
    const store = new SampleCollector();
    ingestWriteRequest(req({ name: "a", ts: [10] }), store.appender());
    const r = ingestWriteRequest(req({ name: "a", ts: [5, 20] }, { name: "b", ts: [1] }), store.appender(), {
      onRejected: "commit",
    });
    expect(r).toMatchObject({ samples: 2, rejectedSamples: 1, rejectedSeries: 1 });
    expect(store.get({ __name__: "a", job: "j" })?.ts).toEqual([10, 20]);
  });

  it("a storage fault (5xx or a plain error) rolls back and is rethrown as is", () => {
    let rolledBack = false;
    const broken: Appender = {
      append: () => {
        throw new LineopsError("LINEOPS_ERR_TSDB_CORRUPT", "disk on fire", 500, "internal");
      },
      commit: () => {
        throw new Error("must not commit");
      },
      rollback: () => {
        rolledBack = true;
      },
    };
    expect(() => ingestWriteRequest(req({ name: "a", ts: [1] }), broken)).toThrow(/disk on fire/);
    expect(rolledBack).toBe(true);
  });
});

describe("ingestWriteRequest on the real TSDB: time bounds", () => {
  const NOW = 1_800_000_000_000;
  const good = { __name__: "good", job: "j" };
  const bad = { __name__: "bad", job: "j" };
  // Each case fails on the code before the bounds: the far-future sample was accepted.
  it.each([
    { name: "the finding's t = 8.64e15", t: 8.64e15, reason: "too_far_in_future" },
    { name: "1 ms past now + 10 min", t: NOW + MAX_AHEAD_MS + 1, reason: "too_far_in_future" },
    { name: "before the head's min valid time", t: NOW - 5 * 3600_000, reason: "out_of_bounds" },
  ])(
    "$name: refused as $reason, the good samples stored, the error names series and time",
    ({ t, reason }) => {
      const db = Tsdb.open(tmpDir(), { autoCompact: false, walFlushIntervalMs: 0, now: () => NOW });
      const seed = db.appender();
      seed.append({ __name__: "seed" }, NOW - 6 * 3600_000, 1);
      seed.append({ __name__: "seed" }, NOW - 3600_000, 1);
      seed.commit();
      db.compact(); // a block up to NOW - 4 h: earlier samples are out of bounds
      const body = decodeWriteRequest(
        encodeWriteRequest([
          { labels: good, samples: { ts: [NOW - 1000, NOW], vs: [1, 2] } },
          { labels: bad, samples: { ts: [t], vs: [3] } },
        ]),
      );
      const r = ingestWriteRequest(body, db.appender(), { onRejected: "commit" });
      expect(r).toMatchObject({
        samples: 2,
        rejectedSamples: 1,
        rejectedSeries: 1,
        byReason: { [reason]: 1 },
      });
      expect(r.rejected[0]).toMatchObject({ labels: bad, firstT: t, reason });
      const err = new RemoteWriteRejectedError(
        r.rejectedSamples,
        r.rejectedSeries,
        r.rejected,
        r.byReason,
        2,
      );
      expect(err.code).toBe("LINEOPS_ERR_REMOTE_WRITE_REJECTED");
      expect(err.httpStatus).toBe(400);
      expect(err.message).toContain(
        `1 sample(s) of 1 series rejected by the storage (1 ${reason.replaceAll("_", " ")})`,
      );
      expect(err.message).toContain("the other 2 sample(s) were stored");
      expect(err.message).toContain(`(t=${t}) for {"__name__":"bad","job":"j"}`);
      const q = db.querier();
      const sel = (n: string) => q.select([{ name: "__name__", type: "=", value: n }], -Infinity, Infinity);
      expect(Array.from(sel("good")[0]!.samples().ts)).toEqual([NOW - 1000, NOW]);
      expect(sel("bad")).toHaveLength(0);
      db.close();
    },
  );
});
