import { describe, expect, it } from "vitest";
import { CommitSignal } from "./commits.js";
import { queryInputs } from "./query.js";

describe("CommitSignal", () => {
  it("builds no commit while nobody listens, and reaches every listener once subscribed", () => {
    const errors: unknown[] = [];
    const signal = new CommitSignal((e) => errors.push(e));
    let built = 0;
    const make = () => {
      built++;
      return { source: "scrape" as const, samples: 3, committedAt: 1 };
    };
    signal.emit(make);
    expect(built).toBe(0);
    const seen: number[] = [];
    const off = signal.subscribe((c) => seen.push(c.samples));
    signal.subscribe(() => {
      throw new Error("a broken listener");
    });
    signal.emit(make);
    expect([built, seen, errors.length]).toEqual([1, [3], 1]);
    off();
    signal.emit(make);
    expect(seen).toEqual([3]);
  });
});

describe("queryInputs", () => {
  it.each([
    ['up{job="press"}', { job: "oven" }, false],
    ['up{job="press"}', { job: "press", instance: "a" }, true],
    ['up{job=~"pr.*"}', { job: "press" }, true],
    ['up{job!="press"}', { job: "press" }, false],
    ['up{job="press"} + on() up{job="oven"}', { job: "oven" }, true],
    ['sum(rate(x{job="press"}[1m]))', { job: "oven" }, false],
    ["up", { job: "oven" }, true],
    ['up{station="s1"}', { job: "oven" }, true], // a label the commit does not pin: may change
    ["vector(1)", { job: "oven" }, false],
    ['up{job="press"}', undefined, true], // rules, remote write: anything may change
  ])("%s may change after a commit of %j: %s", (query, target, expected) => {
    expect(queryInputs(query).mayChange(target)).toBe(expected);
  });

  it("notes an @ modifier anywhere in the query", () => {
    expect(queryInputs("up").pinned).toBe(false);
    expect(queryInputs("sum(up @ 100)").pinned).toBe(true);
    expect(queryInputs("max_over_time(up[5m:1m] @ end())").pinned).toBe(true);
  });
});
