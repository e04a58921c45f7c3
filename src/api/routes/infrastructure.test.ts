// GET /api/v1/infrastructure/health on the real sample line, with lineops's own host collector and a
// REAL prometheus-node-exporter scraped through scrape_configs: both machines appear with CPU,
// memory, disks and network, every instance of the runtime with its own resources, for a viewer;
// a bad parameter is a 400 naming it.
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InfrastructureHealthSummary } from "../../infrastructure/index.js";
import type { Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { smallLine, tempDir } from "../../test-support/line.js";
import { startSettledLineops } from "../../test-support/lineops.js";
import { waitFor } from "../../test-support/wait.js";
import { startNodeExporter, type RunningExporter } from "../../monitoring/host/test-support/node-exporter.js";

describe("GET /api/v1/infrastructure/health", () => {
  let lineops: Lineops;
  let exporter: RunningExporter | undefined;
  let viewer = "";
  const dir = tempDir("lineops-infra-health-");
  const get = injectApi(() => lineops);

  beforeAll(async () => {
    exporter = await startNodeExporter([
      "--collector.disable-defaults",
      ...["cpu", "meminfo", "loadavg", "filesystem", "netdev", "time", "uname"].map(
        (c) => `--collector.${c}`,
      ),
    ]);
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `monitoring: { scrapeInterval: 500ms, scrapeTimeout: 400ms, host: { enabled: true, interval: 300ms } }
scrape_configs:
  - job_name: node-exporter
    static_configs: [{ targets: ["${new URL(exporter.url).host}"] }]
`,
    );
    lineops = await startSettledLineops(dir, smallLine(dir), { configFile: path.join(dir, "lineops.yaml") });
    viewer = lineops.tokens.create("viewer", "viewer").token;
  }, 60_000);

  afterAll(async () => {
    await lineops?.stop();
    await exporter?.stop();
  });

  const health = async () => {
    const r = await get("GET", "/api/v1/infrastructure/health", { token: viewer });
    expect(r.status, r.text).toBe(200);
    return (r.body as unknown as { data: InfrastructureHealthSummary }).data;
  };

  it("summarises this host, the node_exporter target, the runtime and each instance", async () => {
    // Rates need two samples of each node: wait until both report CPU use and every instance its memory.
    const h = await waitFor(async () => {
      const s = await health();
      const ready = s.nodes.length === 2 && s.nodes.every((n) => n.up && n.cpu.utilisation !== undefined);
      return ready && s.instances.every((i) => i.residentBytes !== undefined) ? s : undefined;
    }, 30_000);

    const [host, target] = h.nodes;
    expect(host).toMatchObject({ job: "node", instance: hostname(), source: "host", up: true });
    expect(target).toMatchObject({
      job: "node-exporter",
      instance: new URL(exporter!.url).host,
      source: "scrape",
    });
    for (const n of [host!, target!]) {
      expect(n.cpu.cores).toBeGreaterThan(0);
      expect(n.cpu.utilisation).toBeGreaterThanOrEqual(0);
      expect(n.cpu.utilisation).toBeLessThanOrEqual(1);
      expect(n.memory.totalBytes).toBeGreaterThan(0);
      expect(n.memory.utilisation).toBeGreaterThan(0);
      expect(n.disks.length).toBeGreaterThan(0);
      for (const d of n.disks) {
        expect(d.sizeBytes).toBeGreaterThan(0);
        expect(d.usedRatio).toBeGreaterThanOrEqual(0);
        expect(d.fstype).not.toMatch(/^(tmpfs|ramfs|squashfs|overlay)$/);
        // A fresh TSDB: the trend window has seen seconds, not the hour the page waits for.
        expect(d.trendSpanSeconds).toBeGreaterThanOrEqual(0);
        expect(d.trendSpanSeconds).toBeLessThan(3600);
      }
      expect(n.kernel).toBeTruthy();
    }
    // Both read the same machine: the same memory and the same CPUs.
    expect(target!.memory.totalBytes).toBe(host!.memory.totalBytes);
    expect(target!.cpu.cores).toBe(host!.cpu.cores);

    // The runtime's instances, each with its own resources from its own series.
    const list = lineops.runtime.list();
    expect(h.runtime).toMatchObject({ backend: "process", instances: list.length, failed: 0, restarting: 0 });
    expect(h.runtime.byState.ready).toBe(list.filter((i) => i.state === "ready").length);
    expect(h.instances.map((i) => i.id).sort()).toEqual(list.map((i) => i.id).sort());
    for (const i of h.instances) {
      expect(i.residentBytes, i.id).toBeGreaterThan(0);
      expect(i.threads, i.id).toBeGreaterThan(0);
      expect(i.openFds, i.id).toBeGreaterThan(0);
    }
  }, 45_000);

  it("marks a node_exporter target that stopped answering as down", async () => {
    await exporter!.stop();
    exporter = undefined;
    const h = await waitFor(async () => {
      const s = await health();
      return s.nodes.find((n) => n.source === "scrape" && !n.up) ? s : undefined;
    }, 20_000);
    expect(h.nodes.find((n) => n.source === "host")?.up).toBe(true);
  }, 30_000);

  it("refuses an unknown parameter and a bad time with 400 naming it, and anonymous callers with 401", async () => {
    const bad = await get("GET", "/api/v1/infrastructure/health?time=yesterday", { token: viewer });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/time/);
    const unknown = await get("GET", "/api/v1/infrastructure/health?nodes=all", { token: viewer });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/nodes/);
    expect((await get("GET", "/api/v1/infrastructure/health")).status).toBe(401);
  });
});
