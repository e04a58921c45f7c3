// The flood computation: Alertmanager's default grouping counted as dispatch.go and the notification
// log would send it, and the whole scenario on the sample line's rules and topology.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { alertmanagerNotifications, runFlood, type FloodAlert } from "./flood.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const T0 = Date.parse("2026-12-03T08:00:00Z");
const S = 1000;

const a = (name: string, instance: string, startsAt: number, firesAt: number): FloodAlert => ({
  labels: { alertname: name, instance },
  startsAt: T0 + startsAt,
  firesAt: T0 + firesAt,
});

describe("alertmanagerNotifications", () => {
  it("waits group_wait for a fresh group, then sends only when group_interval brings a new alert", () => {
    // Flush at 40 s carries a and b; at 340 s c is new (3 alerts); at 640 s the window has ended.
    expect(
      alertmanagerNotifications([
        a("Down", "a", 10 * S, 10 * S),
        a("Down", "b", 20 * S, 20 * S),
        a("Down", "c", 100 * S, 100 * S),
      ]),
    ).toEqual({ notifications: 2, alertsCarried: 5 });
  });

  it("flushes at once when an alert arrives already older than group_wait; groups are per alertname", () => {
    // Old's first flush is at its arrival (60 s), so old-2 arriving at 70 s waits for 360 s.
    expect(
      alertmanagerNotifications([
        a("Old", "1", 0, 60 * S),
        a("Old", "2", 0, 70 * S),
        a("Fresh", "1", 500 * S, 500 * S),
      ]),
    ).toEqual({ notifications: 3, alertsCarried: 1 + 2 + 1 });
  });
});

describe("runFlood", () => {
  it("a plc-gateway failure on 20 stations: 42 alerts to Alertmanager's receiver, one incident and one page in lineops", async () => {
    const r = await runFlood(ROOT);
    expect(r).toMatchObject({
      firingAlerts: 42,
      rawAlerts: 42,
      rawNotifications: 4,
      incidents: 1,
      pages: 1,
      rootCause: "plc-gateway",
    });
    expect(r.reduction).toBeGreaterThanOrEqual(0.95);
  });
});
