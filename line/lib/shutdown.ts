// Graceful shutdown on SIGTERM/SIGINT: stop accepting, let in-flight requests finish, drop idle
// keep-alive sockets, exit 0. lineops's stop() relies on this to drain an instance before SIGKILL.
import type { Server } from "node:http";
import { constants } from "node:os";
import type { Logger } from "./log.js";

export type ShutdownOptions = {
  server: Server;
  log: Logger;
  /** Past this the drain is abandoned and the process exits 1, so a stuck request cannot hang a stop. */
  timeoutMs: number;
  /** Called once when draining starts (readiness turns 503, responses ask clients to close). */
  onDrainStart: () => void;
};

export function installGracefulShutdown(opts: ShutdownOptions): void {
  const { server, log, timeoutMs, onDrainStart } = opts;
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      // An operator pressing Ctrl-C twice means "now": exit with the conventional 128+signal code.
      log.warn("second signal, exiting without draining", { signal });
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    draining = true;
    log.info("draining", { signal });
    onDrainStart();
    const force = setTimeout(() => {
      log.error("drain timed out, exiting", { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    force.unref();
    // close() stops accepting and calls back once every connection has ended; in-flight requests
    // keep their sockets until their response is written (with `connection: close`).
    server.close(() => {
      log.info("drained, exiting");
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
