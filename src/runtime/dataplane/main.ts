// The data plane's entry: `node dist/src/runtime/dataplane/main.js --data-dir D --host H
// [--tls-cert F --tls-key F]`. A small long-lived process that owns the front doors, so they keep
// serving while lineops (the control plane) is stopped, restarted, upgraded or killed. No Fastify,
// no SQLite: the router, its table file and a control socket.
import fs from "node:fs";
import { parseArgs } from "node:util";

import { pino } from "pino";

import { readStartTimeTicks } from "../process/pidfile.js";
import { answers, ControlServer } from "./control.js";
import { DataPlane } from "./dataplane.js";
import { confirmServing, receiveDoors, startSuccessor } from "./handover.js";
import { currentBuild, readDataPlaneRecord, writeDataPlaneRecord } from "./identity.js";
import { dataPlanePaths, PROTOCOL_VERSION } from "./protocol.js";

const USAGE = "usage: dataplane --data-dir DIR [--host HOST] [--tls-cert FILE --tls-key FILE] [--grace-ms N]";

function fail(message: string): never {
  process.stderr.write(`dataplane: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    const { values } = parseArgs({
      options: {
        "data-dir": { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "grace-ms": { type: "string", default: "10000" },
        "log-level": { type: "string", default: "info" },
        handover: { type: "boolean", default: false },
      },
      strict: true,
    });
    const dataDir = values["data-dir"] ?? fail("--data-dir is required");
    const cert = values["tls-cert"];
    const key = values["tls-key"];
    if ((cert === undefined) !== (key === undefined)) {
      fail("--tls-cert and --tls-key go together");
    }
    const graceMs = Number(values["grace-ms"]);
    if (!Number.isInteger(graceMs) || graceMs < 0) {
      fail(`--grace-ms must be a whole number of milliseconds, not ${values["grace-ms"]}`);
    }
    return {
      dataDir,
      host: values.host,
      tls: cert !== undefined && key !== undefined ? { certFile: cert, keyFile: key } : undefined,
      graceMs,
      level: values["log-level"],
      handover: values.handover,
      /** What a successor is started with (the same options, without --handover). */
      argv: process.argv.slice(2).filter((a) => a !== "--handover"),
    };
  } catch (err) {
    return fail((err as Error).message);
  }
}

async function main(): Promise<void> {
  const args = parseCommandLine();
  const paths = dataPlanePaths(args.dataDir);
  // Synchronous writes: the log is small (no per-request lines) and must survive a SIGKILL.
  const logger = pino({ level: args.level, base: { process: "dataplane", pid: process.pid } });
  fs.mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });

  const plane = new DataPlane({
    logger,
    host: args.host,
    tablePath: paths.table,
    graceMs: args.graceMs,
    ...(args.tls ? { tls: args.tls } : {}),
  });
  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      logger.info({ why }, "data plane stopping: front doors close after requests in flight");
      await control.close();
      await plane.close();
      // Only our own record is removed: a successor may already have written its own.
      if (readDataPlaneRecord(paths.pidfile)?.pid === process.pid) {
        fs.rmSync(paths.pidfile, { force: true });
      }
      logger.info("data plane stopped");
      process.exit(0);
    })());
  const control = new ControlServer({
    plane,
    socketPath: paths.socket,
    logger,
    onShutdown: () => void stop("shutdown requested over the control socket"),
    onHandover: async (entry, cwd) => {
      logger.info({ entry }, "handover: starting the successor data plane");
      const successor = await startSuccessor({
        plane,
        entry,
        cwd,
        args: args.argv,
        logFile: paths.log,
        logger,
      });
      const afterAnswer = () =>
        void (async () => {
          // The successor accepts on every door; this one stops accepting and frees its socket.
          await control.close();
          await successor
            .release()
            .catch((err: unknown) => logger.error({ err }, "handover: successor did not confirm"));
          await stop(`handed over to pid ${successor.pid}`);
        })();
      return { pid: successor.pid, afterAnswer };
    },
  });
  if (args.handover) {
    // The predecessor hands over its doors, then frees the control socket for us.
    const { handles, adopted } = await receiveDoors();
    await plane.restore(handles);
    await adopted().catch((err: unknown) =>
      logger.error({ err }, "handover: predecessor did not release the control socket; taking it"),
    );
    fs.rmSync(paths.socket, { force: true });
  } else {
    // A second data plane beside a live one would fight it for the ports: refuse before opening any.
    if (await answers(paths.socket)) {
      throw new Error(`another data plane already answers on ${paths.socket}`);
    }
    // Doors first, socket second: once the socket answers, the table is being served again (the
    // client measures a crash's downtime up to that moment).
    await plane.restore();
  }
  await control.listen();
  writeDataPlaneRecord(paths.pidfile, {
    pid: process.pid,
    startTime: readStartTimeTicks(process.pid),
    protocol: PROTOCOL_VERSION,
    build: currentBuild(),
    socket: paths.socket,
  });
  logger.info(
    { socket: paths.socket, host: args.host, build: currentBuild(), protocol: PROTOCOL_VERSION },
    "data plane ready",
  );
  if (args.handover) {
    confirmServing();
  }
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // lineops going away must not take the line with it: a closed stdin or hangup changes nothing.
  process.on("SIGHUP", () => logger.info("SIGHUP ignored: the data plane is reconfigured over its socket"));
  // Last line of defence: a bug in one request must not stop every front door.
  process.on("uncaughtException", (err) =>
    logger.error({ err }, "uncaught exception (data plane keeps serving)"),
  );
  process.on("unhandledRejection", (err) =>
    logger.error({ err }, "unhandled rejection (data plane keeps serving)"),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`dataplane: cannot start: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
