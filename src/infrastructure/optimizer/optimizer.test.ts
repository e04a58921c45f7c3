import { describe, expect, it } from "vitest";
import type { MetricsQuerier, QueryValue, Series } from "../../monitoring/index.js";
import type { Instance } from "../../runtime/index.js";
import { CACHE_MS, ResourceOptimizer, type ServiceResources } from "./optimizer.js";

const DAY = 24 * 3600_000;
const NOW = 1000 * DAY;
const GB = 2 ** 30;

/** Points every `stepMs` over [start, end] of f(t). */
const points = (start: number, end: number, stepMs: number, f: (t: number) => number) => {
  const out: { t: number; v: number }[] = [];
  for (let t = start; t <= end; t += stepMs) {
    out.push({ t, v: f(t) });
  }
  return out;
};

/** A querier answering the optimizer's queries from fixed series; records what it was asked. */
function fakeQuerier(data: { cpu: Series[]; rss: Series[]; cores?: number; memTotal?: number }) {
  const asked: string[] = [];
  const querier: MetricsQuerier = {
    instant: async (q): Promise<QueryValue> => {
      asked.push(q);
      if (q.startsWith("count(node_cpu_seconds_total") && data.cores !== undefined) {
        return { type: "vector", samples: [{ labels: {}, t: NOW, v: data.cores }] };
      }
      if (q.startsWith("node_memory_MemTotal_bytes") && data.memTotal !== undefined) {
        return { type: "vector", samples: [{ labels: {}, t: NOW, v: data.memTotal }] };
      }
      return { type: "vector", samples: [] };
    },
    range: async (q, start, end, step): Promise<QueryValue> => {
      asked.push(q);
      if (q.includes("lineops_instance_cpu_seconds_total")) {
        return { type: "matrix", series: data.cpu };
      }
      if (q.includes("lineops_instance_resident_memory_bytes")) {
        return { type: "matrix", series: data.rss };
      }
      if (q.includes('mode="idle"')) {
        // Host CPU rising from 20 % by 1 % an hour.
        return {
          type: "matrix",
          series: [
            { labels: {}, points: points(start, end, step, (t) => 0.2 + (t - start) / (100 * 3600_000)) },
          ],
        };
      }
      return { type: "matrix", series: [] };
    },
  };
  return { querier, asked };
}

const services: ServiceResources[] = [
  { name: "api", replicas: 2, resources: { cpu: 2, memory: "64Mi" } },
  { name: "gw", replicas: 1, stations: ["st-1", "st-2"], resources: { cpu: "100m", memory: "512Mi" } },
  { name: "quiet", replicas: 1 },
];
const instance = (id: string, service: string, state: Instance["state"] = "ready") =>
  ({ id, service, state, revision: "r", version: "1", restarts: 0 }) as unknown as Instance;

function optimizer(data: Parameters<typeof fakeQuerier>[0]) {
  const { querier, asked } = fakeQuerier(data);
  const o = new ResourceOptimizer({
    querier,
    services: () => services,
    instances: () => [
      instance("api-1", "api"),
      instance("api-2", "api"),
      instance("gw-1", "gw"),
      instance("old", "api", "stopped"),
    ],
    hostInstance: "host-a",
    // The fixtures are 5-minute points: the optimizer reads them at that step.
    stepMs: 5 * 60_000,
  });
  return { o, asked };
}

const week = (f: (t: number) => number) => points(NOW - 8 * DAY, NOW, 5 * 60_000, f);

describe("ResourceOptimizer.recommendations", () => {
  const data = {
    cpu: [
      { labels: { service: "api", instance_id: "api-1" }, points: week(() => 0.1) },
      { labels: { service: "api", instance_id: "api-2" }, points: week(() => 0.12) },
      { labels: { service: "gw", instance_id: "gw-1" }, points: week(() => 0.08) },
      { labels: { service: "unknown", instance_id: "x" }, points: week(() => 5) },
    ],
    rss: [
      { labels: { service: "api", instance_id: "api-1" }, points: week(() => 500e6) },
      { labels: { service: "gw", instance_id: "gw-1" }, points: week(() => 400e6) },
    ],
  };

  it("judges each service's declared requests against the VPA bounds from its instances' series", async () => {
    const { o, asked } = optimizer(data);
    const r = await o.recommendations(NOW);
    expect(r.services.map((s) => s.service)).toEqual(["api", "gw", "quiet"]);
    const [api, gw, quiet] = r.services;
    // api asks 2 cores for ~0.12 used: over; 64 MiB for 500 MB peaks: under.
    expect(api).toMatchObject({ service: "api", cpu: "over-provisioned", memory: "under-provisioned" });
    expect(api?.target?.cpuCores).toBeGreaterThan(0.12 * 1.15);
    expect(api?.target?.cpuCores).toBeLessThan(0.12 * 1.15 * 1.06);
    expect(api?.target?.memoryBytes).toBeGreaterThan(500e6 * 1.15);
    expect(api?.evidence).toMatchObject({ instances: 2, fromMs: NOW - 8 * DAY, toMs: NOW, stepSeconds: 300 });
    expect(api?.evidence.confidenceDays).toBeCloseTo(8, 1);
    expect(api?.evidence.memoryPeaks).toBe(9); // one instance, the window touches 9 calendar days
    // gw: 100 m against ~0.09 target: within the bounds.
    expect(gw?.cpu).toBe("ok");
    expect(quiet).toMatchObject({ cpu: "no-data", memory: "no-data" });
    expect(quiet?.target).toBeUndefined();
    // The per-instance series, not the host's, over the whole window.
    expect(asked.some((q) => q.includes("rate(lineops_instance_cpu_seconds_total[300s])"))).toBe(true);
  });

  it("answers one service when asked, and reads the series once per CACHE_MS at most", async () => {
    const { o, asked } = optimizer(data);
    const one = await o.recommendations(NOW, "gw");
    expect(one.services.map((s) => s.service)).toEqual(["gw"]);
    await o.recommendations(NOW + CACHE_MS - 1);
    expect(asked).toHaveLength(2);
    await o.recommendations(NOW + CACHE_MS);
    expect(asked).toHaveLength(4);
  });
});

describe("ResourceOptimizer.capacity", () => {
  const data = {
    cpu: [{ labels: { service: "api", instance_id: "api-1" }, points: week(() => 0.1) }],
    rss: [{ labels: { service: "api", instance_id: "api-1" }, points: week(() => 100e6) }],
    cores: 4,
    memTotal: 8 * GB,
  };

  it("reports this host's requests against allocatable, the trends and a packing onto a given node", async () => {
    const { o } = optimizer(data);
    const r = await o.capacity(NOW, { lines: 3, node: { cpuCores: 4, memoryBytes: 4 * GB } });
    // Running: api ×2 at 2 cores, gw ×1 at 0.1 (the stopped instance does not count).
    expect(r.host.cpu.allocatable).toBe(4);
    expect(r.host.cpu.requested).toBeCloseTo(4.1, 12);
    expect(r.host.cpu.free).toBeCloseTo(-0.1, 12);
    expect(r.host.memory.requested).toBe(2 * 64 * 2 ** 20 + 512 * 2 ** 20);
    expect(r.host.forecasts.cpuUtilisation.slopePerSecond).toBeCloseTo(0.01 / 3600, 9);
    expect(r.requests.find((q) => q.service === "quiet")).toMatchObject({ source: "none", instances: 0 });
    // 3 lines × (2 api at 2 cores + 2 gw stations at 0.1): 12.6 cores on 4-core nodes.
    expect(r.packing).toMatchObject({ lines: 3, instances: 12, missing: ["quiet"], nodeSource: "given" });
    expect(r.packing?.firstFit.lowerBound).toBe(4);
    expect(r.packing?.firstFit.nodeCount).toBe(4);
    expect(r.packing?.bestFit.nodeCount).toBe(4);
    expect(r.packing?.firstFit.nodes[0]?.services).toEqual({ api: 2 });
  });

  it("packs onto this host's size when no node is given", async () => {
    const { o } = optimizer(data);
    const r = await o.capacity(NOW);
    expect(r.packing?.node).toEqual({ cpuCores: 4, memoryBytes: 8 * GB });
    expect(r.packing?.nodeSource).toBe("host");
  });

  it("says why there is no packing without any node size, and refuses bad options naming them", async () => {
    const { o } = optimizer({ ...data, cores: undefined, memTotal: undefined });
    const r = await o.capacity(NOW);
    expect(r.packing).toBeUndefined();
    expect(r.packingProblem).toMatch(/node size/);
    await expect(o.capacity(NOW, { lines: 0 })).rejects.toThrow(/lines/);
    await expect(o.capacity(NOW, { lines: 101 })).rejects.toThrow(/from 1 to 100/);
    await expect(o.capacity(NOW, { node: { cpuCores: -1 } })).rejects.toThrow(/node cpuCores/);
  });
});

describe("ResourceOptimizer's range reads", () => {
  it("split 8 days at one point a minute into queries of at most 10 000 points and join the series", async () => {
    const calls: { start: number; end: number; step: number }[] = [];
    const querier: MetricsQuerier = {
      instant: async () => ({ type: "vector", samples: [] }),
      range: async (_q, start, end, step) => {
        calls.push({ start, end, step });
        const labels = { service: "api", instance_id: "api-1" };
        return { type: "matrix", series: [{ labels, points: points(start, end, step, () => 0.2) }] };
      },
    };
    const o = new ResourceOptimizer({
      querier,
      services: () => services,
      instances: () => [],
      hostInstance: "h",
    });
    const r = await o.recommendations(NOW);
    // Two queries (CPU, memory) × two pieces; each piece within the engine's limit, no step twice.
    expect(calls).toHaveLength(4);
    for (const c of calls) {
      expect(c.step).toBe(60_000);
      expect((c.end - c.start) / c.step + 1).toBeLessThanOrEqual(10_000);
    }
    const api = r.services.find((s) => s.service === "api");
    expect(api?.evidence.cpuSamples).toBe(8 * 1440 + 1);
    expect(api?.evidence.firstSampleMs).toBe(NOW - 8 * DAY);
    expect(api?.evidence.lastSampleMs).toBe(NOW);
  });
});
