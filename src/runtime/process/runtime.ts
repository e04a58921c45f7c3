// ProcessRuntime: runs each instance as a supervised process on its own loopback port, with size-capped
// logs, readiness/liveness probes, restart with exponential backoff and crash-loop detection. Instances
// outlive the control plane (own session, output written straight to a file); a later control plane
// re-adopts them from their pidfiles instead of restarting them (see README).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import type { Logger } from "pino";

import { baseEnv, resolveCommand } from "../command.js";
import { RuntimeErrors } from "../errors.js";
import { Prober, runProbe } from "../health/probe.js";
import type { ProbeResult } from "../health/probe.js";
import type {
  Instance,
  InstanceEvent,
  InstanceFilter,
  InstanceSpec,
  InstanceState,
  Runtime,
} from "../types.js";
import { InstanceLog, tailLogs } from "./logs.js";
import {
  INSTANCE_ID_VAR,
  checkIdentity,
  isSameProcess,
  procAvailable,
  readPidfiles,
  readStartTimeTicks,
  removePidfile,
  removeTempFiles,
  writePidfile,
} from "./pidfile.js";
import type { PidRecord } from "./pidfile.js";
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
  /** Size cap per log file, files kept (output.log + rotated), how often the cap is checked. */
  logs?: { maxBytes?: number; files?: number; checkIntervalMs?: number };
  /** Drain used by close() and when stopping an instance left by an older lineops. */
  stopTimeoutMs?: number;
  /** Share one allocator with the Router so front doors and instances never get the same port. */
  ports?: PortAllocator;
  /** How often an adopted process (not our child: no exit event) is checked for having exited. */
  adoptedPollMs?: number;
  /** Where procfs is mounted. Tests point it at an empty directory to stand for a system without /proc. */
  procRoot?: string;
};

export type AdoptResult = {
  /** Instances a previous control plane left running, now supervised by this one (state `starting`). */
  adopted: Instance[];
  /** Pidfiles whose process has exited (or that were unreadable): removed. */
  gone: string[];
  /** Pidfiles naming a live process that is not provably the instance (reused pid…): removed, never signalled. */
  foreign: string[];
  /** Verified instances from an older lineops whose pidfile lacks the spec to supervise them: stopped. */
  stopped: string[];
};

/** The process currently running an instance: one we spawned, or one we adopted. */
type Proc = {
  pid: number;
  /** /proc start time: signals and exit checks of an adopted pid never reach a recycled one. */
  startTimeTicks: number | null;
  /** Set when we spawned it (Node reports its exit, with the status); unset when adopted. */
  child?: ChildProcess;
  /** Adopted only: polls for its exit. */
  poll?: NodeJS.Timeout;
  /** Resolves entry.exited once the process is gone. */
  markExited: () => void;
};

type Entry = {
  inst: Instance;
  spec: InstanceSpec;
  log: InstanceLog;
  proc?: Proc;
  /** Resolves when the current process has exited and its exit has been handled. */
  exited?: Promise<void>;
  readiness?: Prober;
  liveness?: Prober;
  /** Times of restarts performed, pruned to the crash-loop window. */
  restartTimes: number[];
  backoffTimer?: NodeJS.Timeout;
  stopRequested: boolean;
  stopping?: Promise<void>;
  /** Set when we kill the process ourselves (liveness), so the exit reason says why. */
  killReason?: string;
  /** The process's full environment; exec probes run with it too. */
  env?: Record<string, string>;
};

/** What we know of an adopted process's end: it is not our child, so no one tells us its status. */
const ADOPTED_EXIT_REASON = "exited while adopted (exit status unknown)";

export class ProcessRuntime implements Runtime {
  readonly host: string;
  readonly ports: PortAllocator;
  readonly #opts: {
    dataDir: string;
    restart: RestartPolicy;
    logMaxBytes: number;
    logFiles: number;
    logCheckMs: number;
    stopTimeoutMs: number;
    adoptedPollMs: number;
    procRoot: string;
  };
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  readonly #watchers = new Set<(e: InstanceEvent) => void>();
  /** No new instances (after close() or detach()). */
  #closed = false;
  /** detach() ran: nothing is supervised any more, exits are not acted on. */
  #detached = false;
  #rotationTimer: NodeJS.Timeout | undefined;

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
      logCheckMs: opts.logs?.checkIntervalMs ?? 2000,
      stopTimeoutMs: opts.stopTimeoutMs ?? 10_000,
      adoptedPollMs: opts.adoptedPollMs ?? 250,
      procRoot: opts.procRoot ?? "/proc",
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
    const entry = this.#newEntry(
      {
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
    );
    await this.#spawn(entry);
    return snapshot(entry.inst);
  }

  #newEntry(inst: Instance, spec: InstanceSpec): Entry {
    const entry: Entry = {
      inst,
      spec,
      log: new InstanceLog(this.#logDir(inst.id), this.#opts.logMaxBytes, this.#opts.logFiles),
      restartTimes: [],
      stopRequested: false,
    };
    this.#entries.set(inst.id, entry);
    this.#startRotation();
    return entry;
  }

  /** Spawns the entry's process; resolves once it is running or has failed to spawn. */
  #spawn(entry: Entry): Promise<void> {
    const { spec, inst } = entry;
    const env = instanceEnv(spec, inst);
    entry.env = env;
    this.#setState(entry, "starting", undefined);
    delete inst.pid;
    delete inst.nextRestartAt;
    delete inst.adopted;
    entry.killReason = undefined;

    let child: ChildProcess;
    try {
      const out = entry.log.openForWriter();
      try {
        // detached: its own session, so neither a terminal's Ctrl-C to lineops's process group nor
        // lineops's death reaches it. Output goes straight to the file: no pipe to break with lineops.
        child = spawn(resolveCommand(spec.command), spec.args, {
          cwd: spec.cwd,
          env,
          detached: true,
          stdio: ["ignore", out, out],
        });
      } finally {
        // The child has its own copy (spawn forks synchronously); ours would only leak.
        fs.closeSync(out);
      }
    } catch (err) {
      // Invalid arguments (e.g. a NUL byte in env) throw synchronously instead of emitting "error";
      // an unwritable log directory throws from openForWriter.
      entry.exited = Promise.resolve();
      this.#fail(entry, `spawn ${spec.command}: ${(err as Error).message}`);
      return Promise.resolve();
    }
    // Never what keeps lineops running: a graceful exit without --stop-line leaves it behind.
    child.unref();

    let markExited!: () => void;
    entry.exited = new Promise<void>((resolve) => (markExited = resolve));
    const proc: Proc = { pid: child.pid ?? 0, startTimeTicks: null, child, markExited };
    entry.proc = proc;

    return new Promise<void>((resolve) => {
      child.once("spawn", () => {
        this.#onSpawned(entry, proc);
        resolve();
      });
      child.on("error", (err) => {
        if (child.pid === undefined) {
          // Spawn failure (ENOENT, EACCES, bad cwd): no process, no exit event will follow.
          if (entry.proc === proc) {
            entry.proc = undefined;
            this.#fail(entry, err.message);
          }
          markExited();
          resolve();
        } else {
          this.#log.warn({ instanceId: inst.id, err }, "child process error");
        }
      });
      child.once("exit", (code, signal) => {
        const reason = code !== null ? `exited with code ${code}` : `killed by ${signal}`;
        this.#onExit(entry, proc, { code, signal }, reason);
        markExited();
      });
    });
  }

  #onSpawned(entry: Entry, proc: Proc): void {
    const { inst } = entry;
    if (proc.child?.pid === undefined || entry.proc !== proc) {
      return;
    }
    proc.pid = proc.child.pid;
    proc.startTimeTicks = readStartTimeTicks(proc.pid, this.#opts.procRoot);
    inst.pid = proc.pid;
    inst.startedAt = Date.now();
    this.#writePidfile(entry, proc);
    this.#log.info(
      { instanceId: inst.id, pid: proc.pid, port: inst.port, restarts: inst.restarts },
      "instance started",
    );
    if (this.#detached) {
      return; // spawned while detach() ran: left for the next control plane to adopt
    }
    this.#supervise(entry);
  }

  #writePidfile(entry: Entry, proc: Proc): void {
    const { inst, spec } = entry;
    const rec: PidRecord = {
      format: 2,
      instanceId: inst.id,
      pid: proc.pid,
      startTimeTicks: proc.startTimeTicks,
      service: inst.service,
      revision: inst.revision,
      version: inst.version,
      ...(inst.station !== undefined ? { station: inst.station } : {}),
      host: inst.host,
      port: inst.port,
      spec,
      restarts: inst.restarts,
      startedAt: inst.startedAt ?? Date.now(),
    };
    try {
      writePidfile(this.#runDir, rec);
    } catch (err) {
      this.#log.error({ instanceId: inst.id, err }, "could not write pidfile");
    }
  }

  /** A running process is now ours to watch: "started", then probes (or "ready" right away). */
  #supervise(entry: Entry): void {
    const { inst, spec } = entry;
    this.#emit("started", entry);
    const target = { host: inst.host, port: inst.port, env: entry.env, cwd: spec.cwd };
    if (spec.readiness) {
      entry.readiness = new Prober(
        spec.readiness,
        target,
        (healthy, last) => this.#onReadiness(entry, healthy, last),
        (result) => {
          // A failing probe of an adopted process may just mean it has exited, which only polling
          // would tell a moment later: ask now, so it is reported "exited", not "unready" first.
          const proc = entry.proc;
          if (!result.ok && proc && !proc.child) {
            this.#checkAdopted(entry, proc);
          }
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
    // A failing probe of an adopted process (not our child: no exit event) may mean it has exited:
    // ask first, so it is reported exited, never unready, whichever probe callback runs first.
    const proc = entry.proc;
    if (!healthy && proc && !proc.child) {
      this.#checkAdopted(entry, proc);
    }
    const { state, adopted } = entry.inst;
    if (healthy && (state === "starting" || state === "unready")) {
      this.#setState(entry, "ready", undefined);
      this.#emit("ready", entry);
    } else if (!healthy && (state === "ready" || (state === "starting" && adopted === true))) {
      // An adopted process is not warming up: it has been serving, so failing readiness is unhealthy.
      this.#setState(entry, "unready", `readiness probe failed: ${last.message}`);
      this.#emit("unready", entry);
    }
  }

  #onLivenessFailed(entry: Entry, last: ProbeResult): void {
    const proc = entry.proc;
    if (proc && !proc.child) {
      this.#checkAdopted(entry, proc); // an exited adopted process is an exit, not a liveness kill
    }
    if (!entry.proc || entry.stopRequested) {
      return;
    }
    entry.killReason = `liveness probe failed: ${last.message}`;
    this.#log.warn({ instanceId: entry.inst.id, reason: entry.killReason }, "killing instance");
    // SIGKILL: a process failing liveness is presumed wedged, and may not handle SIGTERM either.
    this.#signal(entry, "SIGKILL");
  }

  /** Signals the entry's current process; an adopted pid only while it still has its start time. */
  #signal(entry: Entry, sig: NodeJS.Signals): void {
    const proc = entry.proc;
    if (!proc) {
      return;
    }
    if (proc.child) {
      proc.child.kill(sig); // our child: its pid cannot be reused before we have reaped it
      return;
    }
    if (isSameProcess(proc.pid, proc.startTimeTicks, this.#opts.procRoot)) {
      try {
        process.kill(proc.pid, sig);
      } catch {
        // exited in between
      }
    }
  }

  #isRunning(proc: Proc): boolean {
    return proc.child
      ? proc.child.exitCode === null && proc.child.signalCode === null
      : isSameProcess(proc.pid, proc.startTimeTicks, this.#opts.procRoot);
  }

  /** Adopted processes: no exit event, so the poller asks /proc whether it is still the same process. */
  #checkAdopted(entry: Entry, proc: Proc): void {
    if (entry.proc !== proc || this.#isRunning(proc)) {
      return;
    }
    this.#onExit(entry, proc, { code: null, signal: null }, ADOPTED_EXIT_REASON);
    proc.markExited();
  }

  #onExit(
    entry: Entry,
    proc: Proc,
    status: { code: number | null; signal: NodeJS.Signals | null },
    exitReason: string,
  ): void {
    if (entry.proc !== proc || this.#detached) {
      return;
    }
    const { inst } = entry;
    const now = Date.now();
    entry.proc = undefined;
    clearInterval(proc.poll);
    this.#stopProbers(entry);
    removePidfile(this.#runDir, inst.id);
    inst.lastExit = { code: status.code, signal: status.signal, at: now };
    delete inst.pid;

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
    this.#rotate(entry); // its last output may have passed the cap since the last check
  }

  #stopProbers(entry: Entry): void {
    entry.readiness?.stop();
    entry.liveness?.stop();
    entry.readiness = undefined;
    entry.liveness = undefined;
  }

  /**
   * Adopts the instances a previous control plane left running (call once at startup, before
   * start(), with watchers already registered: adopted instances emit "started", then "ready" or
   * "unready", like spawned ones). For each pidfile: a process that is alive, has the recorded /proc
   * start time and has our LINEOPS_INSTANCE_ID in its environment is adopted: state `starting`, its
   * port reserved, probed as if just spawned, polled for its exit, respawned from the recorded spec by
   * the restart policy. Any other process is foreign and never signalled. Where /proc is unavailable
   * nothing can be verified, so nothing is adopted or signalled. Pidfiles of everything not adopted
   * are removed.
   */
  async adopt(): Promise<AdoptResult> {
    if (this.#closed) {
      throw RuntimeErrors.runtimeClosed("process runtime is closed");
    }
    const result: AdoptResult = { adopted: [], gone: [], foreign: [], stopped: [] };
    const { procRoot } = this.#opts;
    if (!procAvailable(procRoot)) {
      this.#log.warn({ procRoot }, "procfs unavailable: no instance can be verified, none adopted");
    }
    removeTempFiles(this.#runDir);
    const stops: Promise<void>[] = [];
    for (const pf of readPidfiles(this.#runDir)) {
      const instanceId = pf.kind === "bad" ? pf.instanceId : pf.rec.instanceId;
      if (this.#entries.has(instanceId)) {
        continue; // already ours: adopted by an earlier call, or spawned by this runtime
      }
      if (pf.kind === "bad") {
        this.#log.warn({ file: pf.file, error: pf.error }, "unreadable pidfile removed");
        result.gone.push(instanceId);
        this.#removeFile(pf.file);
        continue;
      }
      const identity = checkIdentity(pf.rec, procRoot);
      if (identity.verdict === "gone") {
        result.gone.push(instanceId);
        this.#removeFile(pf.file);
      } else if (identity.verdict === "foreign") {
        this.#log.warn(
          { instanceId, pid: pf.rec.pid, why: identity.why },
          "pidfile names a process that is not the instance: left alone",
        );
        result.foreign.push(instanceId);
        this.#removeFile(pf.file);
      } else if (pf.kind === "legacy") {
        // Ours, but its output went to a pipe that died with the old lineops and we lack its spec.
        this.#log.warn({ instanceId, pid: pf.rec.pid }, "stopping instance of an older lineops");
        result.stopped.push(instanceId);
        const { pid, startTimeTicks } = pf.rec;
        stops.push(
          terminate(pid, startTimeTicks, this.#opts.stopTimeoutMs, procRoot).then(() =>
            this.#removeFile(pf.file),
          ),
        );
      } else {
        result.adopted.push(this.#adoptOne(pf.rec));
      }
    }
    await Promise.all(stops);
    // One readiness probe of each adopted instance before returning: the engines then see those
    // that were serving as ready at once, so their front doors keep them instead of emptying out
    // until the periodic probe comes round (the data plane's table still routes to them).
    await Promise.all(result.adopted.map((inst) => this.#firstProbe(inst.id)));
    result.adopted = result.adopted.map((inst) => this.get(inst.id) ?? inst);
    return result;
  }

  async #firstProbe(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    const readiness = entry?.spec.readiness;
    if (!entry || !readiness) {
      return;
    }
    const { inst } = entry;
    const result = await runProbe(readiness, {
      host: inst.host,
      port: inst.port,
      env: entry.env,
      cwd: entry.spec.cwd,
    });
    if (result.ok && entry.inst.state === "starting") {
      this.#setState(entry, "ready", undefined);
      this.#emit("ready", entry);
    }
  }

  #adoptOne(rec: PidRecord): Instance {
    if (this.ports.isReserved(rec.port)) {
      // The process holds the port bound; whoever was handed it here will fail to bind, not the instance.
      this.#log.error(
        { instanceId: rec.instanceId, port: rec.port },
        "adopted instance's port was already handed out",
      );
    }
    this.ports.reserve(rec.port);
    const entry = this.#newEntry(
      {
        id: rec.instanceId,
        service: rec.service,
        revision: rec.revision,
        version: rec.version,
        ...(rec.station !== undefined ? { station: rec.station } : {}),
        state: "starting",
        host: rec.host,
        port: rec.port,
        restarts: rec.restarts,
        startedAt: rec.startedAt,
        pid: rec.pid,
        adopted: true,
      },
      rec.spec,
    );
    entry.env = instanceEnv(rec.spec, entry.inst);
    let markExited!: () => void;
    entry.exited = new Promise<void>((resolve) => (markExited = resolve));
    const proc: Proc = { pid: rec.pid, startTimeTicks: rec.startTimeTicks, markExited };
    entry.proc = proc;
    proc.poll = setInterval(() => this.#checkAdopted(entry, proc), this.#opts.adoptedPollMs);
    proc.poll.unref();
    this.#rotate(entry); // it wrote unchecked while no lineops ran
    this.#log.info(
      { instanceId: rec.instanceId, pid: rec.pid, port: rec.port, service: rec.service },
      "instance adopted",
    );
    this.#supervise(entry);
    return snapshot(entry.inst);
  }

  #removeFile(file: string): void {
    try {
      fs.rmSync(file, { force: true });
    } catch (err) {
      this.#log.warn({ file, err }, "could not remove pidfile");
    }
  }

  stop(id: string, opts: { drainMs: number }): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) {
      return Promise.reject(RuntimeErrors.instanceNotFound(`no instance ${id}`));
    }
    if (this.#detached) {
      return Promise.reject(
        RuntimeErrors.runtimeClosed(
          `process runtime has detached: instance ${id} is no longer supervised here`,
        ),
      );
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
    const proc = entry.proc;
    clearTimeout(entry.backoffTimer);
    entry.backoffTimer = undefined;
    this.#stopProbers(entry);
    if (proc && this.#isRunning(proc)) {
      this.#setState(entry, "stopping", undefined);
      this.#log.info({ instanceId: entry.inst.id, drainMs }, "stopping instance");
      this.#signal(entry, "SIGTERM");
      const killTimer = setTimeout(() => {
        this.#log.warn({ instanceId: entry.inst.id, drainMs }, "drain timeout; sending SIGKILL");
        this.#signal(entry, "SIGKILL");
      }, drainMs);
      // An adopted process's exit is only seen by polling: poll fast while someone waits for it.
      const fastPoll = proc.child ? undefined : setInterval(() => this.#checkAdopted(entry, proc), 25);
      await entry.exited;
      clearTimeout(killTimer);
      clearInterval(fastPoll);
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

  /**
   * Stops everything (drain = stopTimeoutMs) and refuses new starts. Watchers are dropped last.
   * After detach() there is nothing of ours left to stop: the instances belong to the next lineops.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#detached) {
      await this.stopAll({ drainMs: this.#opts.stopTimeoutMs });
    }
    clearInterval(this.#rotationTimer);
    this.#watchers.clear();
  }

  /**
   * Stops supervising and leaves every running instance running, with its pidfile, for the next
   * control plane to adopt: lineops's graceful stop without --stop-line. Probes, exit pollers,
   * restart timers and log rotation end; stops already under way finish first. An instance waiting
   * in backoff is not running and has no pidfile: it is simply dropped. New starts are refused.
   */
  async detach(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#entries.values()].map((e) => e.stopping?.catch(() => undefined)));
    this.#detached = true;
    clearInterval(this.#rotationTimer);
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.backoffTimer);
      entry.backoffTimer = undefined;
      this.#stopProbers(entry);
      clearInterval(entry.proc?.poll);
    }
    this.#log.info(
      { running: [...this.#entries.values()].filter((e) => e.proc).map((e) => e.inst.id) },
      "detached: instances left running",
    );
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
    const entry = this.#entries.get(id);
    if (!entry) {
      throw RuntimeErrors.instanceNotFound(`no instance ${id}`);
    }
    if (!this.#detached) {
      this.#rotate(entry); // so a tail never reads a file far past its cap
    }
    return tailLogs(this.#logDir(id), lines, this.#opts.logFiles);
  }

  /** One timer for every instance's log cap, started with the first instance. */
  #startRotation(): void {
    if (this.#rotationTimer !== undefined || this.#detached) {
      return;
    }
    this.#rotationTimer = setInterval(() => {
      for (const entry of this.#entries.values()) {
        if (entry.proc) {
          this.#rotate(entry);
        }
      }
    }, this.#opts.logCheckMs);
    this.#rotationTimer.unref();
  }

  #rotate(entry: Entry): void {
    try {
      entry.log.rotateIfNeeded();
    } catch (err) {
      // A full or broken disk must not take the control plane down with it.
      this.#log.error({ instanceId: entry.inst.id, err }, "could not rotate instance log");
    }
  }

  #setState(entry: Entry, state: InstanceState, reason: string | undefined): void {
    if (state !== "ready") {
      delete entry.inst.readySince;
    } else if (entry.inst.state !== "ready" || entry.inst.readySince === undefined) {
      entry.inst.readySince = Date.now();
    }
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

/** The instance's whole environment: inherited allowlist, the spec's env, then lineops's own variables. */
function instanceEnv(spec: InstanceSpec, inst: Instance): Record<string, string> {
  return {
    ...baseEnv(),
    ...spec.env,
    PORT: String(inst.port),
    HOST: inst.host,
    [INSTANCE_ID_VAR]: inst.id,
    SERVICE_VERSION: spec.version,
    ...(spec.station !== undefined ? { STATION_ID: spec.station } : {}),
  };
}

/** SIGTERM, poll until gone, SIGKILL after timeoutMs; every signal only while the start time still matches. */
async function terminate(
  pid: number,
  startTimeTicks: number | null,
  timeoutMs: number,
  procRoot: string,
): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    if (isSameProcess(pid, startTimeTicks, procRoot)) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  const gone = () => !isSameProcess(pid, startTimeTicks, procRoot);
  signal("SIGTERM");
  if (await waitUntil(gone, timeoutMs)) {
    return;
  }
  signal("SIGKILL");
  await waitUntil(gone, 5_000);
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done()) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return done();
}

function newInstanceId(spec: InstanceSpec): string {
  const base = [spec.service, spec.station].filter((s) => s !== undefined && s !== "").join("-");
  // Ids name log directories and pidfiles: keep them path-safe.
  return `${base.replace(/[^A-Za-z0-9_.-]/g, "_")}-${randomBytes(4).toString("hex")}`;
}

function snapshot(inst: Instance): Instance {
  return { ...inst, ...(inst.lastExit ? { lastExit: { ...inst.lastExit } } : {}) };
}
