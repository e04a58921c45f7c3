// The alerting engine feeds incidents what its dispatcher sees: firing alerts not silenced or
// inhibited, resolves (sent, or by timing out), and after a restart the stored alerts again.
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../store/db.js";
import { tempDir } from "../../test-support/line.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { parseAlertingConfig } from "../config/load.js";
import { createAlertingEngine } from "../engine.js";
import { IncidentManager } from "./manager.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const HOUR = 3_600_000;
const CONFIG = `route: {receiver: none, group_wait: 0s}
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [instance]
receivers:
  - name: none
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    await c();
  }
});

function setup(dir = tempDir("lineops-incident-wiring-"), clock = new ManualClock(T0)) {
  const db: Db = openDb(dir);
  const logger = pino({ level: "silent" });
  const incidents = new IncidentManager({
    db,
    clock,
    logger,
    linkSecret: randomBytes(32),
    externalURL: () => "",
  });
  const engine = createAlertingEngine({
    config: parseAlertingConfig(CONFIG),
    db,
    clock,
    logger,
    externalURL: () => "",
    incidents,
    incidentSweepMs: 1000,
  });
  engine.start();
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await engine.stop();
      db.close();
    }
  };
  cleanups.push(close);
  return { engine, incidents, clock, dir, close };
}

describe("the alerting engine feeds incidents", () => {
  it("with firing alerts after silences and inhibition, and with their resolves", async () => {
    const { engine, incidents, clock } = setup();
    engine.silences.set({
      matchers: [{ name: "alertname", value: "Noisy", isRegex: false, isEqual: true }],
      startsAt: T0,
      endsAt: T0 + HOUR,
      createdBy: "test",
      comment: "known",
    });
    engine.receive([
      { labels: { alertname: "Crit", severity: "critical", instance: "a" } },
      { labels: { alertname: "Warn", severity: "warning", instance: "a" } }, // inhibited by Crit
      { labels: { alertname: "Noisy" } }, // silenced
    ]);
    expect(incidents.list().map((i) => i.title)).toEqual(["Crit"]);
    // An explicit resolve ends the incident.
    engine.receive([{ labels: { alertname: "Crit", severity: "critical", instance: "a" }, endsAt: T0 }]);
    await clock.advance(1);
    expect(incidents.get(1).status).toBe("resolved");
    // An alert that just stops being sent resolves at its endsAt (resolve_timeout), seen by the sweep.
    engine.receive([{ labels: { alertname: "Quiet" }, endsAt: T0 + 5000 }]);
    expect(incidents.get(2).status).toBe("triggered");
    await clock.advance(6000);
    expect(incidents.get(2)).toMatchObject({ status: "resolved", resolvedBy: "lineops" });
  });

  it("hands the stored alerts over again after a restart, deduplicated into the incidents they had", async () => {
    const clock = new ManualClock(T0);
    const first = setup(undefined, clock);
    first.engine.receive([{ labels: { alertname: "Down", instance: "a" } }]);
    await first.close();
    const second = setup(first.dir, clock);
    second.engine.receive([{ labels: { alertname: "Down", instance: "a" } }]);
    expect(second.incidents.list().map((i) => [i.id, i.alertCount, i.status])).toEqual([[1, 1, "triggered"]]);
  });
});
