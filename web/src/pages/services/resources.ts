// Resource use of the line's instances, read from the process series lineops's host collector
// writes (lineops_instance_cpu_seconds_total, lineops_instance_resident_memory_bytes), pushed over
// the live stream as query subscriptions.
//
// Each instance's process has series of its own (its scrape labels plus `instance_id`). Samples
// written before that (job="node", the host's `instance`, only `service` to tell them apart) are
// still read for the rest of the range: an instance known only through them is marked shared.
import type { Labels } from "../../api/prometheus.js";
import type { InstanceView } from "./api.js";

/** CPU in cores (user + system), over one minute. */
export const CPU_QUERY = "sum without (mode) (rate(lineops_instance_cpu_seconds_total[1m]))";
/** Resident memory in MiB (bytes would not fit the chart's axis labels). */
export const RSS_QUERY = "lineops_instance_resident_memory_bytes / 1048576";
export const MIB = 1048576;
/** What the charts show: the last 15 minutes. */
export const RESOURCE_RANGE_S = 15 * 60;

export type Head = { metric: Labels; value: [number, string] }[];

export type Usage =
  /** The series is this instance's own. */
  | { kind: "own"; value: number }
  /** The series is shared by the service's instances (see above): the value belongs to one of them. */
  | { kind: "shared"; value: number; instances: number }
  | { kind: "none" };

/** Live instances: the ones the collector reads /proc for (they have a process). */
export function liveInstances(instances: readonly InstanceView[]): InstanceView[] {
  return instances.filter((i) => i.pid !== undefined && i.state !== "stopped" && i.state !== "failed");
}

/**
 * The usage to show for a service's instances from a query's latest values (`head`): a series
 * whose labels name an instance id belongs to that instance (how separated series will read once
 * P11 lands); otherwise the service's one series, own when it has one live instance, shared when more.
 */
export function usageByInstance(head: Head, instances: readonly InstanceView[]): Map<string, Usage> {
  const out = new Map<string, Usage>();
  const live = liveInstances(instances);
  for (const i of instances) {
    const own = head.find((s) => Object.values(s.metric).includes(i.id));
    const shared = head.find((s) => s.metric.service === i.service);
    const value = (s: Head[number] | undefined) => (s === undefined ? NaN : Number(s.value[1]));
    if (own !== undefined && Number.isFinite(value(own))) {
      out.set(i.id, { kind: "own", value: value(own) });
    } else if (!live.some((l) => l.id === i.id) || !Number.isFinite(value(shared))) {
      out.set(i.id, { kind: "none" });
    } else if (live.length === 1) {
      out.set(i.id, { kind: "own", value: value(shared) });
    } else {
      out.set(i.id, { kind: "shared", value: value(shared), instances: live.length });
    }
  }
  return out;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(1)} ${BYTE_UNITS[u]}`;
}

/** Cores as millicores below one core ("120m"), as in resources.cpu; cores above ("1.25"). */
export function formatCores(cores: number): string {
  return cores < 1 ? `${Math.round(cores * 1000)}m` : cores.toFixed(2);
}

/** "3m 12s ago"-style age of a past time (ms), for "ready since". */
export function formatAge(sinceMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${s % 60}s`;
  }
  const h = Math.floor(m / 60);
  if (h < 48) {
    return `${h}h ${m % 60}m`;
  }
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
