// ProcessRuntime: runs each instance as a supervised child process on its own loopback port, with
// captured rotating logs, readiness/liveness probes, restart with exponential backoff and crash-loop detection.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import type { Logger } from "pino";

import { baseEnv, resolveCommand } from "../command.js";
import { RuntimeErrors } from "../errors.js";
import { Prober } from "../health/probe.js";
import type { ProbeResult } from "../health/probe.js";
import type {
  Instance,
  InstanceEvent,
  InstanceFilter,
  InstanceSpec,
  InstanceState,
  Runtime,
} from "../types.js";
import { RotatingLog, tailLogs } from "./logs.js";
import { isAlive, readPidfiles, readStartTimeTicks, removePidfile, writePidfile } from "./pidfile.js";
import { PortAllocator } from "./ports.js";

export type RestartPolicy = {
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  /** More than maxRestarts restarts within windowMs → the instance is `failed`, not restarted. */
  crashLoop: { maxRestarts: number; windowMs: number };
};

export type ProcessRuntimeOptions = {
  /** Logs go to <dataDir>/logs/<instanceId>/, pidfiles to <dataDir>/run/<instanceId>.json. */
  dataDir: string;
  host?: string;
  logger: Logger;
  restart?: Partial<Omit<RestartPolicy, "crashLoop">> & { crashLoop?: Partial<RestartPolicy["crashLoop"]> };
  logs?: { maxBytes?: number; files?: number };
  /** Drain used by close() and by cleanupOrphans() before SIGKILL. */
  stopTimeoutMs?: number;
  /** Share one allocator with the Router so front doors and instances never get the same port. */
  ports?: PortAllocator;
};

type Entry = {
  inst: Instance;
  spec: InstanceSpec;
  log: RotatingLog;
  child?: ChildProcess;
  /** Resolves when the current child has exited and its exit has been handled. */
  exited?: Promise<void>;
  readiness?: Prober;
  liveness?: Prober;
  /** Times of restarts performed, pruned to the crash-loop window. */
  restartTimes: number[];
  backoffTimer?: NodeJS.Timeout;
  stopRequested: boolean;
  stopping?: Promise<void>;
  /** Set when we kill the child ourselves (liveness), so the exit reason says why. */
  killReason?: string;
  /** The child's full environment; exec probes run with it too. */
  env?: Record<string, string>;
};

export class ProcessRuntime implements Runtime {
  readonly host: string;
  readonly ports: PortAllocator;
  readonly #opts: {
    dataDir: string;
    restart: RestartPolicy;
    logMaxBytes: number;
    logFiles: number;
    stopTimeoutMs: number;
  };
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  readonly #watchers = new Set<(e: InstanceEvent) => void>();
  #closed = false;

  constructor(opts: ProcessRuntimeOptions) {
    this.host = opts.host ?? "127.0.0.1";
    this.#log = opts.logger.child({ component: "process-runtime" });
    this.ports = opts.ports ?? new PortAllocator(this.host);
    this.#opts = {
      dataDir: opts.dataDir,
      restart: {
        initialBackoffMs: opts.restart?.initialBackoffMs ?? 500,
        maxBackoffMs: opts.restart?.maxBackoffMs ?? 30_000,
        multiplier: opts.restart?.multiplier ?? 2,
        crashLoop: {
          maxRestarts: opts.restart?.crashLoop?.maxRestarts ?? 5,
          windowMs: opts.restart?.crashLoop?.windowMs ?? 60_000,
        },
      },
      logMaxBytes: opts.logs?.maxBytes ?? 5 * 1024 * 1024,
      logFiles: opts.logs?.files ?? 3,
      stopTimeoutMs: opts.stopTimeoutMs ?? 10_000,
    };
  }

  get dataDir(): string {
    return this.#opts.dataDir;
  }

  get #runDir(): string {
    return path.join(this.#opts.dataDir, "run");
  }

  #logDir(id: string): string {
    return path.join(this.#opts.dataDir, "logs", id);
  }

  async start(spec: InstanceSpec): Promise<Instance> {
    if (this.#closed) {
      throw RuntimeErrors.runtimeClosed("process runtime is closed");
    }
    const id = newInstanceId(spec);
    const port = await this.ports.allocate();
    const entry: Entry = {
      inst: {
        id,
        service: spec.service,
        revision: spec.revision,
        version: spec.version,
        ...(spec.station !== undefined ? { station: spec.station } : {}),
        state: "starting",
        host: this.host,
        port,
        restarts: 0,
      },
      spec,
      log: new RotatingLog(this.#logDir(id), this.#opts.logMaxBytes, this.#opts.logFiles),
      restartTimes: [],
      stopRequested: false,
    };
    this.#entries.set(id, entry);
    await this.#spawn(entry);
    return snapshot(entry.inst);
  }

  /** Spawns the entry's process; resolves once it is running or has failed to spawn. */
  #spawn(entry: Entry): Promise<void> {
    const { spec, inst } = entry;
    const env: Record<string, string> = {
      ...baseEnv(),
      ...spec.env,
      PORT: String(inst.port),
      HOST: inst.host,
      LINEOPS_INSTANCE_ID: inst.id,
      SERVICE_VERSION: spec.version,
      ...(spec.station !== undefined ? { STATION_ID: spec.station } : {}),
    };
    entry.env = env;
    this.#setState(entry, "starting", undefined);
    delete inst.pid;
    delete inst.nextRestartAt;
    entry.killReason = undefined;

    let child: ChildProcess;
    try {
      child = spawn(resolveCommand(spec.command), spec.args, {
        cwd: spec.cwd,
        env,
        detached: false,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (err) {
      // Invalid arguments (e.g. a NUL byte in env) throw synchronously instead of emitting "error".
      entry.exited = Promise.resolve();
      this.#fail(entry, `spawn ${spec.command}: ${(err as Error).message}`);
      return Promise.resolve();
    }
    entry.child = child;
    const capture = (chunk: Buffer) => {
      try {
        entry.log.write(chunk);
      } catch (err) {
        // A full or broken disk must not take the control plane down with it; the output is lost.
        this.#log.error({ instanceId: inst.id, err }, "could not write instance log");
      }
    };
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);

    let onExit!: () => void;
    entry.exited = new Promise<void>((resolve) => (onExit = resolve));

    return new Promise<void>((resolve) => {
      child.once("spawn", () => {
        this.#onSpawned(entry, child);
        resolve();
      });
      child.on("error", (err) => {
        if (child.pid === undefined) {
          // Spawn failure (ENOENT, EACCES, bad cwd): no process, no exit event will follow.
          if (entry.child === child) {
            entry.child = undefined;
            this.#fail(entry, err.message);
          }
          onExit();
          resolve();
        } else {
          this.#log.warn({ instanceId: inst.id, err }, "child process error");
        }
      });
      child.once("exit", (code, signal) => {
        this.#onExit(entry, child, code, signal);
        onExit();
      });
    });
  }

  #onSpawned(entry: Entry, child: ChildProcess): void {
    const { inst, spec } = entry;
    const pid = child.pid;
    if (pid === undefined) {
      return;
    }
    inst.pid = pid;
    inst.startedAt = Date.now();
    try {
      writePidfile(this.#runDir, {
        pid,
        instanceId: inst.id,
        service: inst.service,
        startTimeTicks: readStartTimeTicks(pid),
        port: inst.port,
      });
    } catch (err) {
      this.#log.error({ instanceId: inst.id, err }, "could not write pidfile");
    }
    this.#log.info(
      { instanceId: inst.id, pid, port: inst.port, restarts: inst.restarts },
      "instance started",
    );
    this.#emit("started", entry);

    const target = { host: inst.host, port: inst.port, env: entry.env, cwd: spec.cwd };
    if (spec.readiness) {
      entry.readiness = new Prober(
        spec.readiness,
        target,
        (healthy, last) => this.#onReadiness(entry, healthy, last),
        (result) => {
          // Not ready yet: stay `starting`, but keep the latest reason visible while it takes long.
          if (!result.ok && entry.inst.state === "starting") {
            entry.inst.reason = `readiness probe failed: ${result.message}`;
          }
        },
      );
      entry.readiness.start();
    } else {
      this.#setState(entry, "ready", undefined);
      this.#emit("ready", entry);
    }
    if (spec.liveness) {
      entry.liveness = new Prober(spec.liveness, target, (healthy, last) => {
        if (!healthy) {
          this.#onLivenessFailed(entry, last);
        }
      });
      entry.liveness.start();
    }
  }

  #onReadiness(entry: Entry, healthy: boolean, last: ProbeResult): void {
    const state = entry.inst.state;
    if (healthy && (state === "starting" || state === "unready")) {
      this.#setState(entry, "ready", undefined);
      this.#emit("ready", entry);
    } else if (!healthy && state === "ready") {
      this.#setState(entry, "unready", `readiness probe failed: ${last.message}`);
      this.#emit("unready", entry);
    }
  }

  #onLivenessFailed(entry: Entry, last: ProbeResult): void {
    const child = entry.child;
    if (!child || entry.stopRequested) {
      return;
    }
    entry.killReason = `liveness probe failed: ${last.message}`;
    this.#log.warn({ instanceId: entry.inst.id, reason: entry.killReason }, "killing instance");
    // SIGKILL: a process failing liveness is presumed wedged, and may not handle SIGTERM either.
    child.kill("SIGKILL");
  }

  #onExit(entry: Entry, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (entry.child !== child) {
      return;
    }
    const { inst } = entry;
    const now = Date.now();
    entry.child = undefined;
    this.#stopProbers(entry);
    removePidfile(this.#runDir, inst.id);
    inst.lastExit = { code, signal, at: now };
    delete inst.pid;
    const exitReason = code !== null ? `exited with code ${code}` : `killed by ${signal}`;

    if (entry.stopRequested) {
      // stop() finishes the transition to `stopped` once the exit promise resolves.
      inst.reason = exitReason;
      this.#emit("exited", entry);
      return;
    }

    const reason = entry.killReason ?? exitReason;
    const policy = this.#opts.restart;
    entry.restartTimes = entry.restartTimes.filter((t) => now - t < policy.crashLoop.windowMs);
    const recent = entry.restartTimes.length;
    if (recent >= policy.crashLoop.maxRestarts) {
      this.#log.warn({ instanceId: inst.id, reason }, "instance exited");
      this.#setState(
        entry,
        "failed",
        `crash loop: ${recent} restarts in ${policy.crashLoop.windowMs}ms; last: ${reason}`,
      );
      this.#emit("exited", entry);
      this.#finish(entry);
      this.#emit("failed", entry);
      return;
    }
    // Backoff grows with the restarts still inside the window, so a long healthy run resets it.
    const delay = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** recent);
    this.#setState(entry, "backoff", reason);
    inst.nextRestartAt = now + delay;
    this.#log.warn(
      { instanceId: inst.id, reason, backoffMs: delay },
      "instance exited; restarting after backoff",
    );
    this.#emit("exited", entry);
    entry.backoffTimer = setTimeout(() => {
      entry.backoffTimer = undefined;
      if (entry.stopRequested || this.#closed) {
        return;
      }
      entry.restartTimes.push(Date.now());
      inst.restarts++;
      void this.#spawn(entry);
    }, delay);
  }

  #fail(entry: Entry, reason: string): void {
    this.#log.error({ instanceId: entry.inst.id, reason }, "instance failed");
    this.#stopProbers(entry);
    this.#setState(entry, "failed", reason);
    this.#finish(entry);
    this.#emit("failed", entry);
  }

  /** Releases what a non-running instance holds (port reservation). Logs stay on disk for logs(). */
  #finish(entry: Entry): void {
    clearTimeout(entry.backoffTimer);
    entry.backoffTimer = undefined;
    delete entry.inst.nextRestartAt;
    this.ports.release(entry.inst.port);
  }

  #stopProbers(entry: Entry): void {
    entry.readiness?.stop();
    entry.liveness?.stop();
    entry.readiness = undefined;
    entry.liveness = undefined;
  }

  stop(id: string, opts: { drainMs: number }): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) {
      return Promise.reject(RuntimeErrors.instanceNotFound(`no instance ${id}`));
    }
    if (entry.stopping) {
      return entry.stopping;
    }
    if (entry.inst.state === "stopped") {
      return Promise.resolve();
    }
    entry.stopRequested = true;
    entry.stopping = this.#doStop(entry, opts.drainMs);
    return entry.stopping;
  }

  async #doStop(entry: Entry, drainMs: number): Promise<void> {
    const child = entry.child;
    clearTimeout(entry.backoffTimer);
    entry.backoffTimer = undefined;
    this.#stopProbers(entry);
    if (child && child.exitCode === null && child.signalCode === null) {
      this.#setState(entry, "stopping", undefined);
      this.#log.info({ instanceId: entry.inst.id, drainMs }, "stopping instance");
      child.kill("SIGTERM");
      const killTimer = setTimeout(() => {
        this.#log.warn({ instanceId: entry.inst.id, drainMs }, "drain timeout; sending SIGKILL");
        child.kill("SIGKILL");
      }, drainMs);
      await entry.exited;
      clearTimeout(killTimer);
    }
    this.#setState(entry, "stopped", undefined);
    this.#finish(entry);
    this.#log.info({ instanceId: entry.inst.id }, "instance stopped");
    this.#emit("stopped", entry);
  }

  /** Stops every instance that is not already stopped, in parallel. */
  async stopAll(opts: { drainMs: number }): Promise<void> {
    await Promise.all(
      [...this.#entries.values()]
        .filter((e) => e.inst.state !== "stopped")
        .map((e) => this.stop(e.inst.id, opts)),
    );
  }

  /** Stops everything (drain = stopTimeoutMs) and refuses new starts. Watchers are dropped last. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stopAll({ drainMs: this.#opts.stopTimeoutMs });
    this.#watchers.clear();
  }

  list(filter?: InstanceFilter): Instance[] {
    const out: Instance[] = [];
    for (const { inst } of this.#entries.values()) {
      if (filter?.service !== undefined && inst.service !== filter.service) {
        continue;
      }
      if (filter?.revision !== undefined && inst.revision !== filter.revision) {
        continue;
      }
      out.push(snapshot(inst));
    }
    return out;
  }

  get(id: string): Instance | undefined {
    const e = this.#entries.get(id);
    return e ? snapshot(e.inst) : undefined;
  }

  watch(cb: (e: InstanceEvent) => void): () => void {
    this.#watchers.add(cb);
    return () => {
      this.#watchers.delete(cb);
    };
  }

  async logs(id: string, lines: number): Promise<string[]> {
    if (!this.#entries.has(id)) {
      throw RuntimeErrors.instanceNotFound(`no instance ${id}`);
    }
    return tailLogs(this.#logDir(id), lines, this.#opts.logFiles);
  }

  /**
   * Kills instances a previous control plane left running (see README: we restart cleanly rather than
   * adopt). A pidfile's process is killed only if it is alive and its /proc start time matches the
   * recorded one, so a pid the OS has since reused is never touched. Every pidfile is removed.
   * Call once at startup, before start().
   */
  async cleanupOrphans(): Promise<{ killed: string[] }> {
    const killed: string[] = [];
    await Promise.all(
      readPidfiles(this.#runDir).map(async ({ file, rec }) => {
        if (rec && this.#entries.has(rec.instanceId)) {
          return; // ours, not an orphan
        }
        if (
          rec &&
          isAlive(rec.pid) &&
          rec.startTimeTicks !== null &&
          readStartTimeTicks(rec.pid) === rec.startTimeTicks
        ) {
          this.#log.warn(
            { instanceId: rec.instanceId, pid: rec.pid, service: rec.service },
            "killing orphan instance",
          );
          await terminate(rec.pid, this.#opts.stopTimeoutMs);
          killed.push(rec.instanceId);
        }
        try {
          fs.rmSync(file, { force: true });
        } catch (err) {
          this.#log.warn({ file, err }, "could not remove pidfile");
        }
      }),
    );
    return { killed };
  }

  #setState(entry: Entry, state: InstanceState, reason: string | undefined): void {
    entry.inst.state = state;
    if (reason === undefined) {
      delete entry.inst.reason;
    } else {
      entry.inst.reason = reason;
    }
  }

  #emit(type: InstanceEvent["type"], entry: Entry): void {
    const event: InstanceEvent = { type, instance: snapshot(entry.inst), at: Date.now() };
    for (const cb of this.#watchers) {
      try {
        cb(event);
      } catch (err) {
        this.#log.error({ err, event: type }, "instance watcher threw");
      }
    }
  }
}

/** SIGTERM, poll until gone, SIGKILL after timeoutMs, poll again (bounded). */
async function terminate(pid: number, timeoutMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  if (await waitGone(pid, timeoutMs)) {
    return;
  }
  signal("SIGKILL");
  await waitGone(pid, 5_000);
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return !isAlive(pid);
}

function newInstanceId(spec: InstanceSpec): string {
  const base = [spec.service, spec.station].filter((s) => s !== undefined && s !== "").join("-");
  // Ids name log directories and pidfiles: keep them path-safe.
  return `${base.replace(/[^A-Za-z0-9_.-]/g, "_")}-${randomBytes(4).toString("hex")}`;
}

function snapshot(inst: Instance): Instance {
  return { ...inst, ...(inst.lastExit ? { lastExit: { ...inst.lastExit } } : {}) };
}
