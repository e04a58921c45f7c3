// The processes of a run that lineops starts and that may outlive it — line instances (pidfiles
// <dataDir>/run/<instanceId>.json) and, with P7, the data plane (<dataDir>/run/dataplane.json) —
// read, compared across an event, and killed at the end. A pid is only ever killed while its /proc
// start time is the one seen when it was recorded (or it started after this benchmark did), so a pid
// the OS has reused for someone else's process is never touched.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

export const DATA_PLANE_PIDFILE = "dataplane.json";

/** Field 22 of /proc/<pid>/stat: start time in clock ticks after boot; undefined when gone. */
export function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const v = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export type PidfileEntry = {
  file: string;
  pid: number;
  id: string;
  service?: string;
  port?: number;
  ticks?: number;
};

/** Every readable pidfile in <dataDir>/run (instances and the data plane); bad ones are skipped. */
export function readPidfiles(dataDir: string): PidfileEntry[] {
  const run = path.join(dataDir, "run");
  let names: string[];
  try {
    names = readdirSync(run).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  const out: PidfileEntry[] = [];
  for (const name of names) {
    try {
      const r = JSON.parse(readFileSync(path.join(run, name), "utf8")) as Record<string, unknown>;
      if (typeof r.pid !== "number" || !Number.isInteger(r.pid) || r.pid <= 1) {
        continue;
      }
      // Today's runtime writes instanceId; P7's helpers were asked for id. Either names it.
      const id =
        typeof r.instanceId === "string" ? r.instanceId : typeof r.id === "string" ? r.id : name.slice(0, -5);
      out.push({
        file: name,
        pid: r.pid,
        id,
        ...(typeof r.service === "string" ? { service: r.service } : {}),
        ...(typeof r.port === "number" ? { port: r.port } : {}),
        ...(typeof r.startTimeTicks === "number" ? { ticks: r.startTimeTicks } : {}),
      });
    } catch {
      // Half-written or foreign: not ours to read.
    }
  }
  return out;
}

/** The data plane's pid from its pidfile, when the file exists and the process is alive. */
export function dataPlanePid(dataDir: string): number | undefined {
  const e = readPidfiles(dataDir).find((p) => p.file === DATA_PLANE_PIDFILE);
  return e && startTicks(e.pid) !== undefined ? e.pid : undefined;
}

/**
 * Every process of the run seen so far, by pid → start ticks. record() is called whenever the
 * benchmark looks (pidfiles, the API's instance list, lineops itself), killAll() at exit.
 */
export class RunProcesses {
  private readonly seen = new Map<number, number>();
  /** This benchmark's own start: a process started later, named by a pidfile of our data dir, is ours. */
  private readonly benchTicks = startTicks(process.pid) ?? Number.MAX_SAFE_INTEGER;

  constructor(private readonly dataDir: string) {}

  record(pid: number | undefined): void {
    if (pid === undefined || pid <= 1 || this.seen.has(pid)) {
      return;
    }
    const t = startTicks(pid);
    if (t !== undefined) {
      this.seen.set(pid, t);
    }
  }

  recordPidfiles(): PidfileEntry[] {
    const entries = readPidfiles(this.dataDir);
    for (const e of entries) {
      // Only when the pidfile's own start time (if any) matches: a stale file may name a reused pid.
      if (e.ticks === undefined || startTicks(e.pid) === e.ticks) {
        this.record(e.pid);
      }
    }
    return entries;
  }

  /** Synchronous (for process.on("exit")): SIGKILLs every recorded or pidfile-named process still ours. */
  killAll(): number {
    for (const e of readPidfiles(this.dataDir)) {
      const now = startTicks(e.pid);
      if (now !== undefined && !this.seen.has(e.pid) && (e.ticks === now || now >= this.benchTicks)) {
        this.seen.set(e.pid, now);
      }
    }
    let killed = 0;
    for (const [pid, ticks] of this.seen) {
      if (pid !== process.pid && startTicks(pid) === ticks) {
        try {
          process.kill(pid, "SIGKILL");
          killed++;
        } catch {
          // Gone meanwhile.
        }
      }
    }
    return killed;
  }
}
