// The KPI report over a stored history written on a manual clock: rates per position, flood share,
// bad actors, the priority distribution, chattering and standing counts, MTTA/MTTR, and its CSV.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AlarmRepository } from "../../store/alarms.js";
import { openDb, type Db } from "../../store/db.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { fingerprint } from "../fingerprint.js";
import { alarmConfigOf } from "./config.js";
import { alarmKpi, alarmKpiCsv } from "./kpi.js";
import { AlarmManager } from "./manager.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) {
    db.close();
  }
});

/**
 * One hour of history: a flood of 12 short (5 s) starvation alarms at station 1 in the first two
 * minutes (three alarms, each chattering: every 30 s), a standing jam and a short outage at station 2.
 */
async function history() {
  const db = openDb(mkdtempSync(path.join(tmpdir(), "lineops-alarm-kpi-")));
  dbs.push(db);
  const repo = new AlarmRepository(db);
  const clock = new ManualClock(T0);
  const config = alarmConfigOf({ staleMs: 30 * MIN });
  const alarms = new AlarmManager({ repo, config, clock, logger: pino({ level: "silent" }) });
  const fire = (labels: Record<string, string>, forMs: number) =>
    alarms.observe([
      { fingerprint: fingerprint(labels), labels, startsAt: clock.now(), endsAt: clock.now() + forMs },
    ]);
  for (let i = 0; i < 12; i++) {
    fire({ alertname: "Starved", line: "L", station: "1", severity: "info", n: String(i % 3) }, 5000);
    await clock.advance(10_000);
  }
  fire({ alertname: "Jammed", line: "L", station: "2", severity: "warning" }, 40 * MIN);
  fire({ alertname: "Down", line: "L", station: "2", severity: "critical", instance: "a" }, 5 * MIN);
  await clock.advance(20 * MIN);
  await alarms.tick(); // the flood ends (window empty), returns to normal are recorded
  await clock.advance(40 * MIN - 2 * MIN);
  await alarms.tick();
  return { repo, config, now: clock.now() };
}

describe("alarm KPI report", () => {
  it("rates per position, flood share, bad actors, priorities, standing alarms, MTTR; MTTA n/a without a source", async () => {
    const { repo, config, now } = await history();
    const r = alarmKpi(repo, config, { from: T0, to: T0 + HOUR, now }, undefined);
    expect(r.alarms).toBe(14);
    const [s1, s2] = r.positions;
    expect(s1).toMatchObject({
      position: "L/1",
      alarms: 12,
      per10Min: 2,
      perHour: 12,
      perDay: 288,
      peak10Min: 12,
      floods: 1,
    });
    expect(s2).toMatchObject({ position: "L/2", alarms: 2, floodPercent: 0 });
    // The flood began at the 11th alarm (100 s in) and ended at the first tick after the window emptied.
    expect(s1?.floodPercent).toBeGreaterThan(0);
    expect(r.floodPercent).toBe(s1?.floodPercent);
    expect(r.badActors[0]).toMatchObject({ alertname: "Starved", count: 4, position: "L/1" });
    expect(r.badActors).toHaveLength(5);
    expect(r.priorities.counts).toEqual({ low: 12, medium: 1, high: 1, critical: 0 });
    expect(r.priorities.percent).toEqual({ low: 85.7, medium: 7.1, high: 7.1 });
    expect(r.priorities.target).toEqual({ low: 80, medium: 15, high: 5 });
    expect(r.stale).toBe(1); // Jammed stood 40 min, over the 30 min limit
    expect(r.chattering).toBe(3);
    expect(r.mtta).toEqual({
      seconds: null,
      n: 0,
      note: expect.stringMatching(/^n\/a: no acknowledgement source/),
    });
    expect(r.mttr.n).toBe(14);
    expect(r.mttr.seconds).toBeCloseTo((12 * 5 + 2400 + 300) / 14, 2);
  });

  it("MTTA from an acknowledgement source; n/a when nothing was acknowledged", async () => {
    const { repo, config, now } = await history();
    const none = alarmKpi(
      repo,
      config,
      { from: T0, to: T0 + HOUR, now },
      { acknowledgedAt: () => undefined },
    );
    expect(none.mtta).toMatchObject({
      seconds: null,
      note: expect.stringMatching(/no alarm of the period was acknowledged/),
    });
    const acked = alarmKpi(
      repo,
      config,
      { from: T0, to: T0 + HOUR, now },
      { acknowledgedAt: (_fp, at) => at + 30_000 },
    );
    expect(acked.mtta).toEqual({ seconds: 30, n: 14 });
  });

  it("one position only; a period with no alarms reports zeros and n/a, never a made-up figure", async () => {
    const { repo, config, now } = await history();
    expect(alarmKpi(repo, config, { from: T0, to: T0 + HOUR, now, position: "L/2" }, undefined).alarms).toBe(
      2,
    );
    const empty = alarmKpi(repo, config, { from: T0 - 2 * HOUR, to: T0 - HOUR, now }, undefined);
    expect(empty).toMatchObject({ alarms: 0, positions: [], floodPercent: 0, badActors: [] });
    expect(empty.mttr.seconds).toBeNull();
  });

  it("CSV: RFC 4180 (CRLF, header, quoted fields with commas or quotes)", async () => {
    const { repo, config, now } = await history();
    const csv = alarmKpiCsv(alarmKpi(repo, config, { from: T0, to: T0 + HOUR, now }, undefined));
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("section,position,name,value,target");
    expect(lines.at(-1)).toBe("");
    expect(csv).not.toMatch(/[^\r]\n/);
    expect(lines).toContain("position,L/1,per_10min,2,1");
    expect(lines).toContain("priority,,low_percent,85.7,80");
    expect(lines).toContain("response,,mtta_seconds,n/a,");
    const quoted = alarmKpiCsv({
      ...alarmKpi(repo, config, { from: T0, to: T0 + HOUR, now }, undefined),
      positions: [
        {
          position: 'a,"b"',
          alarms: 1,
          per10Min: 0,
          perHour: 0,
          perDay: 0,
          peak10Min: 1,
          floodPercent: 0,
          floods: 0,
        },
      ],
    });
    expect(quoted).toContain('position,"a,""b""",alarms,1,\r\n');
  });
});
