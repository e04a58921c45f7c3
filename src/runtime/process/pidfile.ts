// Pidfiles let a restarted control plane find the instances its predecessor left running.
// The /proc start time makes "same process" checkable, so a pid reused by the OS is never killed.
import fs from "node:fs";
import path from "node:path";

export type PidRecord = {
  pid: number;
  instanceId: string;
  service: string;
  /** /proc/<pid>/stat field 22 (clock ticks after boot); null where /proc is unavailable. */
  startTimeTicks: number | null;
  port: number;
};

export function pidfilePath(runDir: string, instanceId: string): string {
  return path.join(runDir, `${instanceId}.json`);
}

/** Written via a temp file and rename, so a crash mid-write never leaves a half pidfile behind. */
export function writePidfile(runDir: string, rec: PidRecord): void {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const file = pidfilePath(runDir, rec.instanceId);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(rec) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removePidfile(runDir: string, instanceId: string): void {
  fs.rmSync(pidfilePath(runDir, instanceId), { force: true });
}

/** All well-formed pidfiles in runDir (malformed ones are returned as `bad` so they can be removed). */
export function readPidfiles(runDir: string): { file: string; rec?: PidRecord }[] {
  let names: string[];
  try {
    names = fs.readdirSync(runDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".json"))
    .map((n) => {
      const file = path.join(runDir, n);
      try {
        const rec = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<PidRecord>;
        if (typeof rec.pid === "number" && typeof rec.instanceId === "string") {
          return {
            file,
            rec: {
              pid: rec.pid,
              instanceId: rec.instanceId,
              service: rec.service ?? "",
              startTimeTicks: typeof rec.startTimeTicks === "number" ? rec.startTimeTicks : null,
              port: rec.port ?? 0,
            },
          };
        }
      } catch {
        // unreadable or half-written by an older version: treated as stale below
      }
      return { file };
    });
}

/** Parses /proc/<pid>/stat. comm (field 2) may contain spaces and parens, so split after the last ')'. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (index 19 after comm), or null if unavailable. */
export function readStartTimeTicks(pid: number): number | null {
  const f = procStat(pid);
  const v = f?.[19];
  return v === undefined ? null : Number(v);
}

/**
 * Whether pid is a live process. A zombie counts as gone: once killed, an orphan is reaped by
 * whatever adopted it, which may be slow (or never, if pid 1 does not reap), but it runs no more code.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") {
      return false;
    }
  }
  const state = procStat(pid)?.[0];
  return state !== "Z" && state !== "X";
}
