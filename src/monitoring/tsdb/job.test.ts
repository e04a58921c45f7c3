import { describe, expect, it } from "vitest";
import { Slicer } from "../slicer.js";
import { io, PAUSE, runJob, runJobSync, sortJob, unlimited, type Job } from "./job.js";

describe("jobs: one implementation, run in slices or at once", () => {
  it.each([
    ["sliced", (job: Job<Uint32Array>, sl: Slicer) => runJob(job, sl)],
    ["at once", (job: Job<Uint32Array>) => Promise.resolve(runJobSync(job))],
  ] as const)("sortJob sorts stably %s", async (_how, run) => {
    const n = 10_000;
    const keys = Array.from({ length: n }, (_, i) => (i * 7919) % 97);
    const items = Uint32Array.from({ length: n }, (_, i) => i);
    const sl = new Slicer(0); // every check is due: the sliced run pauses as often as it can
    const out = await run(
      sortJob(items, (a, b) => keys[a]! - keys[b]!, sl),
      sl,
    );
    const want = [...Array(n).keys()].sort((a, b) => keys[a]! - keys[b]! || a - b);
    expect([...out]).toEqual(want);
  });

  it("never pauses with an unlimited slicer", () => {
    const sl = unlimited();
    for (let i = 0; i < 1000; i++) {
      expect(sl.due() || sl.spent()).toBe(false);
    }
  });

  it("hands I/O results back, async when sliced and sync at once", async () => {
    function* job(): Job<string> {
      const a = yield* io(
        () => Promise.resolve("async"),
        () => "sync",
      );
      yield PAUSE;
      return a;
    }
    expect(await runJob(job(), new Slicer(5))).toBe("async");
    expect(runJobSync(job())).toBe("sync");
  });

  it("throws an I/O error or the slicer's abort into the job, so its cleanup runs", async () => {
    const cleaned: string[] = [];
    function* job(name: string): Job<void> {
      try {
        yield* io(
          () => Promise.reject(new Error("disk full")),
          () => {
            throw new Error("disk full");
          },
        );
      } finally {
        cleaned.push(name);
      }
    }
    await expect(runJob(job("sliced"), new Slicer(5))).rejects.toThrow("disk full");
    expect(() => runJobSync(job("at once"))).toThrow("disk full");
    function* pausing(): Job<void> {
      try {
        yield PAUSE;
      } finally {
        cleaned.push("aborted");
      }
    }
    const aborting = new Slicer(5, () => {
      throw new Error("closed");
    });
    await expect(runJob(pausing(), aborting)).rejects.toThrow("closed");
    expect(cleaned).toEqual(["sliced", "at once", "aborted"]);
  });
});
