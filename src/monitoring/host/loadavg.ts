// /proc/loadavg: the 1, 5 and 15 minute load averages as node_load1/5/15.
import type { HostSample } from "./sample.js";
import { fieldsOf, num } from "./sample.js";

const NAMES = ["node_load1", "node_load5", "node_load15"] as const;

export function parseLoadavg(text: string, out: HostSample[]): void {
  const f = fieldsOf(text);
  for (let i = 0; i < NAMES.length; i++) {
    const v = num(f[i]);
    if (Number.isFinite(v)) {
      out.push({ labels: { __name__: NAMES[i] ?? "" }, value: v });
    }
  }
}
