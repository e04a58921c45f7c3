import { describe, expect, it } from "vitest";
import { Engine } from "./engine.js";
import { toPrometheusJson } from "./format.js";
import { MemoryStorage } from "./test-support/memory-storage.js";

/** Series x{instance} with one value each at t=0, added in an order other than label order. */
function storage(values: Record<string, number>): MemoryStorage {
  const s = new MemoryStorage();
  for (const inst of Object.keys(values).reverse()) {
    s.add({ __name__: "x", instance: inst }, 0, values[inst]!);
    s.add({ __name__: "x", instance: inst }, 60_000, values[inst]!);
  }
  return s;
}

async function instant(s: MemoryStorage, q: string): Promise<string[]> {
  const res = toPrometheusJson(await new Engine({}).instantQuery(s, q, 0)) as {
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
  return res.result.map((r) => `${r.metric.instance}=${r.value[1]}`);
}

describe("topk / bottomk with ties (Prometheus's heap over label-ordered input)", () => {
  // Input order a, b, c, d. A heap of 2: [a, b]; c is strictly better than the top (a) and
  // replaces it, sinking below b; d only ties b, so b stays. A stable sort would keep a instead.
  it("topk keeps the series Prometheus keeps, best first", async () => {
    expect(await instant(storage({ a: 1, b: 1, c: 2, d: 1 }), "topk(2, x)")).toEqual(["c=2", "b=1"]);
    expect(await instant(storage({ a: 1, b: 1, c: 1 }), "topk(2, x)")).toEqual(["a=1", "b=1"]);
  });

  it("bottomk keeps the series Prometheus keeps, best first", async () => {
    expect(await instant(storage({ a: 1, b: 1, c: 0, d: 1 }), "bottomk(2, x)")).toEqual(["c=0", "b=1"]);
  });

  it("ranks NaN last and replaces it by any number", async () => {
    expect(await instant(storage({ a: NaN, b: 1, c: 3 }), "topk(2, x)")).toEqual(["c=3", "b=1"]);
    expect(await instant(storage({ a: NaN, b: 1, c: 3 }), "bottomk(2, x)")).toEqual(["b=1", "c=3"]);
  });

  it("picks the same series at every step of a range query", async () => {
    const s = storage({ a: 1, b: 1, c: 2, d: 1 });
    const res = toPrometheusJson(await new Engine({}).rangeQuery(s, "topk(2, x)", 0, 60_000, 30_000)) as {
      result: { metric: Record<string, string>; values: unknown[] }[];
    };
    expect(res.result.map((r) => [r.metric.instance, r.values.length])).toEqual([
      ["b", 3],
      ["c", 3],
    ]);
  });
});
