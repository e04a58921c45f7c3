// Per-instance process series on the REAL process runtime: two replicas of one service and two
// stations of another are four processes, and must be four series of each lineops_instance_*
// family, each with its own instance's labels; the host-wide families keep job="node" and the
// host name. (Before P11 all four wrote one series per service under the host's labels.)
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lineops } from "../../main.js";
import { sampleService, tempDir } from "../../test-support/line.js";
import { startSettledLineops } from "../../test-support/lineops.js";
import { waitFor } from "../../test-support/wait.js";

const FAMILIES = [
  "lineops_instance_cpu_seconds_total",
  "lineops_instance_resident_memory_bytes",
  "lineops_instance_threads",
  "lineops_instance_open_fds",
] as const;

describe("per-instance resource series (real process runtime)", () => {
  let lineops: Lineops;
  const dir = tempDir("lineops-instance-series-");

  beforeAll(async () => {
    const lineFile = path.join(dir, "line.yaml");
    writeFileSync(
      lineFile,
      `line:
  name: series-line
services:
${sampleService("plc-gateway", { extra: "    replicas: 2\n" })}${sampleService("station-controller", {
        extra: '    stations: ["1", "2"]\n    dependsOn: [plc-gateway]\n',
      })}`,
    );
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      "monitoring: { scrapeInterval: 500ms, scrapeTimeout: 400ms, host: { enabled: true, interval: 300ms } }\n",
    );
    lineops = await startSettledLineops(dir, lineFile, { configFile: path.join(dir, "lineops.yaml") });
  }, 60_000);

  afterAll(async () => {
    await lineops?.stop();
  });

  it("writes one series per instance and family, labelled as that instance's scrape", async () => {
    const instances = lineops.runtime
      .list()
      .filter((i) => i.state === "ready" && i.pid !== undefined)
      .filter((i) => i.service === "plc-gateway" || i.service === "station-controller");
    expect(instances).toHaveLength(4);
    const q = async (expr: string) => {
      const v = await lineops.monitoring.querier.instant(expr, Date.now());
      return v.type === "vector" ? v.samples.map((s) => ({ labels: s.labels, value: s.v })) : [];
    };
    // Each family has a series for every instance id (cpu has two: user and system).
    await waitFor(async () => {
      for (const f of FAMILIES) {
        const ids = new Set((await q(f)).map((s) => s.labels.instance_id));
        if (!instances.every((i) => ids.has(i.id))) {
          return false;
        }
      }
      return true;
    }, 20_000);

    for (const f of FAMILIES) {
      const series = await q(`${f}{mode!="system", service=~"plc-gateway|station-controller"}`);
      expect(series, f).toHaveLength(4);
      for (const i of instances) {
        const own = series.filter((s) => s.labels.instance_id === i.id);
        expect(own, `${f} of ${i.id}`).toHaveLength(1);
        const labels = own[0]?.labels ?? {};
        // The instance's scrape labels: they join with its `up` and its own metrics.
        expect(labels).toMatchObject({
          job: i.service,
          instance: `${i.host}:${i.port}`,
          service: i.service,
          revision: i.revision,
          version: i.version,
        });
        expect(labels.station).toBe(i.station);
        expect(own[0]?.value).toBeGreaterThan(0);
      }
      // Four distinct (job, instance) pairs: nothing merged.
      expect(new Set(series.map((s) => `${s.labels.job}/${s.labels.instance}`)).size).toBe(4);
      expect(series.some((s) => s.labels.instance === hostname())).toBe(false);
    }
    // Each station's process is a series of its own, and so is each replica.
    const stations = await q('lineops_instance_resident_memory_bytes{service="station-controller"}');
    expect(stations.map((s) => s.labels.station).sort()).toEqual(["1", "2"]);
    const replicas = await q('lineops_instance_threads{service="plc-gateway"}');
    expect(new Set(replicas.map((s) => s.labels.instance_id)).size).toBe(2);

    // The per-instance series join one-to-one with the instance's scrape health, once every
    // instance's first scrape has committed its `up` (the resource series can come first).
    await waitFor(async () => (await q('up{job=~"plc-gateway|station-controller"}')).length === 4, 20_000);
    const joined = await q(
      'lineops_instance_resident_memory_bytes * on (job, instance) group_left () up{job=~"plc-gateway|station-controller"}',
    );
    expect(joined).toHaveLength(4);

    // Host-wide families keep the node_exporter identity.
    const host = await q("node_memory_MemTotal_bytes");
    expect(host.map((s) => [s.labels.job, s.labels.instance])).toEqual([["node", hostname()]]);
  }, 40_000);
});
