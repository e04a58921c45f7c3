// Pidfiles let a restarted control plane find and re-adopt the instances its predecessor left running.
// Identity is checked three ways before a pidfile's process is treated as ours (see README): it is
// alive, its /proc start time is the recorded one (pids are recycled), and its /proc environ carries
// our LINEOPS_INSTANCE_ID. A process failing any check is never signalled.
import fs from "node:fs";
import path from "node:path";

import { z } from "zod";

import type { InstanceSpec } from "../types.js";

/** The variable every instance is started with; its presence in /proc/<pid>/environ proves identity. */
export const INSTANCE_ID_VAR = "LINEOPS_INSTANCE_ID";

/** Everything a later control plane needs to adopt the process, and to respawn it if it then exits. */
export type PidRecord = {
  format: 2;
  instanceId: string;
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks after boot); null where /proc is unavailable. */
  startTimeTicks: number | null;
  service: string;
  revision: string;
  version: string;
  station?: string;
  host: string;
  port: number;
  /** The spec the process was started from. Its env may hold secrets: the file is 0600 in a 0700 dir. */
  spec: InstanceSpec;
  restarts: number;
  /** ms since epoch at which this process was started. */
  startedAt: number;
};

/** A pidfile of lineops before adoption existed: enough to check identity, not to supervise. */
export type LegacyPidRecord = { instanceId: string; pid: number; startTimeTicks: number | null };

export type Pidfile =
  | { file: string; kind: "current"; rec: PidRecord }
  | { file: string; kind: "legacy"; rec: LegacyPidRecord }
  | { file: string; kind: "bad"; instanceId: string; error: string };

// pid must be a positive integer: process.kill(0 or -n) would signal a whole process group.
const pidSchema = z.number().int().positive();
const idSchema = z.string().regex(/^[A-Za-z0-9_.-]+$/, "not a path-safe instance id");

const probeSchema = z.object({
  kind: z.enum(["http", "tcp", "exec"]),
  path: z.string().optional(),
  command: z.array(z.string()).optional(),
  intervalMs: z.number(),
  timeoutMs: z.number(),
  initialDelayMs: z.number(),
  successThreshold: z.number(),
  failureThreshold: z.number(),
});

const specSchema = z.object({
  service: z.string(),
  revision: z.string(),
  version: z.string(),
  station: z.string().optional(),
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  cwd: z.string(),
  readiness: probeSchema.optional(),
  liveness: probeSchema.optional(),
});

const recordSchema = z.object({
  format: z.literal(2),
  instanceId: idSchema,
  pid: pidSchema,
  startTimeTicks: z.number().int().nullable(),
  service: z.string(),
  revision: z.string(),
  version: z.string(),
  station: z.string().optional(),
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  spec: specSchema,
  restarts: z.number().int().nonnegative(),
  startedAt: z.number(),
});

const legacySchema = z.object({
  instanceId: idSchema,
  pid: pidSchema,
  startTimeTicks: z.number().int().nullable().optional(),
});

export function pidfilePath(runDir: string, instanceId: string): string {
  return path.join(runDir, `${instanceId}.json`);
}

/** Written via a temp file and rename, so a crash mid-write never leaves a half pidfile behind. */
export function writePidfile(runDir: string, rec: PidRecord): void {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only on creation: a dir made by an older lineops may be wider.
  fs.chmodSync(runDir, 0o700);
  const file = pidfilePath(runDir, rec.instanceId);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true }); // writeFile's mode applies only when it creates the file
  fs.writeFileSync(tmp, JSON.stringify(rec) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removePidfile(runDir: string, instanceId: string): void {
  fs.rmSync(pidfilePath(runDir, instanceId), { force: true });
}

/** Temp files of writes a crash interrupted; nothing reads them. */
export function removeTempFiles(runDir: string): void {
  for (const name of listDir(runDir)) {
    if (name.endsWith(".tmp")) {
      fs.rmSync(path.join(runDir, name), { force: true });
    }
  }
}

/** Every pidfile in runDir, parsed; unreadable or malformed ones come back as `bad` with the reason. */
export function readPidfiles(runDir: string): Pidfile[] {
  return (
    listDir(runDir)
      // The data plane keeps its own pidfile beside the instances' (run/dataplane.json): not an instance.
      .filter((n) => n.endsWith(".json") && n !== "dataplane.json")
      .map((n): Pidfile => {
        const file = path.join(runDir, n);
        const instanceId = n.slice(0, -".json".length);
        let raw: unknown;
        try {
          raw = JSON.parse(fs.readFileSync(file, "utf8"));
        } catch (err) {
          return { file, kind: "bad", instanceId, error: (err as Error).message };
        }
        const current = recordSchema.safeParse(raw);
        if (current.success) {
          return current.data.instanceId === instanceId
            ? { file, kind: "current", rec: current.data }
            : { file, kind: "bad", instanceId, error: `names instance ${current.data.instanceId}` };
        }
        const hasFormat = typeof raw === "object" && raw !== null && "format" in raw;
        const legacy = hasFormat ? undefined : legacySchema.safeParse(raw);
        if (legacy?.success && legacy.data.instanceId === instanceId) {
          const { pid, startTimeTicks } = legacy.data;
          return { file, kind: "legacy", rec: { instanceId, pid, startTimeTicks: startTimeTicks ?? null } };
        }
        return { file, kind: "bad", instanceId, error: z.prettifyError(current.error) };
      })
  );
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether procRoot looks like a mounted procfs (its own process's stat is readable). */
export function procAvailable(procRoot: string): boolean {
  return fs.existsSync(path.join(procRoot, "self", "stat"));
}

/** Parses /proc/<pid>/stat. comm (field 2) may contain spaces and parens, so split after the last ')'. */
function procStat(pid: number, procRoot: string): string[] | undefined {
  try {
    const stat = fs.readFileSync(path.join(procRoot, String(pid), "stat"), "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (index 19 after comm), or null if unavailable. */
export function readStartTimeTicks(pid: number, procRoot = "/proc"): number | null {
  const f = procStat(pid, procRoot);
  const v = f?.[19];
  return v === undefined ? null : Number(v);
}

/**
 * Whether pid is a live process. A zombie counts as gone: an exited process that is no child of
 * ours is reaped by whatever adopted it, which may be slow (or never, if pid 1 does not reap), but
 * it runs no more code.
 */
export function isAlive(pid: number, procRoot = "/proc"): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") {
      return false;
    }
  }
  const state = procStat(pid, procRoot)?.[0];
  return state !== "Z" && state !== "X";
}

/** Alive and still the process that had this start time (not a later one given the same pid). */
export function isSameProcess(pid: number, startTimeTicks: number | null, procRoot = "/proc"): boolean {
  return (
    startTimeTicks !== null && isAlive(pid, procRoot) && readStartTimeTicks(pid, procRoot) === startTimeTicks
  );
}

export type Identity =
  | { verdict: "ours" }
  | { verdict: "gone" }
  /** Alive, but not provably the instance: never signalled. */
  | { verdict: "foreign"; why: string };

/**
 * Decides whether the pidfile's process is the instance it names. `foreign` covers everything that
 * cannot be proven ours: a recycled pid (other start time), a process without our instance id in its
 * environment, an environ we may not read, and any process at all where /proc is unavailable.
 */
export function checkIdentity(rec: LegacyPidRecord, procRoot = "/proc"): Identity {
  if (!procAvailable(procRoot)) {
    return isAlive(rec.pid, procRoot)
      ? { verdict: "foreign", why: `${procRoot} unavailable: identity cannot be verified` }
      : { verdict: "gone" };
  }
  if (!isAlive(rec.pid, procRoot)) {
    return { verdict: "gone" };
  }
  const ticks = readStartTimeTicks(rec.pid, procRoot);
  if (ticks === null) {
    return { verdict: "gone" }; // exited between the two reads
  }
  if (rec.startTimeTicks === null) {
    return { verdict: "foreign", why: "no start time recorded: identity cannot be verified" };
  }
  if (ticks !== rec.startTimeTicks) {
    return {
      verdict: "foreign",
      why: `pid ${rec.pid} was reused: start time ${ticks}, recorded ${rec.startTimeTicks}`,
    };
  }
  let environ: Buffer;
  try {
    environ = fs.readFileSync(path.join(procRoot, String(rec.pid), "environ"));
  } catch (err) {
    return { verdict: "foreign", why: `cannot read its environment: ${(err as Error).message}` };
  }
  const want = `${INSTANCE_ID_VAR}=${rec.instanceId}`;
  if (!environ.toString("utf8").split("\0").includes(want)) {
    return { verdict: "foreign", why: `its environment has no ${want}` };
  }
  // The pid could have been recycled between the stat and environ reads: check the start time again.
  if (readStartTimeTicks(rec.pid, procRoot) !== rec.startTimeTicks) {
    return { verdict: "gone" };
  }
  return { verdict: "ours" };
}
