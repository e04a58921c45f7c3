import { afterEach, describe, expect, it } from "vitest";
import type { AlertView } from "../../alerting/index.js";
import type { ApiAlert } from "../../monitoring/index.js";
import { LiveHub } from "./hub.js";
import { EventBus } from "../../events/bus.js";
import { AlertDiff, publishBusEvents } from "./sources.js";
import { RecordingSink } from "./test-support/sink.js";

let hub: LiveHub;
afterEach(() => hub?.closeAll());

const ruleAlert = (name: string, state: ApiAlert["state"]): ApiAlert => ({
  labels: { alertname: name },
  annotations: {},
  state,
  activeAt: "2026-01-01T00:00:00Z",
  value: "1",
});
const dispatched = (fp: string, state: AlertView["status"]["state"]): AlertView => ({
  fingerprint: fp,
  labels: { alertname: fp },
  annotations: {},
  startsAt: 0,
  endsAt: 1,
  updatedAt: 0,
  receivers: ["ops"],
  status: { state, silencedBy: [], inhibitedBy: [] },
});

describe("AlertDiff", () => {
  it("publishes rule alerts that change state or go inactive, and dispatched alerts that change or resolve", () => {
    hub = new LiveHub({ heartbeatMs: 60_000 });
    const sink = new RecordingSink();
    hub.open({ principal: "p", topics: ["alert"] }, sink);
    let rules = [ruleAlert("Jam", "pending")];
    let held = [dispatched("a1", "active")];
    const diff = new AlertDiff({ ruleAlerts: () => rules, dispatched: () => held }, hub);
    diff.prime(); // what the page loaded: not news
    diff.check(); // nothing changed
    rules = [ruleAlert("Jam", "firing")];
    held = [dispatched("a1", "suppressed")];
    diff.check();
    rules = [];
    held = [];
    diff.check();
    const data = sink
      .events()
      .filter((e) => e.event === "alert")
      .map((e) => JSON.parse(e.data) as { source: string; state?: string; status?: { state: string } });
    expect(data.map((d) => `${d.source}:${d.state ?? d.status?.state}`)).toEqual([
      "rule:firing",
      "dispatcher:suppressed",
      "rule:inactive",
      "dispatcher:resolved",
    ]);
  });
});

describe("publishBusEvents", () => {
  it("publishes incident changes on the alert topic, as source incident", () => {
    hub = new LiveHub({ heartbeatMs: 60_000 });
    const sink = new RecordingSink();
    hub.open({ principal: "p", topics: ["alert"] }, sink);
    const bus = new EventBus();
    const off = publishBusEvents(bus, hub);
    bus.emit("incident.changed", {
      id: 7,
      change: "acknowledged",
      status: "acknowledged",
      title: "PLCDisconnected on plc-gateway",
      priority: "critical",
      rootCause: "plc-gateway",
      actor: "alice (operator)",
      at: 1,
    });
    off();
    bus.emit("incident.changed", {
      id: 8,
      change: "triggered",
      status: "triggered",
      title: "x",
      priority: "low",
      at: 2,
    });
    const data = sink
      .events()
      .filter((e) => e.event === "alert")
      .map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(data).toEqual([
      expect.objectContaining({
        source: "incident",
        id: 7,
        change: "acknowledged",
        rootCause: "plc-gateway",
      }),
    ]);
  });
});
