import { describe, expect, it } from "vitest";
import { dependencyLevels, findCycle } from "./plan.js";

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe("dependency plan", () => {
  it("orders dependencies first and groups independent services", () => {
    const g = graph({
      "line-controller": ["station-controller", "quality-inspection", "mes-connector"],
      "station-controller": ["plc-gateway"],
      "plc-gateway": [],
      "quality-inspection": [],
      "mes-connector": [],
    });
    expect(findCycle(g)).toBeUndefined();
    expect(dependencyLevels(g)).toEqual([
      ["mes-connector", "plc-gateway", "quality-inspection"],
      ["station-controller"],
      ["line-controller"],
    ]);
  });

  it("names the cycle", () => {
    const g = graph({ a: ["b"], b: ["c"], c: ["a"], d: [] });
    expect(findCycle(g)).toEqual(["a", "b", "c", "a"]);
    expect(() => dependencyLevels(g)).toThrow(/cycle/);
  });
});
