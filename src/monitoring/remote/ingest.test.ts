import { describe, expect, it } from "vitest";
import { LineopsError } from "../../errors.js";
import type { Appender } from "../model.js";
import { SampleCollector } from "../test-support/sample-collector.js";
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
