import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { EventBus } from "../../events/bus.js";
import type { CommitListener } from "../../monitoring/index.js";
import { LiveService } from "./live.js";
import { RecordingSink } from "./test-support/sink.js";

/** Monitoring's commit signal as the live service sees it: who listens, and a way to commit. */
function fakeMonitoring() {
  const listeners = new Set<CommitListener>();
  return {
    listeners,
    monitoring: {
      querier: {
        range: () => Promise.reject(new Error("not used")),
        instant: () => Promise.reject(new Error("not used")),
      },
      onSamplesCommitted: (l: CommitListener) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      alertsJson: () => ({ alerts: [] }),
    },
  };
}

describe("LiveService", () => {
  it("listens to commits only while a stream is open", () => {
    const { listeners, monitoring } = fakeMonitoring();
    const live = new LiveService({ bus: new EventBus(), monitoring, logger: pino({ level: "silent" }) });
    live.start();
    expect(listeners.size).toBe(0);
    const a = live.hub.open({ principal: "p" }, new RecordingSink());
    const b = live.hub.open({ principal: "p" }, new RecordingSink());
    expect(listeners.size).toBe(1);
    a.gone();
    expect(listeners.size).toBe(1);
    b.gone();
    expect(listeners.size).toBe(0);
    live.stop();
  });

  it("publishes the bus's deployment and instance events, and stops publishing once stopped", () => {
    const bus = new EventBus();
    const { monitoring } = fakeMonitoring();
    const live = new LiveService({ bus, monitoring, logger: pino({ level: "silent" }) });
    live.start();
    const sink = new RecordingSink();
    live.hub.open({ principal: "p" }, sink);
    bus.emit("deployment.finished", { id: "d", service: "s", phase: "Succeeded", at: 1 });
    bus.emit("service.ready", { service: "s", revision: "abc", at: 2 });
    expect(sink.events().filter((e) => e.event === "deployment" || e.event === "instance")).toHaveLength(2);
    live.stop();
    expect(sink.events().at(-1)?.event).toBe("closed");
    const other = new RecordingSink();
    live.hub.open({ principal: "p" }, other);
    bus.emit("deployment.started", { id: "e", service: "s", at: 3 });
    expect(other.events().filter((e) => e.event === "deployment")).toHaveLength(0);
    live.hub.closeAll();
  });
});
