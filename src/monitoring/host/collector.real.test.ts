// HostCollector against this machine's real /proc: values that must hold on any Linux host, and a
// spawned child process whose CPU counters must never go backwards.
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { HostCollector } from "./collector.js";
import { hostMetricMetadata } from "./metadata.js";
import type { HostSample } from "./sample.js";
import { waitFor } from "../../test-support/wait.js";

function values(samples: readonly HostSample[], name: string, labels: Record<string, string> = {}): number[] {
  return samples
    .filter((s) => s.labels.__name__ === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe("HostCollector on the real /proc", () => {
  const c = new HostCollector();
  // Burns a little CPU every 5 ms so that its utime grows while the test watches; exits by itself.
  const child = spawn(
    process.execPath,
    [
      "-e",
      "const end = Date.now() + 20000; const t = setInterval(() => { let x = 0; for (let i = 0; i < 2e5; i++) x += i; if (Date.now() > end) clearInterval(t); }, 5);",
    ],
    { stdio: "ignore" },
  );
  afterAll(() => {
    child.kill("SIGKILL");
  });
  const labels = { service: "burner", instance: "b-1" };

  it("reports sane host values", async () => {
    const s = await c.collect(Date.now(), []);
    const total = values(s, "node_memory_MemTotal_bytes");
    const avail = values(s, "node_memory_MemAvailable_bytes");
    expect(total).toHaveLength(1);
    expect(avail).toHaveLength(1);
    expect(avail[0]).toBeLessThanOrEqual(total[0] ?? 0);
    expect(total[0]).toBeGreaterThan(64 * 1024 * 1024);
    expect(values(s, "node_filesystem_size_bytes").length).toBeGreaterThanOrEqual(1);
    expect(values(s, "node_network_receive_bytes_total", { device: "lo" })).toHaveLength(1);
    expect(values(s, "node_load1")).toHaveLength(1);
    expect(values(s, "node_boot_time_seconds")[0]).toBeLessThan(Date.now() / 1000);
    expect(values(s, "node_uname_info")).toEqual([1]);
    const cpus = new Set(
      s.filter((x) => x.labels.__name__ === "node_cpu_seconds_total").map((x) => x.labels.cpu),
    );
    expect(cpus.size).toBeGreaterThanOrEqual(1);
    // Every family emitted has metadata for /api/v1/metadata.
    const meta = hostMetricMetadata();
    const missing = [...new Set(s.map((x) => x.labels.__name__ ?? ""))].filter((n) => !meta.has(n));
    expect(missing).toEqual([]);
  });

  it("sees CPU seconds increase between two collections", async () => {
    const first = sum(values(await c.collect(Date.now(), []), "node_cpu_seconds_total"));
    const later = await waitFor(
      async () => {
        const v = sum(values(await c.collect(Date.now(), []), "node_cpu_seconds_total"));
        return v > first ? v : undefined;
      },
      5000,
      "node_cpu_seconds_total to grow",
    );
    expect(later).toBeGreaterThan(first);
  });

  it("reads a spawned child's RSS, fds, threads, start time and monotonic CPU", async () => {
    const pid = child.pid ?? -1;
    const seen: number[] = [];
    await waitFor(
      async () => {
        const s = await c.collect(Date.now(), [{ pid, labels }]);
        const user = values(s, "lineops_instance_cpu_seconds_total", { ...labels, mode: "user" });
        const sys = values(s, "lineops_instance_cpu_seconds_total", { ...labels, mode: "system" });
        expect(user).toHaveLength(1);
        expect(sys).toHaveLength(1);
        seen.push((user[0] ?? 0) + (sys[0] ?? 0));
        expect(values(s, "lineops_instance_resident_memory_bytes", labels)[0]).toBeGreaterThan(0);
        const vm = values(s, "lineops_instance_virtual_memory_bytes", labels)[0] ?? 0;
        expect(vm).toBeGreaterThanOrEqual(
          values(s, "lineops_instance_resident_memory_bytes", labels)[0] ?? 0,
        );
        expect(values(s, "lineops_instance_open_fds", labels)[0]).toBeGreaterThanOrEqual(3);
        expect(values(s, "lineops_instance_threads", labels)[0]).toBeGreaterThanOrEqual(1);
        const start = values(s, "lineops_instance_start_time_seconds", labels)[0] ?? 0;
        expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(120);
        // Done once the counter has moved at least twice.
        return new Set(seen).size >= 3;
      },
      10_000,
      "the child's CPU seconds to grow",
    );
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
    }
  });

  it("drops a process's samples once it has exited", async () => {
    const short = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    const pid = short.pid ?? -1;
    await new Promise((r) => short.once("exit", r));
    const s = await c.collect(Date.now(), [{ pid, labels: { service: "short", instance: "s-1" } }]);
    expect(s.filter((x) => x.labels.service === "short")).toEqual([]);
  });
});
