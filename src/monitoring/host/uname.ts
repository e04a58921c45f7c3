// node_uname_info from /proc/sys/kernel (the same strings uname(2) returns); the machine
// (architecture) is not in /proc, so it comes from Node's os.machine().
import { readFile } from "node:fs/promises";
import { machine } from "node:os";
import type { HostSample } from "./sample.js";

const FILES = [
  ["sysname", "ostype"],
  ["release", "osrelease"],
  ["version", "version"],
  ["nodename", "hostname"],
  ["domainname", "domainname"],
] as const;

export async function readUname(procRoot: string, out: HostSample[]): Promise<void> {
  const values = await Promise.all(
    FILES.map(([, file]) =>
      readFile(`${procRoot}/sys/kernel/${file}`, "utf8").then(
        (t) => t.trim(),
        () => undefined,
      ),
    ),
  );
  const labels: Record<string, string> = { __name__: "node_uname_info", machine: machine() };
  for (let i = 0; i < FILES.length; i++) {
    const v = values[i];
    const entry = FILES[i];
    if (v === undefined || entry === undefined) {
      return; // an incomplete info series would be a different series each time a file fails
    }
    labels[entry[0]] = v;
  }
  out.push({ labels, value: 1 });
}
