// HostCollector against a real prometheus-node-exporter on this machine: every node_* name we emit
// must exist in its output with the same TYPE, device/mount/CPU label sets must agree under the
// same filters, and MemTotal must be equal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DISK_DEVICES_EXCLUDE, HostCollector } from "./collector.js";
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from "./filesystem.js";
import { hostMetricMetadata } from "./metadata.js";
import type { HostSample } from "./sample.js";
import type { Exposition, RunningExporter } from "./test-support/node-exporter.js";
import { parseExposition, startNodeExporter } from "./test-support/node-exporter.js";

// Debian's build changes some defaults (it skips lo, /run, /mnt, /media); pass upstream's so both
// sides filter alike, and run only the collectors HostCollector mirrors.
const EXPORTER_ARGS = [
  "--collector.disable-defaults",
  ...["cpu", "meminfo", "loadavg", "filesystem", "diskstats", "netdev", "stat", "time", "uname"].map(
    (c) => `--collector.${c}`,
  ),
  `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`,
  `--collector.filesystem.fs-types-exclude=${DEFAULT_FS_TYPES_EXCLUDE}`,
  `--collector.diskstats.device-exclude=${DEFAULT_DISK_DEVICES_EXCLUDE}`,
  "--collector.netdev.device-exclude=^$",
];

function labelSet(
  samples: readonly { labels: Readonly<Record<string, string>> }[],
  keys: readonly string[],
): string[] {
  return [...new Set(samples.map((s) => keys.map((k) => s.labels[k] ?? "").join("|")))].sort();
}

describe("HostCollector vs prometheus-node-exporter", () => {
  let exporter: RunningExporter | undefined;
  let theirs: Exposition;
  let ours: HostSample[];

  beforeAll(async () => {
    exporter = await startNodeExporter(EXPORTER_ARGS);
    const [res, mine] = await Promise.all([fetch(exporter.url), new HostCollector().collect(Date.now(), [])]);
    theirs = parseExposition(await res.text());
    ours = mine;
  });
  afterAll(async () => {
    await exporter?.stop();
  });

  const ourNames = (): string[] =>
    [...new Set(ours.map((s) => s.labels.__name__ ?? ""))].filter((n) => n.startsWith("node_")).sort();

  it("emits only node_* names that node_exporter emits, with the same type", () => {
    const theirNames = new Set(theirs.samples.map((s) => s.name));
    expect(ourNames().length).toBeGreaterThan(30);
    expect(ourNames().filter((n) => !theirNames.has(n))).toEqual([]);
    const meta = hostMetricMetadata();
    const typeMismatches = ourNames()
      .filter((n) => meta.get(n)?.type !== theirs.types.get(n))
      .map((n) => `${n}: ours ${meta.get(n)?.type}, theirs ${theirs.types.get(n)}`);
    expect(typeMismatches).toEqual([]);
  });

  it("emits every node_memory_* field node_exporter does", () => {
    const theirMem = [...new Set(theirs.samples.map((s) => s.name))].filter((n) =>
      n.startsWith("node_memory_"),
    );
    expect(ourNames().filter((n) => n.startsWith("node_memory_"))).toEqual(theirMem.sort());
  });

  it("has the same MemTotal", () => {
    const theirTotal = theirs.samples
      .filter((s) => s.name === "node_memory_MemTotal_bytes")
      .map((s) => s.value);
    const ourTotal = ours
      .filter((s) => s.labels.__name__ === "node_memory_MemTotal_bytes")
      .map((s) => s.value);
    expect(ourTotal).toHaveLength(1);
    expect(ourTotal).toEqual(theirTotal);
  });

  it("reports the same filesystems, disks, network devices and CPU modes", () => {
    const pick = (name: string) => ({
      ours: ours.filter((s) => s.labels.__name__ === name),
      theirs: theirs.samples.filter((s) => s.name === name),
    });
    for (const [name, keys] of [
      ["node_filesystem_size_bytes", ["device", "mountpoint", "fstype"]],
      ["node_filesystem_readonly", ["device", "mountpoint", "fstype"]],
      ["node_disk_read_bytes_total", ["device"]],
      ["node_network_receive_bytes_total", ["device"]],
      ["node_cpu_seconds_total", ["cpu", "mode"]],
      ["node_cpu_guest_seconds_total", ["cpu", "mode"]],
      ["node_uname_info", ["sysname", "release", "version", "machine", "nodename", "domainname"]],
    ] as const) {
      const p = pick(name);
      expect(labelSet(p.ours, keys), name).toEqual(labelSet(p.theirs, keys));
    }
    expect(labelSet(pick("node_network_receive_bytes_total").ours, ["device"])).toContain("lo");
  });
});
