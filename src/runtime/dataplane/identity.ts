// Who the running data plane is: its pidfile (pid + /proc start time, so a pid the OS recycled
// for another process is never taken for it) and its build (so an upgrade can tell old from new).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { isAlive, readStartTimeTicks } from "../process/pidfile.js";
import { VERSION } from "../../version.js";

export type DataPlaneRecord = {
  pid: number;
  /** /proc/<pid>/stat field 22; null where /proc is unavailable (then the pid is never trusted). */
  startTime: number | null;
  protocol: number;
  build: string;
  socket: string;
};

export function writeDataPlaneRecord(file: string, rec: DataPlaneRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(rec) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The record in `file`, or undefined when absent or malformed. */
export function readDataPlaneRecord(file: string): DataPlaneRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<DataPlaneRecord>;
    if (
      typeof r.pid === "number" &&
      Number.isInteger(r.pid) &&
      r.pid > 0 &&
      (typeof r.startTime === "number" || r.startTime === null) &&
      typeof r.protocol === "number" &&
      typeof r.build === "string" &&
      typeof r.socket === "string"
    ) {
      return { pid: r.pid, startTime: r.startTime, protocol: r.protocol, build: r.build, socket: r.socket };
    }
  } catch {
    // absent or half-written: no data plane to trust
  }
  return undefined;
}

/** The process recorded is alive and is the one that wrote the record (same start time). */
export function isSameProcess(rec: { pid: number; startTime: number | null }): boolean {
  return rec.startTime !== null && isAlive(rec.pid) && readStartTimeTicks(rec.pid) === rec.startTime;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

let cachedBuild: string | undefined;

/**
 * This code's build: the lineops version plus a hash of the router's and data plane's modules as
 * installed (.ts from src/, .js from dist/). Two data planes with the same build route alike; a
 * rebuilt copy with changed routing code has another, even at the same version.
 */
export function currentBuild(): string {
  if (cachedBuild === undefined) {
    const hash = createHash("sha256");
    for (const dir of [HERE, path.join(HERE, "..", "router")]) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir).filter((n) => /\.(js|ts)$/.test(n) && !/\.test\.|\.d\.ts$/.test(n));
      } catch {
        // a missing directory contributes nothing
      }
      for (const n of names.sort()) {
        hash.update(n).update(fs.readFileSync(path.join(dir, n)));
      }
    }
    cachedBuild = `${VERSION}+${hash.digest("hex").slice(0, 12)}`;
  }
  return cachedBuild;
}
