// What a benchmark ran on, for its JSON line: results are only comparable on the same machine.
import { readFileSync } from "node:fs";
import os from "node:os";

export type Machine = { cpu: string; cores: number; memGiB: number; node: string; kernel: string };

export function machineInfo(): Machine {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    cpu = m?.[1] ?? cpu;
  } catch {
    // Not Linux: os.cpus() is good enough.
  }
  return {
    cpu,
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
  };
}
