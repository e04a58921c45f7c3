// Resource use of a process and a directory, read from /proc and the file system (Linux only).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, lstatSync } from "node:fs";
import path from "node:path";

let ticks: number | undefined;

/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** User + system CPU seconds used so far by the process (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 counting from field 3 (state).
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  return statusBytes(pid, "VmRSS");
}

/** The peak resident set size in bytes (VmHWM), as the kernel kept it. */
export function peakRssBytes(pid: number): number {
  return statusBytes(pid, "VmHWM");
}

function statusBytes(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Total size of the regular files under dir: apparent bytes and bytes allocated on disk. */
export function dirBytes(dir: string): { bytes: number; allocated: number } {
  let bytes = 0;
  let allocated = 0;
  const walk = (d: string, depth: number) => {
    if (depth > 16) {
      return;
    }
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) {
        continue;
      }
      if (st.isDirectory()) {
        walk(p, depth + 1);
      } else if (st.isFile()) {
        bytes += st.size;
        allocated += st.blocks * 512;
      }
    }
  };
  walk(dir, 0);
  return { bytes, allocated };
}

/** dirBytes of each top-level entry of dir (a file counts as itself), largest first. */
export function dirBreakdown(dir: string): Record<string, number> {
  const out: Array<[string, number]> = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return {};
  }
  for (const name of names) {
    const p = path.join(dir, name);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      out.push([name, dirBytes(p).bytes]);
    } else if (st?.isFile()) {
      out.push([name, st.size]);
    }
  }
  return Object.fromEntries(out.sort((a, b) => b[1] - a[1]));
}
