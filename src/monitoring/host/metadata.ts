// Type and help of every family HostCollector emits, for /api/v1/metadata. node_memory_* names
// come from whatever /proc/meminfo holds, so the kernel's current fields are listed here; a field
// a newer kernel adds still gets metadata through hostMetricMetadataFor().
import type { HostSample } from "./sample.js";

export type MetricMetadata = { type: "counter" | "gauge"; help: string };

const counter = (help: string): MetricMetadata => ({ type: "counter", help });
const gauge = (help: string): MetricMetadata => ({ type: "gauge", help });

/** node_network_{receive,transmit}_*_total: the per-device counters of /proc/net/dev. */
function networkMetadata(): Record<string, MetricMetadata> {
  const out: Record<string, MetricMetadata> = {};
  const columns = {
    receive: ["bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"],
    transmit: ["bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"],
  };
  for (const [dir, cs] of Object.entries(columns)) {
    for (const c of cs) {
      out[`node_network_${dir}_${c}_total`] = counter(`Network device statistic ${dir}_${c}.`);
    }
  }
  return out;
}

const FIXED: Readonly<Record<string, MetricMetadata>> = {
  node_cpu_seconds_total: counter("Seconds the CPUs spent in each mode."),
  node_cpu_guest_seconds_total: counter("Seconds the CPUs spent in guests (VMs) for each mode."),
  node_load1: gauge("1m load average."),
  node_load5: gauge("5m load average."),
  node_load15: gauge("15m load average."),
  node_boot_time_seconds: gauge("Node boot time, in unixtime."),
  node_time_seconds: gauge("System time in seconds since epoch (1970)."),
  node_context_switches_total: counter("Total number of context switches."),
  node_forks_total: counter("Total number of forks."),
  node_procs_running: gauge("Number of processes in runnable state."),
  node_procs_blocked: gauge("Number of processes blocked waiting for I/O to complete."),
  node_uname_info: gauge("Labeled system information as provided by the uname system call."),
  node_filesystem_size_bytes: gauge("Filesystem size in bytes."),
  node_filesystem_free_bytes: gauge("Filesystem free space in bytes."),
  node_filesystem_avail_bytes: gauge("Filesystem space available to non-root users in bytes."),
  node_filesystem_files: gauge("Filesystem total file nodes."),
  node_filesystem_files_free: gauge("Filesystem total free file nodes."),
  node_filesystem_readonly: gauge("Filesystem read-only status."),
  node_filesystem_device_error: gauge(
    "Whether an error occurred while getting statistics for the given device.",
  ),
  node_disk_reads_completed_total: counter("The total number of reads completed successfully."),
  node_disk_reads_merged_total: counter("The total number of reads merged."),
  node_disk_read_bytes_total: counter("The total number of bytes read successfully."),
  node_disk_read_time_seconds_total: counter("The total number of seconds spent by all reads."),
  node_disk_writes_completed_total: counter("The total number of writes completed successfully."),
  node_disk_writes_merged_total: counter("The number of writes merged."),
  node_disk_written_bytes_total: counter("The total number of bytes written successfully."),
  node_disk_write_time_seconds_total: counter("This is the total number of seconds spent by all writes."),
  node_disk_io_now: gauge("The number of I/Os currently in progress."),
  node_disk_io_time_seconds_total: counter("Total seconds spent doing I/Os."),
  node_disk_io_time_weighted_seconds_total: counter("The weighted # of seconds spent doing I/Os."),
  ...networkMetadata(),
  lineops_instance_cpu_seconds_total: counter(
    "CPU seconds an instance's process spent, by mode (user, system).",
  ),
  lineops_instance_resident_memory_bytes: gauge("Resident memory of an instance's process in bytes."),
  lineops_instance_virtual_memory_bytes: gauge("Virtual memory of an instance's process in bytes."),
  lineops_instance_open_fds: gauge("Open file descriptors of an instance's process."),
  lineops_instance_threads: gauge("Threads of an instance's process."),
  lineops_instance_start_time_seconds: gauge(
    "Start time of an instance's process since the epoch, in seconds.",
  ),
};

/** /proc/meminfo fields of current kernels (5.x–6.x), named as node_exporter names them. */
const MEMINFO_FIELDS = [
  "MemTotal",
  "MemFree",
  "MemAvailable",
  "Buffers",
  "Cached",
  "SwapCached",
  "Active",
  "Inactive",
  "Active_anon",
  "Inactive_anon",
  "Active_file",
  "Inactive_file",
  "Unevictable",
  "Mlocked",
  "SwapTotal",
  "SwapFree",
  "Zswap",
  "Zswapped",
  "Dirty",
  "Writeback",
  "AnonPages",
  "Mapped",
  "Shmem",
  "KReclaimable",
  "Slab",
  "SReclaimable",
  "SUnreclaim",
  "KernelStack",
  "ShadowCallStack",
  "PageTables",
  "SecPageTables",
  "NFS_Unstable",
  "Bounce",
  "WritebackTmp",
  "CommitLimit",
  "Committed_AS",
  "VmallocTotal",
  "VmallocUsed",
  "VmallocChunk",
  "Percpu",
  "HardwareCorrupted",
  "AnonHugePages",
  "ShmemHugePages",
  "ShmemPmdMapped",
  "FileHugePages",
  "FilePmdMapped",
  "CmaTotal",
  "CmaFree",
  "Unaccepted",
  "Balloon",
  "Hugepagesize",
  "Hugetlb",
  "DirectMap4k",
  "DirectMap2M",
  "DirectMap1G",
];
const MEMINFO_COUNTS = ["HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"];

function memoryMetadata(name: string): MetricMetadata {
  return { type: "gauge", help: `Memory information field ${name.slice("node_memory_".length)}.` };
}

let table: Map<string, MetricMetadata> | undefined;

/** The metadata of every host family, keyed by metric name. Do not mutate the returned map. */
export function hostMetricMetadata(): Map<string, MetricMetadata> {
  if (table === undefined) {
    table = new Map();
    for (const [name, m] of Object.entries(FIXED)) {
      table.set(name, m);
    }
    for (const f of MEMINFO_FIELDS) {
      table.set(`node_memory_${f}_bytes`, memoryMetadata(`node_memory_${f}_bytes`));
    }
    for (const f of MEMINFO_COUNTS) {
      table.set(`node_memory_${f}`, memoryMetadata(`node_memory_${f}`));
    }
  }
  return table;
}

/** The metadata for the names in `samples`, including node_memory_* fields unknown to the table. */
export function hostMetricMetadataFor(samples: readonly HostSample[]): Map<string, MetricMetadata> {
  const known = hostMetricMetadata();
  const out = new Map<string, MetricMetadata>();
  for (const s of samples) {
    const name = s.labels.__name__ ?? "";
    if (out.has(name)) {
      continue;
    }
    const m = known.get(name) ?? (name.startsWith("node_memory_") ? memoryMetadata(name) : undefined);
    if (m) {
      out.set(name, m);
    }
  }
  return out;
}
