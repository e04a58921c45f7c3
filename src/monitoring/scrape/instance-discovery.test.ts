// Instance discovery: live instances become scrape targets (with the service's metrics path) and
// process-metrics pids; changes are debounced into one sync; nothing reaches the sink after stop().
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../test-support/wait.js";
import { InstanceDiscovery, type DiscoveredInstance } from "./instance-discovery.js";
import { instanceScrapeTarget, type InstanceTarget } from "./target.js";

function source(instances: DiscoveredInstance[]) {
  const watchers = new Set<() => void>();
  return {
    instances,
    list: () => instances,
    watch: (cb: () => void) => {
      watchers.add(cb);
      return () => watchers.delete(cb);
    },
    change: () => watchers.forEach((cb) => cb()),
    watchers,
  };
}

const inst = (id: string, state: string, extra: Partial<DiscoveredInstance> = {}): DiscoveredInstance => ({
  id,
  service: "quality",
  revision: "r1",
  version: "1.0.0",
  state,
  pid: 100,
  host: "127.0.0.1",
  port: 4000,
  ...extra,
});

describe("InstanceDiscovery", () => {
  it("hands live instances with a process to the sink, with the service's metrics path", async () => {
    const src = source([
      inst("a", "ready", { station: "s1" }),
      inst("b", "starting", { service: "mes", port: 4001 }),
      inst("c", "unready", { port: 4002 }),
      inst("d", "backoff"),
      inst("e", "stopped"),
      inst("f", "ready", { pid: undefined }),
    ]);
    const calls: Parameters<ConstructorParameters<typeof InstanceDiscovery>[0]["sink"]>[] = [];
    const d = new InstanceDiscovery({
      source: src,
      sink: async (...args) => void calls.push(args),
      metricsPath: (s) => (s === "mes" ? "/prom" : undefined),
      logger: pino({ level: "silent" }),
    });
    await d.sync();
    const [targets, pids] = calls[0] ?? [[], []];
    expect(targets.map((t) => [t.instanceId, t.metricsPath, t.station])).toEqual([
      ["a", "/metrics", "s1"],
      ["b", "/prom", undefined],
      ["c", "/metrics", undefined],
    ]);
    // Process series carry the instance's scrape labels plus its runtime id, never the host's.
    const common = { revision: "r1", version: "1.0.0" };
    expect(pids).toEqual([
      {
        pid: 100,
        labels: {
          job: "quality",
          instance: "127.0.0.1:4000",
          service: "quality",
          station: "s1",
          instance_id: "a",
          ...common,
        },
      },
      {
        pid: 100,
        labels: { job: "mes", instance: "127.0.0.1:4001", service: "mes", instance_id: "b", ...common },
      },
      {
        pid: 100,
        labels: {
          job: "quality",
          instance: "127.0.0.1:4002",
          service: "quality",
          instance_id: "c",
          ...common,
        },
      },
    ]);
  });

  it("labels every target with the line, so every series of the line's instances carries it", async () => {
    const calls: Parameters<ConstructorParameters<typeof InstanceDiscovery>[0]["sink"]>[] = [];
    const d = new InstanceDiscovery({
      source: source([inst("a", "ready", { station: "3" })]),
      sink: async (...args) => void calls.push(args),
      metricsPath: () => undefined,
      line: () => "assembly-line-1",
      logger: pino({ level: "silent" }),
    });
    await d.sync();
    const [target] = calls[0]?.[0] ?? [];
    expect(target?.line).toBe("assembly-line-1");
    expect(
      instanceScrapeTarget(target as InstanceTarget, {
        intervalMs: 1000,
        timeoutMs: 1000,
        bodySizeLimitBytes: 0,
        sampleLimit: 0,
      }).labels,
    ).toEqual({
      job: "quality",
      service: "quality",
      instance: "127.0.0.1:4000",
      revision: "r1",
      version: "1.0.0",
      station: "3",
      line: "assembly-line-1",
    });
  });

  it("debounces a burst of changes into one sync and stops watching on stop()", async () => {
    const src = source([inst("a", "ready")]);
    let syncs = 0;
    const d = new InstanceDiscovery({
      source: src,
      sink: async () => void syncs++,
      metricsPath: () => undefined,
      logger: pino({ level: "silent" }),
      debounceMs: 20,
    });
    d.start();
    src.change();
    src.change();
    src.change();
    await waitFor(() => syncs === 1, 2000, "one sync");
    src.change();
    await d.stop();
    expect(src.watchers.size).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(syncs).toBe(1);
  });

  it("syncs the instances already running when it starts (adopted after a restart), without a change", async () => {
    const src = source([inst("a", "ready")]);
    const synced: string[][] = [];
    const d = new InstanceDiscovery({
      source: src,
      sink: async (targets) => void synced.push(targets.map((t) => t.instanceId)),
      metricsPath: () => undefined,
      logger: pino({ level: "silent" }),
      debounceMs: 10,
    });
    d.start();
    await waitFor(() => synced.length === 1, 2000, "the first sync");
    expect(synced).toEqual([["a"]]);
    await d.stop();
  });

  it("logs a failing sink instead of throwing", async () => {
    const errors: string[] = [];
    const logger = pino({ level: "error" }, { write: (l: string) => void errors.push(l) });
    const d = new InstanceDiscovery({
      source: source([inst("a", "ready")]),
      sink: () => Promise.reject(new Error("tsdb closed")),
      metricsPath: () => undefined,
      logger,
    });
    await d.sync();
    expect(errors.join("")).toContain("scrape target sync failed");
  });
});
