import { afterEach, describe, expect, it } from "vitest";
import { LiveHub, type LiveHubOptions } from "./hub.js";
import { RecordingSink } from "./test-support/sink.js";

let hubs: LiveHub[] = [];
const hubWith = (o: Partial<LiveHubOptions> = {}) => {
  const hub = new LiveHub({ heartbeatMs: 60_000, ...o });
  hubs.push(hub);
  return hub;
};
afterEach(() => {
  hubs.forEach((h) => h.closeAll());
  hubs = [];
});

const named = (sink: RecordingSink, event: string) => sink.events().filter((e) => e.event === event);
const helloOf = (sink: RecordingSink) =>
  JSON.parse(named(sink, "hello")[0]!.data) as { stream: string; topics: string[]; lastEventId: string };

describe("LiveHub", () => {
  it("opens a stream with the retry delay and a hello naming its id and topics", () => {
    const hub = hubWith({ retryMs: 1234 });
    const sink = new RecordingSink();
    const s = hub.open({ principal: "p" }, sink);
    expect(sink.text.startsWith("retry: 1234\n\n")).toBe(true);
    expect(helloOf(sink)).toMatchObject({
      stream: s.id,
      topics: ["deployment", "alert", "instance", "query"],
    });
    expect(hub.stream(s.id, "p")).toBe(s);
    expect(hub.stream(s.id, "someone else")).toBeUndefined();
  });

  it("sends a topic's events with ids only to the streams that asked for it", () => {
    const hub = hubWith();
    const all = new RecordingSink();
    const alertsOnly = new RecordingSink();
    hub.open({ principal: "p" }, all);
    hub.open({ principal: "p", topics: ["alert"] }, alertsOnly);
    hub.publish("deployment", { id: "d1", kind: "started" });
    hub.publish("alert", { state: "firing" });
    expect(named(all, "deployment").map((e) => JSON.parse(e.data) as unknown)).toEqual([
      { id: "d1", kind: "started" },
    ]);
    expect(named(all, "alert")).toHaveLength(1);
    expect(named(alertsOnly, "deployment")).toHaveLength(0);
    expect(named(alertsOnly, "alert")[0]!.id).toMatch(/^[0-9a-z]+-2$/);
  });

  it("replays what a reconnecting client missed after its Last-Event-ID, in order, for its topics", () => {
    const hub = hubWith();
    const first = new RecordingSink();
    const s = hub.open({ principal: "p" }, first);
    hub.publish("instance", { n: 1 });
    const lastSeen = named(first, "instance")[0]!.id!;
    s.gone();
    hub.publish("instance", { n: 2 });
    hub.publish("alert", { n: 3 });
    hub.publish("instance", { n: 4 });
    const again = new RecordingSink();
    hub.open({ principal: "p", topics: ["instance"], lastEventId: lastSeen }, again);
    expect(named(again, "instance").map((e) => (JSON.parse(e.data) as { n: number }).n)).toEqual([2, 4]);
    expect(named(again, "reset")).toHaveLength(0);
  });

  it("tells a client whose resume point is gone to reload (reset) instead of replaying a hole", () => {
    const hub = hubWith({ replayEvents: 2 });
    const first = new RecordingSink();
    hub.open({ principal: "p" }, first);
    hub.publish("instance", { n: 1 });
    const lastSeen = named(first, "instance")[0]!.id!;
    for (let n = 2; n <= 5; n++) {
      hub.publish("instance", { n });
    }
    const again = new RecordingSink();
    hub.open({ principal: "p", lastEventId: lastSeen }, again);
    expect(named(again, "reset")).toHaveLength(1);
    expect(named(again, "instance")).toHaveLength(0);
  });

  it("drops a client that stops reading, with a final event saying why, and keeps serving the others", () => {
    const hub = hubWith({ maxBufferedBytes: 1000, dropGraceMs: 10 });
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    const s = hub.open({ principal: "p" }, slow);
    hub.open({ principal: "p" }, fast);
    const closed: string[] = [];
    s.onClose((r) => closed.push(r));
    slow.buffered = 900; // the client has not read the last 900 bytes
    hub.publish("deployment", { message: "x".repeat(200) });
    expect(s.closed).toBe(true);
    expect(closed).toEqual(["slow_client"]);
    expect(slow.ended).toBe(true);
    const final = named(slow, "closed")[0]!;
    expect(JSON.parse(final.data)).toMatchObject({ reason: "slow_client" });
    expect(final.data).toMatch(/more than 1000 bytes/);
    expect(named(slow, "deployment")).toHaveLength(0);
    expect(hub.size).toBe(1);
    expect(hub.droppedSlow).toBe(1);
    hub.publish("deployment", { message: "y" });
    expect(named(fast, "deployment")).toHaveLength(2);
  });

  it("cuts a dropped client's connection when even the final event is not read in time", async () => {
    const hub = hubWith({ maxBufferedBytes: 100, dropGraceMs: 5 });
    const slow = new RecordingSink();
    hub.open({ principal: "p" }, slow);
    slow.buffered = 100;
    hub.beat();
    const deadline = Date.now() + 2000;
    while (!slow.destroyed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(slow.destroyed).toBe(true);
  });

  it("sends heartbeats as comment lines", () => {
    const hub = hubWith();
    const sink = new RecordingSink();
    hub.open({ principal: "p" }, sink);
    hub.beat();
    expect(sink.events().some((e) => e.comment?.startsWith("heartbeat") === true)).toBe(true);
  });

  it("refuses streams past the per-principal and total limits, before writing anything", () => {
    const hub = hubWith({ maxStreamsPerPrincipal: 2, maxStreams: 3 });
    hub.open({ principal: "a" }, new RecordingSink());
    const second = hub.open({ principal: "a" }, new RecordingSink());
    const refused = new RecordingSink();
    expect(() => hub.open({ principal: "a" }, refused)).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_TOO_MANY_STREAMS", httpStatus: 429 }),
    );
    expect(refused.text).toBe("");
    hub.open({ principal: "b" }, new RecordingSink());
    expect(() => hub.open({ principal: "c" }, new RecordingSink())).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_TOO_MANY_STREAMS" }),
    );
    second.gone();
    expect(() => hub.open({ principal: "a" }, new RecordingSink())).not.toThrow();
  });

  it("closes every stream with a final event on shutdown", () => {
    const hub = hubWith();
    const sinks = [new RecordingSink(), new RecordingSink()];
    sinks.forEach((s) => hub.open({ principal: "p" }, s));
    hub.closeAll();
    expect(hub.size).toBe(0);
    for (const s of sinks) {
      expect(s.ended).toBe(true);
      expect(JSON.parse(named(s, "closed")[0]!.data)).toMatchObject({ reason: "shutdown" });
    }
  });
});
