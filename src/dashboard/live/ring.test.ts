import { describe, expect, it } from "vitest";
import { EventRing } from "./ring.js";

describe("EventRing", () => {
  it("replays the events after the given id", () => {
    const ring = new EventRing(10, 1 << 20, "e1");
    const ids = ["a", "b", "c"].map((d) => ring.push("deployment", d).id);
    expect(ids).toEqual(["e1-1", "e1-2", "e1-3"]);
    expect(ring.since("e1-1")).toEqual({
      kind: "events",
      events: [
        { id: "e1-2", seq: 2, topic: "deployment", data: "b" },
        { id: "e1-3", seq: 3, topic: "deployment", data: "c" },
      ],
    });
    expect(ring.since("e1-3")).toEqual({ kind: "events", events: [] });
    expect(ring.since("e1-0")).toMatchObject({
      kind: "events",
      events: [{ data: "a" }, { data: "b" }, { data: "c" }],
    });
  });

  it.each([
    ["another run's id", "e0-2"],
    ["an id from the future", "e1-99"],
    ["a malformed id", "nonsense"],
    ["an id with a huge number", "e1-99999999999999999999"],
  ])("says the resume point is lost for %s", (_what, id) => {
    const ring = new EventRing(10, 1 << 20, "e1");
    ring.push("alert", "x");
    ring.push("alert", "y");
    expect(ring.since(id)).toEqual({ kind: "lost" });
  });

  it("keeps at most `capacity` events: an id older than the oldest kept is lost, the one just before it is not", () => {
    const ring = new EventRing(3, 1 << 20, "e1");
    for (let i = 1; i <= 5; i++) {
      ring.push("instance", String(i));
    }
    expect(ring.length).toBe(3);
    expect(ring.since("e1-1")).toEqual({ kind: "lost" });
    expect(ring.since("e1-2")).toMatchObject({
      kind: "events",
      events: [{ data: "3" }, { data: "4" }, { data: "5" }],
    });
  });

  it("keeps at most `maxBytes` of data, but always the newest event", () => {
    const ring = new EventRing(100, 10, "e1");
    ring.push("alert", "12345");
    ring.push("alert", "67890");
    ring.push("alert", "abc");
    expect(ring.length).toBe(2);
    ring.push("alert", "x".repeat(50));
    expect(ring.length).toBe(1);
    expect(ring.since("e1-3")).toMatchObject({ kind: "events", events: [{ seq: 4 }] });
  });
});
