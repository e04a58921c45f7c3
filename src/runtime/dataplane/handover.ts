// Upgrading the data plane without refusing a connection: the running (old) data plane starts the
// new one as its child with an IPC channel and sends it every front door's listening socket
// (Node passes net.Server handles over IPC). Both accept on the same sockets for a moment; then
// the old one stops accepting, frees the control socket, lets its requests in flight finish and
// exits. A port is never closed, so no client sees ECONNREFUSED.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";

import type { Logger } from "pino";

import type { DataPlane, HandedDoor } from "./dataplane.js";
import { DataPlaneErrors } from "./errors.js";

/** The messages of the handover, in order (old -> new unless marked). */
type Message =
  | { type: "hello" } // new -> old: ready to receive doors
  | { type: "door"; service: string; port: number } // with the listening server as handle
  | { type: "doors-sent" }
  | { type: "adopted" } // new -> old: it accepts on every door
  | { type: "socket-free" } // the old control server is closed: the new one may bind the path
  | { type: "serving"; pid: number }; // new -> old: control socket bound, pidfile written

const STEP_TIMEOUT_MS = 15_000;

function isMessage(m: unknown): m is Message {
  return typeof m === "object" && m !== null && typeof (m as { type?: unknown }).type === "string";
}

function next(proc: ChildProcess | NodeJS.Process, type: Message["type"], what: string): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (isMessage(m) && m.type === type) {
        done();
        resolve(m);
      }
    };
    const onExit = () => {
      done();
      reject(DataPlaneErrors.unavailable(`handover: the other data plane exited before ${what}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(DataPlaneErrors.unavailable(`handover: no ${what} within ${STEP_TIMEOUT_MS} ms`));
    }, STEP_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      proc.off("message", onMessage);
      proc.off("exit", onExit);
      proc.off("disconnect", onExit);
    };
    proc.on("message", onMessage);
    proc.once("exit", onExit);
    proc.once("disconnect", onExit);
  });
}

export type Successor = {
  pid: number;
  /** Call once the old control server is closed: the successor binds the socket and confirms. */
  release(): Promise<void>;
};

/**
 * Old side, steps 1-3: start the successor, send it the doors, wait until it accepts on all of
 * them. On failure the successor is killed and the old data plane serves on, unchanged.
 */
export async function startSuccessor(opts: {
  plane: DataPlane;
  entry: string[];
  cwd: string;
  args: string[];
  logFile: string;
  logger: Logger;
}): Promise<Successor> {
  const [cmd, ...prefix] = opts.entry;
  if (cmd === undefined) {
    throw DataPlaneErrors.badRequest("entry: must name the command that runs the new data plane");
  }
  const out = fs.openSync(opts.logFile, "a", 0o600);
  const child = spawn(cmd, [...prefix, ...opts.args, "--handover"], {
    cwd: opts.cwd,
    detached: true,
    stdio: ["ignore", out, out, "ipc"],
  });
  fs.closeSync(out);
  child.on("error", (err) => opts.logger.error({ err }, "handover: successor could not be started"));
  try {
    await next(child, "hello", "hello from the successor");
    const doors = opts.plane.router.listeningServers();
    for (const d of doors) {
      child.send({ type: "door", service: d.service, port: d.port } satisfies Message, d.server);
    }
    child.send({ type: "doors-sent" } satisfies Message);
    await next(child, "adopted", "confirmation that the successor accepts on every door");
    opts.logger.info(
      { successor: child.pid, doors: doors.length },
      "handover: successor accepts on every door",
    );
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    pid: child.pid ?? 0,
    release: async () => {
      try {
        child.send({ type: "socket-free" } satisfies Message);
        await next(child, "serving", "confirmation that the successor serves its control socket");
      } finally {
        child.disconnect();
        child.unref();
      }
    },
  };
}

/**
 * New side: receives the doors' listening sockets from the parent (the old data plane), returns
 * them by service, and gives the parent a way to confirm each later step.
 */
export async function receiveDoors(): Promise<{
  handles: Map<string, HandedDoor>;
  adopted(): Promise<void>;
}> {
  if (!process.send) {
    throw DataPlaneErrors.unavailable("--handover needs an IPC channel to the old data plane");
  }
  const handles = new Map<string, HandedDoor>();
  const collected = new Promise<void>((resolve) => {
    const onMessage = (m: unknown, handle: unknown) => {
      if (!isMessage(m)) {
        return;
      }
      if (m.type === "door" && handle instanceof net.Server) {
        // Node hands the socket over as a net.Server that already accepts: connections arriving
        // before the router takes it over would sit unanswered, so they are kept for the router.
        const early: net.Socket[] = [];
        const keep = (s: net.Socket) => early.push(s);
        handle.on("connection", keep);
        handles.set(m.service, {
          port: m.port,
          handle,
          takeEarly: () => {
            handle.off("connection", keep);
            return early.splice(0);
          },
        });
      } else if (m.type === "doors-sent") {
        process.off("message", onMessage);
        resolve();
      }
    };
    process.on("message", onMessage);
  });
  process.send({ type: "hello" } satisfies Message);
  await collected;
  return {
    handles,
    adopted: async () => {
      const socketFree = next(process, "socket-free", "release of the control socket");
      process.send?.({ type: "adopted" } satisfies Message);
      await socketFree;
    },
  };
}

/** New side, last step: the control socket is ours and the pidfile written. */
export function confirmServing(): void {
  process.send?.({ type: "serving", pid: process.pid } satisfies Message);
}
