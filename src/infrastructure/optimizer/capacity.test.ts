import { describe, expect, it } from "vitest";
import { forecast, headroom, lineItems } from "./capacity.js";
import { cpuCores, memoryBytes } from "./quantity.js";

const HOUR = 3600_000;

describe("lineItems", () => {
  const services = [
    { name: "gw", replicas: 1, stations: ["st-1", "st-2"] },
    { name: "api", replicas: 2 },
    { name: "batch", replicas: 1 },
  ];
  it("makes one item per station or replica and line, and names services without requests", () => {
    const { items, missing } = lineItems(services, 2, (s) =>
      s === "batch" ? { cpuCores: 1 } : { cpuCores: 0.5, memoryBytes: 100 },
    );
    expect(items.map((i) => i.id)).toEqual([
      "line-1/gw/st-1",
      "line-1/gw/st-2",
      "line-2/gw/st-1",
      "line-2/gw/st-2",
      "line-1/api/0",
      "line-1/api/1",
      "line-2/api/0",
      "line-2/api/1",
    ]);
    expect(missing).toEqual(["batch"]);
  });
  it("refuses a number of lines that is not a whole number of at least 1", () => {
    expect(() => lineItems(services, 0, () => ({}))).toThrow(/lines/);
    expect(() => lineItems(services, 1.5, () => ({}))).toThrow(/lines/);
  });
});

describe("headroom", () => {
  it("is allocatable minus requested, negative when overcommitted", () => {
    expect(headroom(4, 3)).toEqual({ allocatable: 4, requested: 3, free: 1, ratio: 0.75 });
    expect(headroom(2, 3).free).toBe(-1);
    expect(headroom(undefined, 3)).toEqual({ requested: 3 });
  });
});

describe("forecast", () => {
  it("projects a linear rise and says when it reaches the limit, by least squares and Holt", () => {
    // 50 % rising 1 % an hour, 5-minute points over 6 hours.
    const points = Array.from({ length: 73 }, (_, i) => ({
      t: i * 5 * 60_000,
      v: 0.5 + (i * 5 * 60_000 * 0.01) / HOUR,
    }));
    const f = forecast(points, 1, 24 * 3600, 300);
    expect(f.current).toBeCloseTo(0.56, 6);
    expect(f.slopePerSecond).toBeCloseTo(0.01 / 3600, 12);
    expect(f.atHorizon).toBeCloseTo(0.56 + 0.24, 6);
    expect(f.reachesLimitInSeconds).toBeCloseTo(44 * 3600, -1);
    expect((f.holtReachesLimitInSeconds ?? 0) / 3600).toBeCloseTo(44, 0);
    expect(f.spanSeconds).toBe(6 * 3600);
  });
  it("has no time-to-limit for a flat or falling series, and nothing from fewer than three points", () => {
    const flat = forecast(
      [0, 1, 2, 3].map((i) => ({ t: i * 60_000, v: 0.4 })),
      1,
      3600,
      60,
    );
    expect(flat.reachesLimitInSeconds).toBeUndefined();
    expect(flat.current).toBe(0.4);
    const two = forecast(
      [
        { t: 0, v: 0.1 },
        { t: 60_000, v: 0.9 },
      ],
      1,
      3600,
      60,
    );
    expect(two.slopePerSecond).toBeUndefined();
    expect(forecast([], 1, 3600, 60).current).toBeUndefined();
  });
});

describe("quantities", () => {
  it("read cores and millicores, bytes and binary units", () => {
    expect(cpuCores("250m")).toBe(0.25);
    expect(cpuCores(2)).toBe(2);
    expect(cpuCores("1.5")).toBe(1.5);
    expect(memoryBytes("128Mi")).toBe(128 * 2 ** 20);
    expect(memoryBytes("2Gi")).toBe(2 * 2 ** 30);
    expect(memoryBytes(1000)).toBe(1000);
    expect(cpuCores(undefined)).toBeUndefined();
  });
  it("name the field at fault", () => {
    expect(() => cpuCores("lots", "api.resources.cpu")).toThrow(
      /api\.resources\.cpu: "lots" is not a CPU quantity/,
    );
    expect(() => memoryBytes("12XB", "node-memory")).toThrow(/node-memory/);
    expect(() => cpuCores(-1)).toThrow(/positive/);
    expect(() => memoryBytes("0Mi")).toThrow(/memory/);
  });
});
