// Exact parsing against a fake procRoot (fixtures/proc), and partial results without a throw for
// truncated or malformed files (fixtures/broken) and for a procRoot that does not exist.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { HostSample } from "./sample.js";
import { HostCollector } from "./collector.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const T = 1_700_000_123_456;

function find(samples: readonly HostSample[], name: string, labels: Record<string, string> = {}): number[] {
  return samples
    .filter((s) => s.labels.__name__ === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

function names(samples: readonly HostSample[]): Set<string> {
  return new Set(samples.map((s) => s.labels.__name__ ?? ""));
}

describe("HostCollector on fixtures/proc", async () => {
  const c = new HostCollector({ procRoot: `${FIXTURES}proc`, userHz: 100 });
  const samples = await c.collect(T, [
    { pid: 4242, labels: { service: "line-controller", instance: "lc-1" } },
    { pid: 99999999, labels: { service: "gone", instance: "g-1" } },
  ]);

  it("reads per-CPU seconds by mode, skipping the aggregate line", () => {
    expect(find(samples, "node_cpu_seconds_total", { cpu: "0", mode: "user" })).toEqual([1]);
    expect(find(samples, "node_cpu_seconds_total", { cpu: "1", mode: "system" })).toEqual([1.4]);
    expect(find(samples, "node_cpu_seconds_total", { cpu: "0", mode: "idle" })).toEqual([50]);
    expect(find(samples, "node_cpu_seconds_total", { cpu: "1", mode: "steal" })).toEqual([0.02]);
    expect(find(samples, "node_cpu_guest_seconds_total", { cpu: "0", mode: "nice" })).toEqual([0.01]);
    expect(find(samples, "node_cpu_seconds_total")).toHaveLength(16);
    expect(samples.some((s) => s.labels.cpu === "")).toBe(false);
  });

  it("reads the /proc/stat scalars", () => {
    expect(find(samples, "node_boot_time_seconds")).toEqual([1_700_000_000]);
    expect(find(samples, "node_context_switches_total")).toEqual([987_654]);
    expect(find(samples, "node_forks_total")).toEqual([4321]);
    expect(find(samples, "node_procs_running")).toEqual([3]);
    expect(find(samples, "node_procs_blocked")).toEqual([1]);
    expect(find(samples, "node_time_seconds")).toEqual([T / 1000]);
  });

  it("names meminfo fields as node_exporter does, in bytes", () => {
    expect(find(samples, "node_memory_MemTotal_bytes")).toEqual([16_000_000 * 1024]);
    expect(find(samples, "node_memory_MemAvailable_bytes")).toEqual([12_000_000 * 1024]);
    expect(find(samples, "node_memory_SwapFree_bytes")).toEqual([3_500_000 * 1024]);
    expect(find(samples, "node_memory_Active_anon_bytes")).toEqual([1548 * 1024]);
    expect(find(samples, "node_memory_HugePages_Total")).toEqual([7]);
    expect(find(samples, "node_memory_Hugepagesize_bytes")).toEqual([2048 * 1024]);
    expect([...names(samples)].filter((n) => n.startsWith("node_memory_"))).toHaveLength(10);
  });

  it("reads load averages", () => {
    expect(find(samples, "node_load1")).toEqual([0.5]);
    expect(find(samples, "node_load5")).toEqual([1.25]);
    expect(find(samples, "node_load15")).toEqual([2]);
  });

  it("reads disk counters in bytes and seconds, skipping partitions and loop devices", () => {
    expect(find(samples, "node_disk_reads_completed_total", { device: "vda" })).toEqual([100]);
    expect(find(samples, "node_disk_read_bytes_total", { device: "vda" })).toEqual([2000 * 512]);
    expect(find(samples, "node_disk_writes_completed_total", { device: "vda" })).toEqual([50]);
    expect(find(samples, "node_disk_written_bytes_total", { device: "vda" })).toEqual([1000 * 512]);
    expect(find(samples, "node_disk_io_time_seconds_total", { device: "vda" })).toEqual([1.5]);
    expect(find(samples, "node_disk_io_now", { device: "vda" })).toEqual([1]);
    // An 11-counter line (pre-4.18 kernel) still parses.
    expect(find(samples, "node_disk_io_time_weighted_seconds_total", { device: "sdb" })).toEqual([0.011]);
    const devices = new Set(
      samples.filter((s) => s.labels.__name__?.startsWith("node_disk_")).map((s) => s.labels.device),
    );
    expect([...devices].sort()).toEqual(["sdb", "vda"]);
  });

  it("reads network counters per device, including lo and counters glued to the colon", () => {
    expect(find(samples, "node_network_receive_bytes_total", { device: "eth0" })).toEqual([123_456_789]);
    expect(find(samples, "node_network_receive_packets_total", { device: "eth0" })).toEqual([200]);
    expect(find(samples, "node_network_receive_errs_total", { device: "eth0" })).toEqual([1]);
    expect(find(samples, "node_network_receive_multicast_total", { device: "eth0" })).toEqual([6]);
    expect(find(samples, "node_network_transmit_bytes_total", { device: "eth0" })).toEqual([98_765]);
    expect(find(samples, "node_network_transmit_packets_total", { device: "eth0" })).toEqual([100]);
    expect(find(samples, "node_network_transmit_errs_total", { device: "eth0" })).toEqual([7]);
    expect(find(samples, "node_network_transmit_compressed_total", { device: "eth0" })).toEqual([12]);
    expect(find(samples, "node_network_receive_bytes_total", { device: "lo" })).toEqual([1000]);
  });

  it("filters, dedups and unescapes mounts; a failing statfs gives device_error 1", () => {
    const fs = samples.filter((s) => s.labels.__name__ === "node_filesystem_device_error");
    expect(fs.map((s) => [s.labels.mountpoint, s.labels.device, s.labels.fstype, s.value])).toEqual([
      ["/", "/dev/vda", "ext4", 0],
      ["/srv/with space", "/dev/vdb", "ext4", 1],
    ]);
    expect(find(samples, "node_filesystem_size_bytes", { mountpoint: "/" })[0]).toBeGreaterThan(0);
    expect(find(samples, "node_filesystem_readonly", { mountpoint: "/" })).toEqual([0]);
    expect(find(samples, "node_filesystem_size_bytes", { mountpoint: "/srv/with space" })).toEqual([]);
  });

  it("reads uname info from sys/kernel", () => {
    const u = samples.filter((s) => s.labels.__name__ === "node_uname_info");
    expect(u).toHaveLength(1);
    expect(u[0]?.labels).toMatchObject({
      sysname: "Linux",
      release: "6.1.0-test",
      version: "#1 SMP Test",
      nodename: "fixture-host",
      domainname: "(none)",
    });
    expect(u[0]?.value).toBe(1);
  });

  it("reads a process under the caller's labels, even with ') ' in its name", () => {
    const l = { service: "line-controller", instance: "lc-1" };
    expect(find(samples, "lineops_instance_cpu_seconds_total", { ...l, mode: "user" })).toEqual([2.5]);
    expect(find(samples, "lineops_instance_cpu_seconds_total", { ...l, mode: "system" })).toEqual([0.5]);
    expect(find(samples, "lineops_instance_resident_memory_bytes", l)).toEqual([10240 * 1024]);
    expect(find(samples, "lineops_instance_virtual_memory_bytes", l)).toEqual([102_400 * 1024]);
    expect(find(samples, "lineops_instance_threads", l)).toEqual([9]);
    expect(find(samples, "lineops_instance_open_fds", l)).toEqual([4]);
    expect(find(samples, "lineops_instance_start_time_seconds", l)).toEqual([1_700_000_000 + 123.45]);
  });

  it("emits nothing for a pid that does not exist", () => {
    expect(samples.filter((s) => s.labels.service === "gone")).toEqual([]);
  });

  it("applies caller-given exclude regexes", async () => {
    const c2 = new HostCollector({
      procRoot: `${FIXTURES}proc`,
      userHz: 100,
      netDevicesExclude: "^lo$",
      diskDevicesExclude: "^sd",
      mountPointsExclude: "^/srv",
    });
    const s2 = await c2.collect(T, []);
    expect(find(s2, "node_network_receive_bytes_total", { device: "lo" })).toEqual([]);
    expect(find(s2, "node_network_receive_bytes_total", { device: "eth0" })).toHaveLength(1);
    expect(find(s2, "node_disk_reads_completed_total", { device: "sdb" })).toEqual([]);
    // The default partition filter no longer applies once the caller gives its own.
    expect(find(s2, "node_disk_reads_completed_total", { device: "vda1" })).toEqual([90]);
    // A caller's mount-point regex replaces the default one: /dev is no longer skipped, /srv is.
    const mps = s2
      .filter((x) => x.labels.__name__ === "node_filesystem_device_error")
      .map((x) => x.labels.mountpoint);
    expect(mps.sort()).toEqual(["/", "/dev/shm"]);
  });

  it("rejects an invalid regex at construction with a stable code", () => {
    expect(() => new HostCollector({ fsTypesExclude: "(" })).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_HOST_BAD_OPTION" }),
    );
    expect(() => new HostCollector({ userHz: 0 })).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_HOST_BAD_OPTION" }),
    );
  });
});

describe("HostCollector on malformed and missing files", () => {
  it("returns what it can parse from truncated files, without throwing", async () => {
    const c = new HostCollector({ procRoot: `${FIXTURES}broken`, userHz: 100 });
    const s = await c.collect(T, [{ pid: 4242, labels: { service: "s", instance: "i" } }]);
    // /proc/stat: cpu0 has a bad column (skipped alone), cpu1 has none; btime is not a number.
    expect(find(s, "node_cpu_seconds_total", { cpu: "0" }).sort()).toEqual([0.03, 0.1]);
    expect(find(s, "node_cpu_seconds_total", { cpu: "1" })).toEqual([]);
    expect(find(s, "node_boot_time_seconds")).toEqual([]);
    expect(find(s, "node_context_switches_total")).toEqual([]);
    expect(find(s, "node_forks_total")).toEqual([12]);
    expect(find(s, "node_memory_MemTotal_bytes")).toEqual([]);
    expect(find(s, "node_memory_Buffers_bytes")).toEqual([102_400]);
    expect(find(s, "node_load1")).toEqual([0.5]);
    expect(find(s, "node_load5")).toEqual([]);
    expect(find(s, "node_disk_reads_completed_total", { device: "vda" })).toEqual([]);
    expect(find(s, "node_disk_reads_completed_total", { device: "vdb" })).toEqual([1]);
    expect(find(s, "node_network_receive_bytes_total", { device: "lo" })).toEqual([1]);
    expect(find(s, "node_network_transmit_bytes_total", { device: "lo" })).toEqual([]);
    expect(s.filter((x) => x.labels.device === "")).toEqual([]);
    expect(find(s, "node_filesystem_device_error")).toEqual([]);
    expect(find(s, "node_uname_info")).toEqual([]);
    expect(s.filter((x) => x.labels.service === "s")).toEqual([]);
    expect(s.every((x) => Number.isFinite(x.value))).toBe(true);
  });

  it("returns only node_time_seconds for a procRoot that does not exist", async () => {
    const c = new HostCollector({ procRoot: `${FIXTURES}no-such-root`, userHz: 100 });
    const s = await c.collect(T, [{ pid: 1, labels: { service: "s", instance: "i" } }]);
    expect(s).toEqual([{ labels: { __name__: "node_time_seconds" }, value: T / 1000 }]);
  });
});
