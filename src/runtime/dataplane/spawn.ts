// Finding or starting the data plane: connect to the running one if its identity checks out (pid
// alive with the recorded /proc start time, its socket answering with our protocol), else start
// one detached (own session, stdio to its log file, unref'd) that outlives this process.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

import type { Logger } from "pino";

import { PACKAGE_ROOT } from "../../version.js";
import { DataPlaneErrors } from "./errors.js";
import { currentBuild, isSameProcess, readDataPlaneRecord } from "./identity.js";
import type { HandoverAnswer, Info } from "./protocol.js";
import { dataPlanePaths, PROTOCOL_VERSION } from "./protocol.js";
import { controlRequest } from "./transport.js";

export type SpawnOptions = {
  dataDir: string;
  /** Address the front doors bind (web.front_doors.host). */
  host: string;
  /** Certificate and key files: the front doors speak HTTPS. Only the paths cross the socket. */
  tls?: { certFile: string; keyFile: string };
  logger: Logger;
  /** Command that runs the data plane (default: node <package>/dist/src/runtime/dataplane/main.js). */
  entry?: string[];
  /** How long a started data plane may take to answer on its socket (default 15 s). */
  startTimeoutMs?: number;
  /** The build the entry would start (default: this code's build, see identity.ts). */
  build?: string;
  /**
   * A running data plane of another build hands its doors over to one started from `entry`
   * (default true); false keeps the running one whatever its build.
   */
  handover?: boolean;
};

export type DataPlaneConnection = {
  socket: string;
  pid: number;
  startTime: number | null;
  info: Info;
  /** True when this call started the data plane, false when it found one running. */
  spawned: boolean;
  /** Set when the running data plane (of another build) handed its doors to the one started now. */
  handedOverFrom?: { pid: number; build: string };
};

export function defaultEntry(): string[] {
  return [process.execPath, path.join(PACKAGE_ROOT, "dist", "src", "runtime", "dataplane", "main.js")];
}

export async function fetchInfo(socket: string, timeoutMs = 2_000): Promise<Info> {
  return JSON.parse(await controlRequest(socket, { method: "GET", path: "/v1/info", timeoutMs })) as Info;
}

/** The info of the data plane answering on `socket`, if it is the live process it says it is. */
async function trustedInfo(socket: string, tries: number): Promise<Info | undefined> {
  for (let i = 0; i < tries; i++) {
    try {
      const info = await fetchInfo(socket);
      return isSameProcess(info) ? info : undefined;
    } catch {
      // not answering (yet): tried again below
    }
  }
  return undefined;
}

function checkProtocol(info: Info, socket: string): void {
  if (info.protocol !== PROTOCOL_VERSION) {
    throw DataPlaneErrors.protocol(
      `the data plane on ${socket} (pid ${info.pid}, build ${info.build}) speaks control protocol ${info.protocol}, this lineops speaks ${PROTOCOL_VERSION}: stop it (lineops --stop-line) or start the matching lineops`,
    );
  }
}

export async function connectOrSpawn(opts: SpawnOptions): Promise<DataPlaneConnection> {
  const paths = dataPlanePaths(opts.dataDir);
  const log = opts.logger;
  // A pidfile whose pid now belongs to another process (recycled) is ignored, never signalled.
  const rec = readDataPlaneRecord(paths.pidfile);
  if (rec && isSameProcess(rec)) {
    const info = await trustedInfo(rec.socket, 3);
    if (info && info.pid === rec.pid) {
      checkProtocol(info, rec.socket);
      log.info(
        { pid: info.pid, build: info.build, uptimeSeconds: info.uptimeSeconds },
        "data plane found running",
      );
      return maybeHandOver(opts, {
        socket: rec.socket,
        pid: info.pid,
        startTime: info.startTime,
        info,
        spawned: false,
      });
    }
    // Ours (same start time) but silent: a hung data plane serves no one; replace it.
    log.error({ pid: rec.pid }, "data plane does not answer on its socket: killing it to start a new one");
    try {
      process.kill(rec.pid, "SIGKILL");
    } catch {
      // already gone
    }
  } else if (rec) {
    log.warn({ pid: rec.pid }, "stale data-plane pidfile (process gone or pid reused): ignored");
  }
  // No trustworthy pidfile, but a data plane may answer anyway (its pidfile removed by hand).
  const answering = await trustedInfo(paths.socket, 1);
  if (answering) {
    checkProtocol(answering, paths.socket);
    log.info({ pid: answering.pid }, "data plane found running (by its socket)");
    return maybeHandOver(opts, {
      socket: paths.socket,
      pid: answering.pid,
      startTime: answering.startTime,
      info: answering,
      spawned: false,
    });
  }
  return spawnDataPlane(opts);
}

/**
 * An upgrade of the data plane: when the running one is of another build, it starts the new one
 * and hands it its listening sockets (handover.ts), so no connection is refused. If that fails,
 * the running one keeps serving and is kept (an old router beats no router).
 */
async function maybeHandOver(opts: SpawnOptions, running: DataPlaneConnection): Promise<DataPlaneConnection> {
  const want = opts.build ?? currentBuild();
  if (opts.handover === false || running.info.build === want) {
    return running;
  }
  const log = opts.logger;
  const from = { pid: running.pid, build: running.info.build };
  log.info(
    { from, to: want },
    "data plane of another build running: handing its front doors over to a new one",
  );
  try {
    const answer = JSON.parse(
      await controlRequest(running.socket, {
        method: "POST",
        path: "/v1/handover",
        body: { entry: opts.entry ?? defaultEntry(), cwd: PACKAGE_ROOT },
        timeoutMs: 40_000,
      }),
    ) as HandoverAnswer;
    const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
    for (;;) {
      const info = await fetchInfo(running.socket, 1_000).catch(() => undefined);
      if (info?.pid === answer.pid) {
        log.info({ from, pid: info.pid, build: info.build }, "data plane handed over: no door was closed");
        return {
          socket: running.socket,
          pid: info.pid,
          startTime: info.startTime,
          info,
          spawned: true,
          handedOverFrom: from,
        };
      }
      if (Date.now() > deadline) {
        throw DataPlaneErrors.unavailable(
          `successor data plane (pid ${answer.pid}) did not answer on ${running.socket}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (err) {
    log.error({ err, from }, "data plane handover failed: keeping the running one");
    const info = await trustedInfo(running.socket, 3);
    if (info) {
      return { socket: running.socket, pid: info.pid, startTime: info.startTime, info, spawned: false };
    }
    throw err;
  }
}

async function spawnDataPlane(opts: SpawnOptions): Promise<DataPlaneConnection> {
  const paths = dataPlanePaths(opts.dataDir);
  if (Buffer.byteLength(paths.socket) > 107) {
    throw DataPlaneErrors.unavailable(
      `data plane socket path ${paths.socket} is longer than the 107 bytes a unix socket allows: use a shorter --data-dir`,
    );
  }
  const entry = opts.entry ?? defaultEntry();
  const [cmd, ...prefix] = entry;
  if (cmd === undefined) {
    throw DataPlaneErrors.unavailable("data plane entry command is empty");
  }
  fs.mkdirSync(path.dirname(paths.log), { recursive: true, mode: 0o700 });
  const out = fs.openSync(paths.log, "a", 0o600);
  const args = [
    ...prefix,
    "--data-dir",
    opts.dataDir,
    "--host",
    opts.host,
    ...(opts.tls ? ["--tls-cert", opts.tls.certFile, "--tls-key", opts.tls.keyFile] : []),
  ];
  let exited: string | undefined;
  const child = spawn(cmd, args, {
    cwd: PACKAGE_ROOT,
    // Own session and process group: a Ctrl-C or SIGTERM sent to lineops's group does not reach it.
    detached: true,
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  child.once("exit", (code, signal) => {
    exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
  });
  child.once("error", (err) => {
    exited = `could not be started: ${err.message}`;
  });
  child.unref();
  const pid = child.pid;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (;;) {
    if (exited !== undefined || pid === undefined) {
      throw DataPlaneErrors.unavailable(
        `data plane ${exited ?? "could not be started"} (${cmd} ${args.join(" ")}); its log ${paths.log} ends: ${logTail(paths.log)}`,
      );
    }
    try {
      const info = await fetchInfo(paths.socket, 1_000);
      if (info.pid === pid) {
        checkProtocol(info, paths.socket);
        opts.logger.info({ pid, build: info.build, log: paths.log }, "data plane started");
        return { socket: paths.socket, pid, startTime: info.startTime, info, spawned: true };
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
      throw DataPlaneErrors.unavailable(
        `data plane (pid ${pid}) did not answer on ${paths.socket} within ${opts.startTimeoutMs ?? 15_000} ms; its log ${paths.log} ends: ${logTail(paths.log)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function logTail(file: string): string {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text.slice(-600).trim() || "(empty)";
  } catch {
    return "(no log)";
  }
}
