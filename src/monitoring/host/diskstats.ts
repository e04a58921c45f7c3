// /proc/diskstats as node_exporter's diskstats collector names it (counters per device; sectors are
// always 512 bytes in this file, whatever the device's real sector size).
import type { Regex } from "../../model/regexp.js";
import type { HostSample } from "./sample.js";
import { fieldsOf, num } from "./sample.js";

const SECTOR_BYTES = 512;

/** Column (after major, minor, name) of each counter, its name, and the factor to its unit. */
const COLUMNS: readonly (readonly [number, string, number])[] = [
  [0, "node_disk_reads_completed_total", 1],
  [1, "node_disk_reads_merged_total", 1],
  [2, "node_disk_read_bytes_total", SECTOR_BYTES],
  [3, "node_disk_read_time_seconds_total", 0.001],
  [4, "node_disk_writes_completed_total", 1],
  [5, "node_disk_writes_merged_total", 1],
  [6, "node_disk_written_bytes_total", SECTOR_BYTES],
  [7, "node_disk_write_time_seconds_total", 0.001],
  [8, "node_disk_io_now", 1],
  [9, "node_disk_io_time_seconds_total", 0.001],
  [10, "node_disk_io_time_weighted_seconds_total", 0.001],
];

/** The kernel has written at least these 11 counters since 2.6; a shorter line is truncated. */
const MIN_FIELDS = 3 + 11;

export function parseDiskstats(text: string, exclude: Regex | undefined, out: HostSample[]): void {
  for (const line of text.split("\n")) {
    const f = fieldsOf(line);
    if (f.length < MIN_FIELDS) {
      continue;
    }
    const device = f[2] ?? "";
    if (exclude?.matches(device)) {
      continue;
    }
    for (const [col, name, factor] of COLUMNS) {
      const v = num(f[3 + col]);
      if (Number.isFinite(v)) {
        out.push({ labels: { __name__: name, device }, value: v * factor });
      }
    }
  }
}
