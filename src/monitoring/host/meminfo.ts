// /proc/meminfo as node_exporter's meminfo collector names it: node_memory_<Field>_bytes for fields
// in kB ("Active(anon)" becomes Active_anon), and node_memory_<Field> for plain counts (HugePages_*).
import type { HostSample } from "./sample.js";
import { fieldsOf, num } from "./sample.js";

const VALID_KEY = /^[A-Za-z0-9_]+$/;

export function parseMeminfo(text: string, out: HostSample[]): void {
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      continue;
    }
    const f = fieldsOf(line.slice(colon + 1));
    const v = num(f[0]);
    if (!Number.isFinite(v)) {
      continue;
    }
    const key = line.slice(0, colon).replace(/\((.*)\)/, "_$1");
    if (!VALID_KEY.test(key)) {
      continue; // a garbled line would make an invalid metric name
    }
    if (f.length >= 2) {
      // The kernel writes "kB" but means KiB.
      out.push({ labels: { __name__: `node_memory_${key}_bytes` }, value: v * 1024 });
    } else {
      out.push({ labels: { __name__: `node_memory_${key}` }, value: v });
    }
  }
}
