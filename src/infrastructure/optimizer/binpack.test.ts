import { describe, expect, it } from "vitest";
import { bestFitDecreasing, firstFitDecreasing, type PackItem } from "./binpack.js";

const GB = 2 ** 30;
/** CPU-only items (memory negligible) on a 10-core node: the textbook one-dimensional case. */
const cpuItems = (sizes: number[]): PackItem[] =>
  sizes.map((c, i) => ({ id: `i${i}`, service: `s${i}`, cpuCores: c, memoryBytes: 1 }));
const NODE = { cpuCores: 10, memoryBytes: 1000 * GB };
const loads = (r: ReturnType<typeof firstFitDecreasing>) => r.nodes.map((n) => n.cpuCores);

describe("first-fit and best-fit decreasing", () => {
  it("pack 6, 5, 4, 3, 2 onto two 10-core nodes (volume 20: optimal)", () => {
    for (const pack of [firstFitDecreasing, bestFitDecreasing]) {
      const r = pack(cpuItems([3, 6, 2, 5, 4]), NODE);
      expect(r.nodes).toHaveLength(2);
      expect(r.lowerBound).toBe(2);
      expect(loads(r)).toEqual([10, 10]);
    }
  });

  it("differ where best fit fills the tightest node: 7, 5, 4, 1, 1", () => {
    const items = cpuItems([1, 4, 7, 1, 5]);
    // FFD: 7→A, 5→B, 4→B, 1→A, 1→A. BFD: the first 1 goes to B (left 1), the second to A.
    expect(loads(firstFitDecreasing(items, NODE))).toEqual([9, 9]);
    expect(loads(bestFitDecreasing(items, NODE))).toEqual([8, 10]);
    expect(firstFitDecreasing(items, NODE).nodes[0]?.items).toEqual(["i2", "i0", "i3"]);
  });

  it("respect both dimensions: CPU fits, memory does not, a new node opens", () => {
    const node = { cpuCores: 4, memoryBytes: 8 * GB };
    const items: PackItem[] = [
      { id: "a", service: "db", cpuCores: 1, memoryBytes: 6 * GB },
      { id: "b", service: "cache", cpuCores: 1, memoryBytes: 4 * GB },
      { id: "c", service: "api", cpuCores: 2, memoryBytes: 1 * GB },
    ];
    for (const pack of [firstFitDecreasing, bestFitDecreasing]) {
      const r = pack(items, node);
      expect(r.nodes.map((n) => n.items)).toEqual([["a", "c"], ["b"]]);
      expect(r.lowerBound).toBe(2); // 11 GiB of memory on 8 GiB nodes
    }
  });

  it("orders by the larger share of a node: a memory-heavy item counts as large", () => {
    const node = { cpuCores: 8, memoryBytes: 8 * GB };
    const items: PackItem[] = [
      { id: "cpu", service: "x", cpuCores: 2, memoryBytes: GB },
      { id: "mem", service: "y", cpuCores: 1, memoryBytes: 6 * GB },
    ];
    expect(firstFitDecreasing(items, node).nodes[0]?.items).toEqual(["mem", "cpu"]);
  });

  it("name items bigger than an empty node instead of opening nodes for them", () => {
    const r = firstFitDecreasing(cpuItems([12, 3]), NODE);
    expect(r.unplaceable).toEqual(["i0"]);
    expect(r.nodes).toHaveLength(1);
  });

  it("pack nothing onto no nodes, and refuse a node without CPU or memory", () => {
    expect(bestFitDecreasing([], NODE)).toMatchObject({ nodes: [], lowerBound: 0, unplaceable: [] });
    expect(() => firstFitDecreasing([], { cpuCores: 0, memoryBytes: GB })).toThrow(/node size/);
    expect(() => bestFitDecreasing([], { cpuCores: 2, memoryBytes: NaN })).toThrow(/node size/);
  });
});
