// Alarm management on a manual clock and a real SQLite store: activations and returns to normal,
// chattering, floods (one summary in, one out), timed shelving that survives a restart and lifts
// itself at expiry, suppression by design from the line's state, and the alarms' ISA-18.2 states.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AlarmRepository } from "../../store/alarms.js";
import { AuditRepository } from "../../store/audit.js";
import { openDb, type Db } from "../../store/db.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { fingerprint } from "../fingerprint.js";
import { alarmConfigOf, type AlarmConfigInput } from "./config.js";
import { AlarmManager, type AlarmAlert } from "./manager.js";
import type { FloodSummary, LineStateSource } from "./ports.js";
import type { LineStateSample } from "./classify.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) {
    db.close();
  }
});

function setup(
  config: AlarmConfigInput = {},
  opts: { dir?: string; clock?: ManualClock; states?: LineStateSample[] } = {},
) {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "lineops-alarms-"));
  const db = openDb(dir);
  dbs.push(db);
  const clock = opts.clock ?? new ManualClock(T0);
  const floods: FloodSummary[] = [];
  const audit = new AuditRepository(db);
  const lineStates: LineStateSource | undefined =
    opts.states === undefined ? undefined : { states: async () => opts.states ?? [] };
  const alarms = new AlarmManager({
    repo: new AlarmRepository(db),
    config: alarmConfigOf(config),
    clock,
    logger: pino({ level: "silent" }),
    floodSink: { floodSummary: (s) => floods.push(s) },
    audit,
    ...(lineStates !== undefined ? { lineStates } : {}),
  });
  return { dir, db, clock, alarms, floods, audit };
}

/** A firing alert as the engine holds it (endsAt = resolve_timeout ahead). */
function firing(labels: Record<string, string>, clock: ManualClock, startsAt = clock.now()): AlarmAlert {
  return { fingerprint: fingerprint(labels), labels, startsAt, endsAt: clock.now() + 5 * MIN };
}
function resolved(labels: Record<string, string>, startsAt: number, clock: ManualClock): AlarmAlert {
  return { fingerprint: fingerprint(labels), labels, startsAt, endsAt: clock.now() };
}

const station = (n: number, alertname = "StationJammed") => ({
  alertname,
  line: "line-1",
  station: String(n),
  severity: "warning",
});

describe("alarm activations", () => {
  it("records an activation and its return to normal, with priority and position from the labels", async () => {
    const { alarms, clock, db } = setup();
    const labels = { ...station(1), severity: "critical" };
    alarms.observe([firing(labels, clock)]);
    const [view] = alarms.alarms();
    expect(view).toMatchObject({
      alertname: "StationJammed",
      position: "line-1/1",
      priority: "high",
      state: "unacknowledged",
      active: true,
      activatedAt: T0,
    });
    await clock.advance(2 * MIN);
    alarms.observe([resolved(labels, T0, clock)]);
    expect(alarms.alarms()).toEqual([]);
    const [row] = new AlarmRepository(db).since(0, 10);
    expect(row).toMatchObject({ activatedAt: T0, returnedAt: T0 + 2 * MIN });
  });

  it("an explicit priority label wins over the severity; an alert never re-sent returns to normal at its endsAt", async () => {
    const { alarms, clock, db } = setup();
    const labels = { ...station(2), priority: "low", severity: "critical" };
    alarms.observe([firing(labels, clock)]);
    expect(alarms.alarms()[0]?.priority).toBe("low");
    await clock.advance(6 * MIN);
    await alarms.tick();
    expect(alarms.alarms()).toEqual([]);
    expect(new AlarmRepository(db).since(0, 10)[0]?.returnedAt).toBe(T0 + 5 * MIN);
  });

  it("flags an alarm active longer than the stale limit as standing", async () => {
    const { alarms, clock } = setup({ staleMs: 60 * MIN });
    const labels = station(3);
    alarms.observe([firing(labels, clock)]);
    await clock.advance(61 * MIN);
    alarms.observe([firing(labels, clock, T0)]);
    expect(alarms.alarms()[0]).toMatchObject({ stale: true, activatedAt: T0 });
  });
});

describe("chattering", () => {
  it("flags 3 activations in 60 s, not 2, and auto-shelves when configured (audited)", async () => {
    const { alarms, clock, audit } = setup({ chattering: { autoShelveMs: 30 * MIN } });
    const labels = station(4);
    for (let i = 0; i < 2; i++) {
      alarms.observe([firing(labels, clock)]);
      await clock.advance(10 * SEC);
      alarms.observe([resolved(labels, clock.now() - 10 * SEC, clock)]);
      await clock.advance(10 * SEC);
    }
    expect(alarms.shelves()).toEqual([]);
    alarms.observe([firing(labels, clock)]);
    const [view] = alarms.alarms();
    expect(view).toMatchObject({ chattering: true, state: "shelved" });
    expect(view?.shelf).toMatchObject({ by: "lineops (chattering)", until: clock.now() + 30 * MIN });
    expect(alarms.mutes(labels, clock.now())).toBe(true);
    expect(audit.list().map((a) => a.action)).toContain("alarm shelved (chattering)");
  });

  it("does not flag 3 activations spread over more than 60 s", async () => {
    const { alarms, clock } = setup();
    const labels = station(5);
    for (let i = 0; i < 3; i++) {
      alarms.observe([firing(labels, clock)]);
      await clock.advance(15 * SEC);
      alarms.observe([resolved(labels, clock.now() - 15 * SEC, clock)]);
      await clock.advance(20 * SEC);
    }
    alarms.observe([firing(labels, clock)]);
    // 4 activations, 35 s apart: never 3 inside one 60 s window.
    expect(alarms.alarms()[0]?.chattering).toBe(false);
  });
});

describe("flood detection", () => {
  it("10 alarms in 10 min is no flood", async () => {
    const { alarms, clock, floods } = setup();
    for (let i = 1; i <= 10; i++) {
      alarms.observe([firing(station(1, `A${i}`), clock)]);
      await clock.advance(50 * SEC);
    }
    expect(floods).toEqual([]);
    expect(alarms.floodStatus()).toEqual([]);
  });

  it("11 alarms in 10 min at one position: one flood summary, the rest kept quiet, one summary when it ends", async () => {
    const { alarms, clock, floods } = setup();
    for (let i = 1; i <= 10; i++) {
      alarms.observe([firing(station(1, `A${i}`), clock)]);
      await clock.advance(50 * SEC);
    }
    // Another position's alarms never count towards this one's flood.
    alarms.observe([firing(station(2, "Other"), clock)]);
    expect(floods).toEqual([]);
    alarms.observe([firing(station(1, "A11"), clock)]);
    expect(floods).toHaveLength(1);
    expect(floods[0]).toMatchObject({
      event: "flood_started",
      position: "line-1/1",
      alarms: 11,
      threshold: 10,
      priorities: { medium: 11, low: 0, high: 0, critical: 0 },
    });
    for (let i = 12; i <= 30; i++) {
      alarms.observe([firing(station(1, `A${i}`), clock)]);
    }
    expect(floods).toHaveLength(1);
    expect(alarms.mutes(station(1, "A20"), clock.now())).toBe(true);
    // Alarms annunciated before the flood keep notifying (their resolves are not lost).
    expect(alarms.mutes(station(1, "A1"), clock.now())).toBe(false);
    expect(alarms.mutes(station(2, "Other"), clock.now())).toBe(false);
    expect(alarms.floodStatus()).toEqual([
      expect.objectContaining({ position: "line-1/1", alarms: 30, startedAt: clock.now() }),
    ]);
    await clock.advance(10 * MIN + SEC);
    await alarms.tick();
    expect(floods).toHaveLength(2);
    expect(floods[1]).toMatchObject({ event: "flood_ended", position: "line-1/1", alarms: 30 });
    expect(floods[1]?.endedAt).toBe(clock.now());
    expect(alarms.mutes(station(1, "A20"), clock.now())).toBe(false);
  });

  it("a restart in the middle of a flood sends no second start summary", async () => {
    const first = setup();
    for (let i = 1; i <= 11; i++) {
      first.alarms.observe([firing(station(1, `A${i}`), first.clock)]);
    }
    expect(first.floods).toHaveLength(1);
    await first.clock.advance(SEC);
    first.alarms.observe([firing(station(1, "A12"), first.clock)]);
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);
    const again = setup({}, { dir: first.dir, clock: first.clock });
    // What the flood covered stays quiet after the restart.
    expect(again.alarms.mutes(station(1, "A12"), again.clock.now())).toBe(true);
    again.alarms.observe([firing(station(1, "A13"), again.clock)]);
    expect(again.floods).toEqual([]);
    expect(again.alarms.floodStatus()[0]).toMatchObject({ position: "line-1/1", alarms: 13 });
    await again.clock.advance(11 * MIN);
    await again.alarms.tick();
    expect(again.floods).toEqual([
      expect.objectContaining({
        event: "flood_ended",
        alarms: 13,
        priorities: expect.objectContaining({ medium: 13 }),
      }),
    ]);
  });
});

describe("shelving", () => {
  it("shelves for a time, mutes, and lifts itself at expiry on the clock (audited)", async () => {
    const { alarms, clock, audit } = setup();
    const labels = station(6);
    alarms.observe([firing(labels, clock)]);
    const fp = fingerprint(labels);
    const shelf = alarms.shelve({
      fingerprint: fp,
      durationMs: 15 * MIN,
      reason: "sensor being replaced",
      by: "ann (operator)",
    });
    expect(shelf).toMatchObject({ shelvedBy: "ann (operator)", expiresAt: T0 + 15 * MIN });
    expect(alarms.mutes(labels, clock.now())).toBe(true);
    expect(alarms.alarms()[0]).toMatchObject({ state: "shelved" });
    await clock.advance(15 * MIN - SEC);
    alarms.observe([firing(labels, clock, T0)]); // still firing: Prometheus re-sends it
    await alarms.tick();
    expect(alarms.shelves()).toHaveLength(1);
    await clock.advance(SEC);
    expect(alarms.mutes(labels, clock.now())).toBe(false);
    await alarms.tick();
    expect(alarms.shelves()).toEqual([]);
    expect(alarms.alarms()[0]).toMatchObject({ state: "unacknowledged" });
    expect(audit.list()[0]).toMatchObject({ action: "alarm unshelved at expiry", actor: "lineops (alarms)" });
  });

  it("the running timer lifts an expired shelf without anyone calling tick", async () => {
    const { alarms, clock } = setup({ tickMs: 1000 });
    const labels = station(7);
    alarms.observe([firing(labels, clock)]);
    alarms.shelve({ fingerprint: fingerprint(labels), durationMs: MIN, reason: "r", by: "op" });
    alarms.start();
    await clock.advance(MIN + 2 * SEC);
    await alarms.stop();
    expect(alarms.shelves()).toEqual([]);
  });

  it("a restart keeps a shelf and its expiry; one that expired while down is lifted", async () => {
    const first = setup();
    const a = station(8);
    const b = station(9);
    first.alarms.observe([firing(a, first.clock), firing(b, first.clock)]);
    first.alarms.shelve({ fingerprint: fingerprint(a), durationMs: 60 * MIN, reason: "long", by: "op" });
    first.alarms.shelve({ fingerprint: fingerprint(b), durationMs: 5 * MIN, reason: "short", by: "op" });
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);
    await first.clock.advance(10 * MIN);
    const again = setup({}, { dir: first.dir, clock: first.clock });
    expect(again.alarms.shelves()).toEqual([
      expect.objectContaining({ fingerprint: fingerprint(a), reason: "long", expiresAt: T0 + 60 * MIN }),
    ]);
    expect(again.alarms.mutes(a, again.clock.now())).toBe(true);
    expect(again.alarms.mutes(b, again.clock.now())).toBe(false);
  });

  it("refuses bad requests naming the field, and an unknown alarm", () => {
    const { alarms, clock } = setup({ maxShelveMs: 60 * MIN });
    const labels = station(10);
    alarms.observe([firing(labels, clock)]);
    const fp = fingerprint(labels);
    const base = { fingerprint: fp, durationMs: MIN, reason: "r", by: "op" };
    expect(() => alarms.shelve({ ...base, fingerprint: "xyz" })).toThrow(/^fingerprint: /);
    expect(() => alarms.shelve({ ...base, durationMs: 0 })).toThrow(/^duration: /);
    expect(() => alarms.shelve({ ...base, durationMs: 61 * MIN })).toThrow(/^duration: .*60 minutes/);
    expect(() => alarms.shelve({ ...base, reason: "  " })).toThrow(/^reason: /);
    expect(() => alarms.shelve({ ...base, fingerprint: "0123456789abcdef" })).toThrow(/no alarm/);
    expect(() => alarms.unshelve(fp)).toThrow(/not shelved/);
    expect(alarms.shelves()).toEqual([]);
  });
});

describe("suppression by design", () => {
  it("a stopped line suppresses its starvation alarms, not others, and they count for no flood", async () => {
    const states: LineStateSample[] = [{ line: "line-1", state: "stopped" }];
    const { alarms, clock, floods } = setup({}, { states });
    await alarms.tick();
    const starved = station(1, "StationStarved");
    const jammed = station(1, "StationJammed");
    const otherLine = { ...station(1, "StationStarved"), line: "line-2" };
    expect(alarms.mutes(starved, clock.now())).toBe(true);
    expect(alarms.mutes(jammed, clock.now())).toBe(false);
    expect(alarms.mutes(otherLine, clock.now())).toBe(false);
    for (let i = 0; i < 12; i++) {
      alarms.observe([firing({ ...starved, n: String(i) }, clock)]);
    }
    expect(floods).toEqual([]);
    expect(alarms.alarms()[0]).toMatchObject({ state: "suppressed_by_design", suppressedBy: "stopped" });
    states.splice(0, 1, { line: "line-1", state: "running" });
    await alarms.tick();
    expect(alarms.mutes(starved, clock.now())).toBe(false);
  });

  it("station_state applies to that station only", async () => {
    const { alarms, clock } = setup(
      { suppression: [{ states: ["idle"], matchers: ['alertname="StationStarved"'] }] },
      { states: [{ station: "2", state: "idle" }] },
    );
    await alarms.tick();
    expect(alarms.mutes(station(2, "StationStarved"), clock.now())).toBe(true);
    expect(alarms.mutes(station(3, "StationStarved"), clock.now())).toBe(false);
  });

  it("a configuration with a bad matcher names it", () => {
    expect(() =>
      alarmConfigOf({ suppression: [{ states: ["stopped"], matchers: ["alertname=~("] }] }),
    ).toThrow(/^alarms\.suppression\.0\.matchers\.0: /);
    expect(() => alarmConfigOf({ flood: { alarms: 0 } })).toThrow(/^alarms\.flood\.alarms: /);
  });
});

describe("acknowledgements", () => {
  it("states follow the acknowledgement source once one is plugged in; RTN unacknowledged is shown", async () => {
    const { alarms, clock } = setup();
    const a = station(11);
    const b = station(12);
    alarms.observe([firing(a, clock), firing(b, clock)]);
    const acked = new Map([[fingerprint(a), T0 + 30 * SEC]]);
    alarms.acknowledgements = { acknowledgedAt: (fp) => acked.get(fp) };
    await clock.advance(MIN);
    alarms.observe([resolved(b, T0, clock)]);
    const byName = Object.fromEntries(alarms.alarms().map((v) => [v.labels.station, v]));
    expect(byName["11"]).toMatchObject({ state: "acknowledged", acknowledgedAt: T0 + 30 * SEC });
    expect(byName["12"]).toMatchObject({ state: "rtn_unacknowledged", returnedAt: T0 + MIN });
  });
});
