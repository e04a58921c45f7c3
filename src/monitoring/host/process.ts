// Per-instance process metrics from /proc/<pid>/{stat,status,fd}: CPU by user/system, resident
// and virtual memory, open fds, threads and start time, under the caller's labels.
import { readdir, readFile } from "node:fs/promises";
import type { Labels } from "../model.js";
import type { HostSample } from "./sample.js";
import { fieldsOf, num } from "./sample.js";

export type ProcStatFields = { utime: number; stime: number; threads: number; startTicks: number };

/**
 * Fields of /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain
 * spaces and ")", so fields are counted from the last ")"; the result is null when truncated.
 */
export function parsePidStat(text: string): ProcStatFields | null {
  const close = text.lastIndexOf(")");
  if (close < 0) {
    return null;
  }
  // f[0] is field 3 (state), so field n is f[n - 3].
  const f = fieldsOf(text.slice(close + 1));
  const utime = num(f[14 - 3]);
  const stime = num(f[15 - 3]);
  const threads = num(f[20 - 3]);
  const startTicks = num(f[22 - 3]);
  if (![utime, stime, threads, startTicks].every(Number.isFinite)) {
    return null;
  }
  return { utime, stime, threads, startTicks };
}

export type PidStatus = { rssBytes?: number; vmBytes?: number };

/** VmRSS and VmSize of /proc/<pid>/status (absent for kernel threads and zombies). */
export function parsePidStatus(text: string): PidStatus {
  const out: PidStatus = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("Vm")) {
      continue;
    }
    const colon = line.indexOf(":");
    const key = line.slice(0, colon);
    if (key !== "VmRSS" && key !== "VmSize") {
      continue;
    }
    const f = fieldsOf(line.slice(colon + 1));
    const v = num(f[0]);
    if (!Number.isFinite(v) || f[1] !== "kB") {
      continue;
    }
    if (key === "VmRSS") {
      out.rssBytes = v * 1024;
    } else {
      out.vmBytes = v * 1024;
    }
  }
  return out;
}

/** Emits one process's samples; a process that has exited (or any unreadable file) emits less. */
export async function readProcess(
  procRoot: string,
  pid: number,
  labels: Labels,
  userHz: number,
  bootTime: number | undefined,
  out: HostSample[],
): Promise<void> {
  const dir = `${procRoot}/${pid}`;
  const [statText, statusText, fds] = await Promise.all([
    readFile(`${dir}/stat`, "utf8").catch(() => undefined),
    readFile(`${dir}/status`, "utf8").catch(() => undefined),
    readdir(`${dir}/fd`).catch(() => undefined),
  ]);
  const push = (name: string, value: number, mode?: string): void => {
    const l: Record<string, string> = { ...labels, __name__: name };
    if (mode !== undefined) {
      l.mode = mode;
    }
    out.push({ labels: l, value });
  };
  const st = statText === undefined ? null : parsePidStat(statText);
  if (st) {
    push("lineops_instance_cpu_seconds_total", st.utime / userHz, "user");
    push("lineops_instance_cpu_seconds_total", st.stime / userHz, "system");
    push("lineops_instance_threads", st.threads);
    if (bootTime !== undefined) {
      push("lineops_instance_start_time_seconds", bootTime + st.startTicks / userHz);
    }
  }
  if (statusText !== undefined) {
    const s = parsePidStatus(statusText);
    if (s.rssBytes !== undefined) {
      push("lineops_instance_resident_memory_bytes", s.rssBytes);
    }
    if (s.vmBytes !== undefined) {
      push("lineops_instance_virtual_memory_bytes", s.vmBytes);
    }
  }
  if (fds !== undefined) {
    push("lineops_instance_open_fds", fds.length);
  }
}
