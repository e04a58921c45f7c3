import { describe, expect, it } from "vitest";
import { EventBus } from "./bus.js";

describe("event bus", () => {
  it("delivers to subscribers and isolates a throwing one", () => {
    const errors: string[] = [];
    const bus = new EventBus<{ a: number }>((_e, topic) => errors.push(topic));
    const got: number[] = [];
    bus.on("a", () => {
      throw new Error("boom");
    });
    const off = bus.on("a", (n) => got.push(n));
    bus.emit("a", 1);
    off();
    bus.emit("a", 2);
    expect(got).toEqual([1]);
    expect(errors).toEqual(["a", "a"]);
  });
});
