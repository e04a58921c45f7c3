import { afterEach, describe, expect, it } from "vitest";
import { gatesSchema, type Gates } from "../../config/deploy-schema.js";
import type { Labels } from "../../model/labels.js";
import { parseSampleValue } from "../../model/sample-value.js";
import type { QueryValue } from "../../monitoring/index.js";
import { Engine } from "../../monitoring/promql/engine.js";
import { promqlQuerier } from "../../monitoring/query.js";
import { Tsdb } from "../../monitoring/tsdb/tsdb.js";
import { GateEvaluator, type GateOptions, type GateWaitOutcome } from "./gate.js";
import { ManualClock, settle } from "../../test-support/manual-clock.js";
import { tmpDir } from "../../monitoring/tsdb/test-support/tmp.js";

const at = (iso: string) => Date.parse(iso);
const changeover = { name: "changeover", query: 'line_state{state="changeover"} == 1' };

function gates(input: Partial<Gates>): Gates {
  return gatesSchema.parse(input);
}

/** A vector answer; values written as Prometheus prints them ("0", "NaN", "+Inf"). */
const vector = (...series: [Labels, string][]): QueryValue => ({
  type: "vector",
  samples: series.map(([labels, v]) => ({ labels, t: 0, v: parseSampleValue(v) })),
});

/** A query function answering from a table the test changes; records what it was asked. */
function fakeQuery(answers: Record<string, QueryValue | Error>) {
  const calls: { query: string; tMs: number }[] = [];
  const instant: GateOptions["querier"]["instant"] = async (q, tMs) => {
    calls.push({ query: q, tMs });
    const a = answers[q];
    if (a === undefined) {
      throw new Error(`unexpected query ${q}`);
    }
    if (a instanceof Error) {
      throw a;
    }
    return a;
  };
  return { querier: { instant }, calls, answers };
}

/** Tracks a waitFor promise so a test can see whether it has settled yet without waiting. */
function track(p: Promise<GateWaitOutcome>) {
  const state: { outcome?: GateWaitOutcome; error?: unknown } = {};
  p.then(
    (o) => {
      state.outcome = o;
    },
    (e: unknown) => {
      state.error = e;
    },
  );
  return state;
}

describe("GateEvaluator.check", () => {
  it("is open with no gates configured", async () => {
    const g = new GateEvaluator(gates({}), { querier: fakeQuery({}).querier });
    expect(await g.check(at("2026-01-10T03:00:00Z"))).toEqual({ open: true, reasons: [] });
  });

  it("is open inside any window and names the windows and the next opening outside them", async () => {
    const g = new GateEvaluator(
      gates({ windows: ["Mon..Fri 05:45-06:15", "Sat 10:00-11:00"], timezone: "Europe/Berlin" }),
      { querier: fakeQuery({}).querier },
    );
    expect(await g.check(at("2026-01-12T04:50:00Z"))).toEqual({ open: true, reasons: [] });
    expect(await g.check(at("2026-01-10T09:30:00Z"))).toEqual({ open: true, reasons: [] });
    expect(await g.check(at("2026-01-12T05:15:00Z"))).toEqual({
      open: false,
      reasons: [
        "outside the deploy windows (Mon..Fri 05:45-06:15; Sat 10:00-11:00) in Europe/Berlin; " +
          "next opens 2026-01-13T05:45:00+01:00",
      ],
      nextWindowAt: at("2026-01-13T04:45:00Z"),
    });
  });

  it("says so when no window opens within the horizon", async () => {
    const g = new GateEvaluator(gates({ windows: ["2026-12-24 08:00-12:00"] }), {
      querier: fakeQuery({}).querier,
    });
    const c = await g.check(at("2027-01-01T00:00:00Z"));
    expect(c).toEqual({
      open: false,
      reasons: [
        "outside the deploy windows (2026-12-24 08:00-12:00) in UTC; no window opens in the next 400 days",
      ],
    });
  });

  it("passes a state gate only on a non-empty result with every value non-zero and not NaN", async () => {
    const q = fakeQuery({});
    const g = new GateEvaluator(gates({ state: [changeover] }), { querier: q.querier });
    const t = at("2026-01-12T05:00:00Z");
    const reasonFor = async (data: QueryValue | Error) => {
      q.answers[changeover.query] = data;
      return (await g.check(t)).reasons;
    };
    const prefix = 'state gate "changeover": line_state{state="changeover"} == 1';
    expect(await reasonFor(vector())).toEqual([`${prefix} returned no series`]);
    expect(await reasonFor(vector([{ __name__: "line_state", line: "L1" }, "1"]))).toEqual([]);
    expect(await reasonFor(vector([{ line: "L1" }, "1"], [{ line: "L2" }, "+Inf"]))).toEqual([]);
    expect(
      await reasonFor(
        vector([{ line: "L1" }, "1"], [{ line: "L2" }, "0"], [{ __name__: "x", line: "L3" }, "NaN"]),
      ),
    ).toEqual([`${prefix} returned 0 for {line="L2"}, NaN for x{line="L3"}`]);
    expect(
      await reasonFor(vector(...[1, 2, 3, 4, 5].map((i): [Labels, string] => [{ line: `L${i}` }, "0"]))),
    ).toEqual([`${prefix} returned 0 for {line="L1"}, 0 for {line="L2"}, 0 for {line="L3"} and 2 more`]);
    expect(await reasonFor({ type: "scalar", t: 0, v: 1 })).toEqual([]);
    expect(await reasonFor({ type: "scalar", t: 0, v: 0 })).toEqual([`${prefix} returned scalar 0`]);
    expect(await reasonFor({ type: "scalar", t: 0, v: NaN })).toEqual([`${prefix} returned scalar NaN`]);
    expect(await reasonFor({ type: "matrix", series: [] })).toEqual([
      `${prefix} returned a range vector, expected an instant vector or scalar`,
    ]);
    expect(await reasonFor({ type: "string", t: 0, value: "x" })).toEqual([
      `${prefix} returned a string, expected an instant vector or scalar`,
    ]);
    expect(await reasonFor(new Error("parse error: unexpected end of input"))).toEqual([
      `${prefix} failed: parse error: unexpected end of input`,
    ]);
    expect(q.calls.every((c) => c.tMs === t && c.query === changeover.query)).toBe(true);
  });

  it("reports every closed gate at once", async () => {
    const q = fakeQuery({
      [changeover.query]: vector(),
      "oee > 0": vector([{ line: "L1" }, "0.8"]),
      "scrap_rate < 0.05": new Error("query timed out"),
    });
    const g = new GateEvaluator(
      gates({
        windows: ["Sat,Sun 00:00-23:59"],
        state: [changeover, { name: "oee", query: "oee > 0" }, { name: "scrap", query: "scrap_rate < 0.05" }],
      }),
      { querier: q.querier },
    );
    const c = await g.check(at("2026-01-12T05:00:00Z"));
    expect(c.open).toBe(false);
    expect(c.reasons).toEqual([
      "outside the deploy windows (Sat,Sun 00:00-23:59) in UTC; next opens 2026-01-17T00:00:00+00:00",
      'state gate "changeover": line_state{state="changeover"} == 1 returned no series',
      'state gate "scrap": scrap_rate < 0.05 failed: query timed out',
    ]);
  });

  it("rejects bad configuration with stable codes", () => {
    const q = fakeQuery({}).querier;
    expect(
      () =>
        new GateEvaluator(gates({ windows: ["Mon..Fri 05:45-06:15", "Mun 05:00-06:00"] }), { querier: q }),
    ).toThrow(
      expect.objectContaining({
        code: "LINEOPS_ERR_GATE_WINDOW_INVALID",
        message: 'windows[1]: 1:1: unknown weekday "Mun"',
      }),
    );
    expect(() => new GateEvaluator(gates({ timezone: "Europe/Berln" }), { querier: q })).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_GATE_TIMEZONE_INVALID" }),
    );
  });
});

describe("GateEvaluator with the PromQL engine and the TSDB", () => {
  let db: Tsdb | undefined;
  afterEach(() => {
    db?.close();
    db = undefined;
  });

  function engineQuery(storage: Tsdb): GateOptions["querier"] {
    return promqlQuerier(new Engine({}), storage);
  }

  function record(storage: Tsdb, t: number, state: string, v: number) {
    const app = storage.appender();
    app.append({ __name__: "line_state", line: "L1", state }, t, v);
    app.commit();
  }

  it("opens when the line reports a changeover", async () => {
    db = Tsdb.open(tmpDir(), { walFlushIntervalMs: 0 });
    const t0 = at("2026-01-12T05:00:00Z");
    record(db, t0, "changeover", 0);
    record(db, t0, "production", 1);
    const g = new GateEvaluator(gates({ state: [changeover] }), { querier: engineQuery(db) });
    expect(await g.check(t0)).toEqual({
      open: false,
      reasons: ['state gate "changeover": line_state{state="changeover"} == 1 returned no series'],
    });
    record(db, t0 + 15_000, "changeover", 1);
    record(db, t0 + 15_000, "production", 0);
    expect(await g.check(t0 + 15_000)).toEqual({ open: true, reasons: [] });
    // Without the comparison the 0 itself closes the gate.
    const raw = new GateEvaluator(
      gates({ state: [{ name: "prod", query: 'line_state{state="production"}' }] }),
      {
        querier: engineQuery(db),
      },
    );
    expect((await raw.check(t0 + 15_000)).reasons).toEqual([
      'state gate "prod": line_state{state="production"} returned 0 for line_state{line="L1", state="production"}',
    ]);
    expect((await raw.check(t0)).open).toBe(true);
  });

  it("waitFor resolves open once the scraped state changes", async () => {
    db = Tsdb.open(tmpDir(), { walFlushIntervalMs: 0 });
    const t0 = at("2026-01-12T05:00:00Z");
    const s = new ManualClock(t0);
    record(db, t0, "changeover", 0);
    const g = new GateEvaluator(gates({ state: [changeover] }), {
      querier: engineQuery(db),
      clock: s,
      pollMs: 5000,
    });
    const waits: string[][] = [];
    const result = track(g.waitFor({ deadlineMs: t0 + 60_000, onWaiting: (r) => waits.push(r) }));
    await s.advance(20_000);
    expect(result.outcome).toBeUndefined();
    expect(waits).toEqual([
      ['state gate "changeover": line_state{state="changeover"} == 1 returned no series'],
    ]);
    record(db, t0 + 21_000, "changeover", 1);
    await s.advance(5000);
    expect(result.outcome).toBe("open");
    expect(s.now()).toBe(t0 + 25_000);
  });
});

describe("GateEvaluator.waitFor", () => {
  const t0 = at("2026-01-12T05:00:00Z");

  function setup(opts: { windows?: string[]; pollMs?: number } = {}) {
    const s = new ManualClock(t0);
    const q = fakeQuery({ [changeover.query]: vector() });
    const g = new GateEvaluator(gates({ state: [changeover], windows: opts.windows ?? [] }), {
      querier: q.querier,
      clock: s,
      pollMs: opts.pollMs ?? 5000,
    });
    return { s, q, g };
  }

  it("polls until the state opens, reporting reasons only when they change", async () => {
    const { s, q, g } = setup();
    const waits: string[][] = [];
    const result = track(g.waitFor({ deadlineMs: t0 + 3_600_000, onWaiting: (r) => waits.push(r) }));
    await s.advance(14_999);
    expect(q.calls.map((c) => c.tMs - t0)).toEqual([0, 5000, 10_000]);
    expect(waits).toHaveLength(1);
    expect(g.waiting).toBe(1);
    q.answers[changeover.query] = vector([{ line: "L1" }, "0"]);
    await s.advance(1);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toEqual([
      'state gate "changeover": line_state{state="changeover"} == 1 returned 0 for {line="L1"}',
    ]);
    q.answers[changeover.query] = vector([{ line: "L1" }, "1"]);
    expect(result.outcome).toBeUndefined();
    await s.advance(5000);
    expect(result.outcome).toBe("open");
    expect(g.waiting).toBe(0);
    expect(s.pending()).toEqual([]);
  });

  it("resolves open at once when the gates are already open", async () => {
    const { s, q, g } = setup();
    q.answers[changeover.query] = vector([{}, "1"]);
    const waits: string[][] = [];
    const result = track(g.waitFor({ onWaiting: (r) => waits.push(r) }));
    await settle();
    expect(result.outcome).toBe("open");
    expect(waits).toEqual([]);
    expect(s.pending()).toEqual([]);
  });

  it("wakes when a window opens rather than at the next poll", async () => {
    // Monday 2026-01-12 05:00 UTC; the window opens at 05:45 and polls are an hour apart.
    const { s, q, g } = setup({ windows: ["Mon 05:45-06:15"], pollMs: 3_600_000 });
    q.answers[changeover.query] = vector([{}, "1"]);
    const result = track(g.waitFor({ deadlineMs: t0 + 7_200_000 }));
    await settle();
    expect(s.pending()).toEqual([at("2026-01-12T05:45:00Z"), t0 + 7_200_000]);
    await s.advance(45 * 60_000 - 1);
    expect(result.outcome).toBeUndefined();
    await s.advance(1);
    expect(result.outcome).toBe("open");
  });

  it("times out at the deadline, defaulting to waitTimeout", async () => {
    const { s, g } = setup();
    const explicit = track(g.waitFor({ deadlineMs: t0 + 12_000 }));
    const byConfig = track(g.waitFor({}));
    await s.advance(11_999);
    expect(explicit.outcome).toBeUndefined();
    await s.advance(1);
    expect(explicit.outcome).toBe("timeout");
    await s.advance(3_600_000 - 12_000 - 1);
    expect(byConfig.outcome).toBeUndefined();
    await s.advance(1);
    expect(byConfig.outcome).toBe("timeout");
    expect(s.pending()).toEqual([]);
  });

  it("times out and cancels even while a query hangs", async () => {
    const s = new ManualClock(t0);
    const never: GateOptions["querier"] = { instant: () => new Promise<QueryValue>(() => {}) };
    const g = new GateEvaluator(gates({ state: [changeover] }), { querier: never, clock: s });
    const timedOut = track(g.waitFor({ deadlineMs: t0 + 30_000 }));
    const ac = new AbortController();
    const cancelled = track(g.waitFor({ deadlineMs: t0 + 60_000, signal: ac.signal }));
    await s.advance(30_000);
    expect(timedOut.outcome).toBe("timeout");
    expect(cancelled.outcome).toBeUndefined();
    ac.abort();
    await settle();
    expect(cancelled.outcome).toBe("cancelled");
  });

  it("resolves overridden for every waiter when an admin overrides", async () => {
    const { s, g } = setup();
    expect(g.override("alice")).toBe(false);
    expect(g.lastOverride).toBeUndefined();
    const a = track(g.waitFor({}));
    const b = track(g.waitFor({}));
    await s.advance(7000);
    expect(g.override("bob")).toBe(true);
    await settle();
    expect(a.outcome).toBe("overridden");
    expect(b.outcome).toBe("overridden");
    expect(g.lastOverride).toEqual({ by: "bob", atMs: t0 + 7000 });
    expect(s.pending()).toEqual([]);
    // An override is not remembered for waits that start later.
    const c = track(g.waitFor({ deadlineMs: t0 + 20_000 }));
    await s.advance(13_000);
    expect(c.outcome).toBe("timeout");
  });

  it("resolves cancelled when the signal aborts, or at once if it already has", async () => {
    const { s, q, g } = setup();
    const ac = new AbortController();
    const result = track(g.waitFor({ signal: ac.signal }));
    await s.advance(6000);
    ac.abort();
    await settle();
    expect(result.outcome).toBe("cancelled");
    expect(s.pending()).toEqual([]);
    const calls = q.calls.length;
    expect(await g.waitFor({ signal: ac.signal })).toBe("cancelled");
    expect(q.calls.length).toBe(calls);
  });

  it("rejects when onWaiting throws, and stops polling", async () => {
    const { s, g } = setup();
    const result = track(
      g.waitFor({
        onWaiting: () => {
          throw new Error("disk full");
        },
      }),
    );
    await settle();
    expect((result.error as Error).message).toBe("disk full");
    expect(s.pending()).toEqual([]);
    expect(g.waiting).toBe(0);
  });
});
