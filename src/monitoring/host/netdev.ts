// /proc/net/dev as node_exporter's netdev collector names it: node_network_{receive,transmit}_*_total
// per device, one family per column of the file's header.
import type { Regex } from "../../model/regexp.js";
import type { HostSample } from "./sample.js";
import { fieldsOf, num } from "./sample.js";

const RECEIVE = ["bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"] as const;
const TRANSMIT = ["bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"] as const;
const NAMES = [
  ...RECEIVE.map((c) => `node_network_receive_${c}_total`),
  ...TRANSMIT.map((c) => `node_network_transmit_${c}_total`),
];

export function parseNetDev(text: string, exclude: Regex | undefined, out: HostSample[]): void {
  for (const line of text.split("\n")) {
    // Header lines carry "|"; a device name cannot contain ":", so the first colon ends it (old
    // kernels glue large counters to it: "eth0:1234567").
    const colon = line.indexOf(":");
    if (colon <= 0 || line.includes("|")) {
      continue;
    }
    const device = line.slice(0, colon).trim();
    if (device === "" || exclude?.matches(device)) {
      continue;
    }
    const f = fieldsOf(line.slice(colon + 1));
    for (let i = 0; i < NAMES.length; i++) {
      const v = num(f[i]);
      if (Number.isFinite(v)) {
        out.push({ labels: { __name__: NAMES[i] ?? "", device }, value: v });
      }
    }
  }
}
