// /proc/stat: per-CPU time by mode, boot time, context switches, forks and process states, named
// as node_exporter's cpu and stat collectors name them.
import type { HostSample } from "./sample.js";
import { fieldsOf, num } from "./sample.js";

/** The mode of each /proc/stat cpu column, in kernel order; guest columns go to their own family. */
const CPU_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;
const GUEST_MODES = ["user", "nice"] as const;

export type CpuTimes = { cpu: string; ticks: number[] };

export type ProcStat = {
  cpus: CpuTimes[];
  bootTime?: number;
  contextSwitches?: number;
  forks?: number;
  procsRunning?: number;
  procsBlocked?: number;
};

export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = { cpus: [] };
  for (const line of text.split("\n")) {
    if (line.length === 0) {
      continue;
    }
    const f = fieldsOf(line);
    const key = f[0] ?? "";
    // "cpu" alone is the sum of all CPUs; node_exporter reports only the per-CPU lines.
    if (key.startsWith("cpu") && key.length > 3) {
      const ticks: number[] = [];
      for (let i = 1; i < f.length; i++) {
        ticks.push(num(f[i]));
      }
      out.cpus.push({ cpu: key.slice(3), ticks });
      continue;
    }
    const v = num(f[1]);
    if (!Number.isFinite(v)) {
      continue;
    }
    switch (key) {
      case "btime":
        out.bootTime = v;
        break;
      case "ctxt":
        out.contextSwitches = v;
        break;
      case "processes":
        out.forks = v;
        break;
      case "procs_running":
        out.procsRunning = v;
        break;
      case "procs_blocked":
        out.procsBlocked = v;
        break;
      default:
        break;
    }
  }
  return out;
}

export function emitProcStat(s: ProcStat, userHz: number, out: HostSample[]): void {
  for (const c of s.cpus) {
    for (let i = 0; i < CPU_MODES.length; i++) {
      const t = c.ticks[i];
      if (t !== undefined && Number.isFinite(t)) {
        out.push({
          labels: { __name__: "node_cpu_seconds_total", cpu: c.cpu, mode: CPU_MODES[i] ?? "" },
          value: t / userHz,
        });
      }
    }
    for (let i = 0; i < GUEST_MODES.length; i++) {
      const t = c.ticks[CPU_MODES.length + i];
      if (t !== undefined && Number.isFinite(t)) {
        out.push({
          labels: { __name__: "node_cpu_guest_seconds_total", cpu: c.cpu, mode: GUEST_MODES[i] ?? "" },
          value: t / userHz,
        });
      }
    }
  }
  const scalar = (name: string, v: number | undefined): void => {
    if (v !== undefined) {
      out.push({ labels: { __name__: name }, value: v });
    }
  };
  scalar("node_boot_time_seconds", s.bootTime);
  scalar("node_context_switches_total", s.contextSwitches);
  scalar("node_forks_total", s.forks);
  scalar("node_procs_running", s.procsRunning);
  scalar("node_procs_blocked", s.procsBlocked);
}
