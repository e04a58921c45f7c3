// The incident parts of the Alerts page that need no browser: ages, which live events are
// incidents, and the labels a silence from an incident starts with.
import { describe, expect, it } from "vitest";
import type { IncidentDetail } from "../../api/types.js";
import { age, asIncidentEvent, nextHandoff, silenceLabels } from "./incidents-api.js";

const alert = (role: "root" | "child" | "member", labels: Record<string, string>) => ({
  incidentId: 1,
  fingerprint: JSON.stringify(labels),
  labels,
  annotations: {},
  startsAt: 0,
  joinedAt: 0,
  status: "firing" as const,
  role,
});

const incident = (alerts: ReturnType<typeof alert>[]): IncidentDetail => ({
  id: 1,
  title: "t",
  status: "triggered",
  severity: "critical",
  priority: "critical",
  groupKey: "g",
  createdAt: 0,
  updatedAt: 0,
  alertCount: alerts.length,
  firingCount: alerts.length,
  alerts,
  timeline: [],
});

describe("age", () => {
  it("reads coarse: seconds, minutes, hours with minutes, days with hours", () => {
    const t = 1_000_000_000;
    expect(age(t, t + 59_000)).toBe("59 s");
    expect(age(t, t + 60_000)).toBe("1 min");
    expect(age(t, t + 3_600_000)).toBe("1 h");
    expect(age(t, t + 3_900_000)).toBe("1 h 5 min");
    expect(age(t, t + 86_400_000)).toBe("1 d");
    expect(age(t, t + 90_000_000)).toBe("1 d 1 h");
  });
  it("never goes negative when the browser's clock is behind the server's", () => {
    expect(age(2_000, 1_000)).toBe("0 s");
  });
});

describe("asIncidentEvent", () => {
  it("keeps the alert topic's incident changes and nothing else", () => {
    const e = { source: "incident", id: 3, change: "acknowledged", status: "acknowledged", at: 1 };
    expect(asIncidentEvent(e)).toBe(e);
    expect(asIncidentEvent({ source: "rule", state: "firing", labels: {} })).toBeUndefined();
    expect(asIncidentEvent({ source: "incident", id: "3" })).toBeUndefined();
    expect(asIncidentEvent(null)).toBeUndefined();
    expect(asIncidentEvent("incident")).toBeUndefined();
  });
});

describe("silenceLabels", () => {
  it("starts from the root alert's labels when a root cause is named", () => {
    const d = incident([
      alert("child", { alertname: "StationFaulted", station: "1" }),
      alert("root", { alertname: "PLCDisconnected", service: "plc-gateway" }),
    ]);
    expect(silenceLabels(d)).toEqual({ alertname: "PLCDisconnected", service: "plc-gateway" });
  });
  it("otherwise takes the labels every alert shares", () => {
    const d = incident([
      alert("member", { alertname: "Jam", line: "l1", station: "1" }),
      alert("member", { alertname: "Jam", line: "l1", station: "2" }),
    ]);
    expect(silenceLabels(d)).toEqual({ alertname: "Jam", line: "l1" });
    expect(silenceLabels(incident([]))).toEqual({});
  });
});

describe("nextHandoff", () => {
  const shift = (user: string, start: number, end: number) => ({
    user,
    start,
    end,
    source: { kind: "layer" as const, layer: "days" },
  });
  it("is the first later shift of someone else, whatever order the shifts come in", () => {
    const shifts = [
      shift("carol", 300, 400),
      shift("alice", 0, 100),
      shift("alice", 100, 200),
      shift("bob", 200, 300),
    ];
    expect(nextHandoff(shifts, "alice", 50)).toEqual(shift("bob", 200, 300));
    expect(nextHandoff(shifts, "bob", 250)).toEqual(shift("carol", 300, 400));
  });
  it("with nobody on call, is the next shift; with nobody else to come, is none", () => {
    expect(nextHandoff([shift("alice", 100, 200)], undefined, 50)).toEqual(shift("alice", 100, 200));
    expect(nextHandoff([shift("alice", 0, 100), shift("alice", 100, 200)], "alice", 50)).toBeUndefined();
    expect(nextHandoff([], "alice", 50)).toBeUndefined();
  });
});
