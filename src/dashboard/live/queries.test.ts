import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../config/config.js";
import {
  createMonitoringEngine,
  type MetricsQuerier,
  type MonitoringEngine,
} from "../../monitoring/index.js";
import { tempDir } from "../../test-support/line.js";
import { LiveHub } from "./hub.js";
import { LiveQueries, type LiveQueriesOptions } from "./queries.js";
import type { LiveStream } from "./stream.js";
import { TargetNames, targetSelector } from "./target-names.js";
import { RecordingSink } from "./test-support/sink.js";

// The real TSDB and PromQL engine; the querier is wrapped only to count evaluations.
let monitoring: MonitoringEngine;
let now = 0;
const STEP = 15_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % STEP);

type QueryEvent = {
  id: string;
  reset: boolean;
  start: number;
  end: number;
  step: number;
  result: { metric: Record<string, string>; values: [number, string][] }[];
  head: { metric: Record<string, string>; value: [number, string] }[];
  error?: string;
  code?: string;
};

beforeAll(async () => {
  const dir = tempDir("lineops-live-");
  const config = resolveConfig({ dataDir: dir });
  monitoring = await createMonitoringEngine({
    dataDir: dir,
    config: config.monitoring,
    scrapeConfigs: [],
    logger: pino({ level: "silent" }),
  });
  // One sample every 15 s for an hour, on two jobs.
  const app = monitoring.storage.appender();
  for (let t = T0 - 3600_000; t <= T0; t += STEP) {
    app.append({ __name__: "units_total", job: "press", instance: "a" }, t, (t - T0) / 1000 + 10_000);
    app.append({ __name__: "units_total", job: "oven", instance: "b" }, t, 1);
  }
  app.commit();
});
afterAll(async () => {
  await monitoring?.stop();
});

let hub: LiveHub;
let queries: LiveQueries;
let calls: { query: string; start: number; end: number; step: number }[];

function setup(o: Partial<LiveQueriesOptions> = {}, querier?: Pick<MetricsQuerier, "range">) {
  hub = new LiveHub({ heartbeatMs: 60_000 });
  calls = [];
  const real = querier ?? monitoring.querier;
  queries = new LiveQueries(
    {
      range: (query, start, end, step, timeoutMs) => {
        calls.push({ query, start, end, step });
        return real.range(query, start, end, step, timeoutMs);
      },
    },
    { now: () => now, coalesceMs: 5, ...o },
  );
}
afterEach(() => {
  queries?.stop();
  hub?.closeAll();
});

const open = () => {
  const sink = new RecordingSink();
  const stream: LiveStream = hub.open({ principal: "p" }, sink);
  return { sink, stream };
};
const queryEvents = (sink: RecordingSink): QueryEvent[] =>
  sink
    .events()
    .filter((e) => e.event === "query")
    .map((e) => JSON.parse(e.data) as QueryEvent);
/** Evaluations: each costs two range calls (the grid and the head at the evaluation time). */
const evaluations = () => calls.length / 2;

describe("LiveQueries", () => {
  it("evaluates a new subscription at once and sends the whole window, at most `width` points a series", async () => {
    setup();
    now = T0 + 1000;
    const { sink, stream } = open();
    const r = queries.subscribe(stream, {
      id: "c1",
      query: 'units_total{job="press"}',
      rangeMs: 3600_000,
      widthPx: 100,
    });
    await queries.whenIdle();
    expect(r.step).toBe(60); // 3600 / 98 = 36.7 s, up to a readable step (step-rule.ts): 61 steps + the head
    const [e] = queryEvents(sink);
    expect(e).toMatchObject({ id: "c1", reset: true, step: 60 });
    expect(e!.result).toHaveLength(1);
    const points = e!.result[0]!.values.length + e!.head.length;
    expect(points).toBeLessThanOrEqual(100);
    expect(points).toBeGreaterThan(50);
    expect(e!.head[0]!.value).toEqual([(T0 + 1000) / 1000, "10000"]);
  });

  it("evaluates once for two subscribers of the same query, range and step (one shared cache entry)", async () => {
    setup();
    now = T0 + 1000;
    const a = open();
    const b = open();
    const spec = { query: 'rate(units_total{job="press"}[1m])', rangeMs: 600_000, stepMs: 15_000 };
    queries.subscribe(a.stream, { id: "x", ...spec });
    expect(queries.subscribe(b.stream, { id: "y", ...spec, widthPx: 1000 }).shared).toBe(true);
    await queries.whenIdle();
    expect(evaluations()).toBe(1);
    now += 15_000;
    queries.onCommit({
      source: "scrape",
      target: { job: "press", instance: "a" },
      samples: 5,
      committedAt: Date.now(),
    });
    await queries.whenIdle();
    expect(evaluations()).toBe(2);
    expect(queries.evaluations(spec.query, spec.rangeMs, spec.stepMs)).toBe(2);
    expect(queryEvents(a.sink).map((e) => e.id)).toEqual(["x", "x"]);
    expect(queryEvents(b.sink).map((e) => e.id)).toEqual(["y", "y"]);
    expect(queryEvents(a.sink)[1]!.result).toEqual(queryEvents(b.sink)[1]!.result);
  });

  it("coalesces a batch of commits into one evaluation", async () => {
    setup({ coalesceMs: 30 });
    now = T0 + 1000;
    const { stream } = open();
    queries.subscribe(stream, { id: "c", query: "sum(units_total)", rangeMs: 600_000, stepMs: 15_000 });
    await queries.whenIdle();
    for (let i = 0; i < 20; i++) {
      queries.onCommit({ source: "scrape", target: { job: "press" }, samples: 1, committedAt: Date.now() });
    }
    await queries.whenIdle();
    expect(evaluations()).toBe(2);
  });

  it("does not evaluate queries a commit cannot change (another job), and evaluates on unknown writers", async () => {
    setup();
    now = T0 + 1000;
    const { stream } = open();
    queries.subscribe(stream, {
      id: "c",
      query: 'units_total{job="press"}',
      rangeMs: 600_000,
      stepMs: 15_000,
    });
    await queries.whenIdle();
    queries.onCommit({
      source: "scrape",
      target: { job: "oven", instance: "b" },
      samples: 1,
      committedAt: Date.now(),
    });
    await queries.whenIdle();
    expect(evaluations()).toBe(1);
    queries.onCommit({ source: "rules", samples: 1, committedAt: Date.now() });
    await queries.whenIdle();
    expect(evaluations()).toBe(2);
  });

  it("does not evaluate queries reading none of the metric names a target's commit carries", async () => {
    // The target's names from the TSDB, as LiveService wires them (target-names.ts).
    const names = new TargetNames((target) =>
      monitoring.labelValues("__name__", [targetSelector(target)], T0 - 3600_000, T0),
    );
    setup({ namesOf: (c) => names.namesOf(c) });
    now = T0 + 1000;
    const { stream } = open();
    queries.subscribeAll(
      stream,
      [
        { id: "units", query: "sum(rate(units_total[5m]))", rangeMs: 600_000, stepMs: 15_000 },
        { id: "other", query: "sum(rate(heater_watts[5m]))", rangeMs: 600_000, stepMs: 15_000 },
        { id: "any", query: '{job="press"}', rangeMs: 600_000, stepMs: 15_000 },
      ],
      (i, m) => `${i}: ${m}`,
    );
    await queries.whenIdle();
    const press = { job: "press", instance: "a" };
    queries.onCommit({ source: "scrape", target: press, samples: 1, committedAt: Date.now() });
    await queries.whenIdle();
    expect(queries.evaluations("sum(rate(units_total[5m]))", 600_000, 15_000)).toBe(2);
    expect(queries.evaluations('{job="press"}', 600_000, 15_000)).toBe(2); // no name: any may change
    expect(queries.evaluations("sum(rate(heater_watts[5m]))", 600_000, 15_000)).toBe(1);
    // Rules say nothing of their names: everything is evaluated.
    queries.onCommit({ source: "rules", samples: 1, committedAt: Date.now() });
    await queries.whenIdle();
    expect(queries.evaluations("sum(rate(heater_watts[5m]))", 600_000, 15_000)).toBe(2);
  });

  it("remembers a target's names while its commits carry no more samples, looks again when they grow", () => {
    let lookups = 0;
    let clock = 0;
    const names = new TargetNames(
      () => {
        lookups++;
        return lookups === 1 ? ["a"] : ["a", "b"];
      },
      () => clock,
      30_000,
      0,
    );
    const c = (samples: number) => ({
      source: "scrape" as const,
      target: { job: "j" },
      samples,
      committedAt: 0,
    });
    expect([...names.namesOf(c(10))!]).toEqual(["a"]);
    expect([...names.namesOf(c(9))!]).toEqual(["a"]);
    expect(lookups).toBe(1);
    expect([...names.namesOf(c(11))!]).toEqual(["a", "b"]);
    clock = 31_000;
    names.namesOf(c(11));
    expect(lookups).toBe(3);
    expect(names.namesOf({ source: "rules", samples: 1, committedAt: 0 })).toBeUndefined();
    expect(targetSelector({ job: 'a"b', instance: "x" })).toBe('{job="a\\"b",instance="x"}');
  });

  it("subscribes a batch all or nothing, naming the index at fault", () => {
    setup();
    now = T0 + 1000;
    const { stream } = open();
    expect(() =>
      queries.subscribeAll(
        stream,
        [
          { id: "a", query: "units_total", rangeMs: 60_000, stepMs: 15_000 },
          { id: "b", query: "rate(", rangeMs: 60_000, stepMs: 15_000 },
        ],
        (i, m) => `subscriptions[${i}]: ${m}`,
      ),
    ).toThrow(/^subscriptions\[1\]: query: /);
    expect(queries.size).toBe(0);
    expect(queries.unsubscribeAll(stream, ["a", "nope"])).toBe(0);
  });

  it("sends only the steps from the last one sent on (incremental), and evaluates only those", async () => {
    setup();
    now = T0 + 1000;
    const { sink, stream } = open();
    queries.subscribe(stream, {
      id: "c",
      query: 'units_total{job="press"}',
      rangeMs: 3600_000,
      stepMs: 15_000,
    });
    await queries.whenIdle();
    const app = monitoring.storage.appender();
    app.append({ __name__: "units_total", job: "press", instance: "a" }, T0 + 15_000, 10_015);
    app.append({ __name__: "units_total", job: "press", instance: "a" }, T0 + 30_000, 10_030);
    app.commit();
    now = T0 + 31_000;
    queries.onCommit({ source: "scrape", target: { job: "press" }, samples: 2, committedAt: Date.now() });
    await queries.whenIdle();
    const [first, second] = queryEvents(sink);
    expect(first!.reset).toBe(true);
    expect(first!.result[0]!.values).toHaveLength(241);
    expect(second!.reset).toBe(false);
    // The last step sent before (T0) again, then the two new ones.
    expect(second!.result[0]!.values).toEqual([
      [T0 / 1000, "10000"],
      [(T0 + 15_000) / 1000, "10015"],
      [(T0 + 30_000) / 1000, "10030"],
    ]);
    expect(second!.start).toBe((T0 + 30_000 - 3600_000) / 1000);
    expect(calls[2]).toMatchObject({ start: T0, end: T0 + 30_000 });
  });

  it("sends the whole window again for a query with an @ modifier", async () => {
    setup();
    now = T0 + 1000;
    const { sink, stream } = open();
    queries.subscribe(stream, {
      id: "c",
      query: `units_total{job="press"} @ ${T0 / 1000}`,
      rangeMs: 300_000,
      stepMs: 15_000,
    });
    await queries.whenIdle();
    now = T0 + 16_000;
    queries.onCommit({ source: "scrape", target: { job: "press" }, samples: 1, committedAt: Date.now() });
    await queries.whenIdle();
    const events = queryEvents(sink);
    expect(events.map((e) => e.reset)).toEqual([true, true]);
    expect(events[1]!.result[0]!.values).toHaveLength(21);
  });

  it("runs at most `concurrency` evaluations at once", async () => {
    let running = 0;
    let most = 0;
    setup(
      { concurrency: 2 },
      {
        range: async (q, s, e, st, t) => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return monitoring.querier.range(q, s, e, st, t);
        },
      },
    );
    now = T0 + 1000;
    const { stream } = open();
    for (let i = 0; i < 6; i++) {
      queries.subscribe(stream, {
        id: `c${i}`,
        query: `units_total + ${i}`,
        rangeMs: 600_000,
        stepMs: 15_000,
      });
    }
    await queries.whenIdle();
    expect(evaluations()).toBe(6);
    expect(most).toBeLessThanOrEqual(4); // two evaluations, each its grid and head range calls
  });

  it("passes the timeout to every evaluation and sends its error to the subscribers", async () => {
    const timeouts: (number | undefined)[] = [];
    setup(
      { timeoutMs: 1234 },
      {
        range: (q, s, e, st, t) => {
          timeouts.push(t);
          return monitoring.querier.range(q, s, e, st, t);
        },
      },
    );
    now = T0 + 1000;
    const { sink, stream } = open();
    queries.subscribe(stream, {
      id: "bad",
      query: "units_total + on() units_total",
      rangeMs: 60_000,
      stepMs: 15_000,
    });
    await queries.whenIdle();
    expect(timeouts.every((t) => t === 1234)).toBe(true);
    const [e] = queryEvents(sink);
    expect(e!.error).toMatch(/same labelset|duplicate|many-to-many|vector cannot contain/i);
  });

  it.each([
    [
      "a query that does not parse",
      { query: "rate(", rangeMs: 60_000, stepMs: 15_000 },
      "LINEOPS_ERR_BAD_SUBSCRIPTION",
    ],
    ["neither step nor width", { query: "up", rangeMs: 60_000 }, "LINEOPS_ERR_BAD_SUBSCRIPTION"],
    [
      "too many points",
      { query: "up", rangeMs: 30 * 86_400_000, stepMs: 1000 },
      "LINEOPS_ERR_BAD_SUBSCRIPTION",
    ],
    [
      "a range past the limit",
      { query: "up", rangeMs: 400 * 86_400_000, widthPx: 100 },
      "LINEOPS_ERR_BAD_SUBSCRIPTION",
    ],
  ])("refuses %s", (_what, spec, code) => {
    setup();
    const { stream } = open();
    expect(() => queries.subscribe(stream, { id: "c", ...spec })).toThrow(expect.objectContaining({ code }));
    expect(queries.size).toBe(0);
  });

  it("holds at most maxPerStream subscriptions on a stream; replacing one by id is not another", () => {
    setup({ maxPerStream: 2 });
    const { stream } = open();
    queries.subscribe(stream, { id: "a", query: "up", rangeMs: 60_000, stepMs: 15_000 });
    queries.subscribe(stream, { id: "b", query: "up", rangeMs: 60_000, stepMs: 15_000 });
    queries.subscribe(stream, { id: "b", query: "up + 1", rangeMs: 60_000, stepMs: 15_000 });
    expect(() =>
      queries.subscribe(stream, { id: "c", query: "up", rangeMs: 60_000, stepMs: 15_000 }),
    ).toThrow(expect.objectContaining({ code: "LINEOPS_ERR_TOO_MANY_SUBSCRIPTIONS" }));
    expect(queries.size).toBe(2);
  });

  it("forgets a stream's subscriptions when it closes, and the entries nobody else watches", async () => {
    setup();
    now = T0 + 1000;
    const a = open();
    const b = open();
    queries.subscribe(a.stream, { id: "1", query: "up", rangeMs: 60_000, stepMs: 15_000 });
    queries.subscribe(a.stream, { id: "2", query: "units_total", rangeMs: 60_000, stepMs: 15_000 });
    queries.subscribe(b.stream, { id: "3", query: "up", rangeMs: 60_000, stepMs: 15_000 });
    await queries.whenIdle();
    expect(queries.size).toBe(2);
    a.stream.gone();
    expect(queries.size).toBe(1);
    queries.unsubscribe(b.stream, "3");
    expect(queries.size).toBe(0);
    expect(() => queries.unsubscribe(b.stream, "3")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_SUBSCRIPTION_NOT_FOUND" }),
    );
  });

  it("reports the delay from the commit to the push", async () => {
    const delays: number[] = [];
    setup({ observeDelay: (s) => delays.push(s) });
    now = T0 + 1000;
    const { stream } = open();
    queries.subscribe(stream, { id: "c", query: "units_total", rangeMs: 60_000, stepMs: 15_000 });
    await queries.whenIdle();
    expect(delays).toEqual([]); // the first answer follows the subscription, not a commit
    queries.onCommit({ source: "scrape", samples: 1, committedAt: Date.now() - 40 });
    await queries.whenIdle();
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(0.04);
  });
});
