// The demo's traffic: the sample line's work-order generator (line/traffic/main.ts, built to
// dist/line/traffic/main.js) run as a child process, so lineops never imports the line's code.
import { spawn } from "node:child_process";
import path from "node:path";
import type { Logger } from "pino";
import { PACKAGE_ROOT } from "./version.js";

export type DemoTraffic = { stop(): Promise<void> };

/** The generator flushes in-flight requests (5 s timeout each) on SIGTERM; then it is killed. */
const STOP_GRACE_MS = 6_000;

/**
 * Starts the generator against a front door at `ratePerSecond`. It runs with an IPC channel and
 * exits when the channel closes, so it dies with lineops even when lineops is SIGKILLed.
 */
export function startDemoTraffic(url: string, ratePerSecond: number, logger: Logger): DemoTraffic {
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, "dist", "line", "traffic", "main.js")], {
    env: { ...process.env, LINE_CONTROLLER_URL: url, TRAFFIC_RATE: String(ratePerSecond) },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      if (!stopping) {
        logger.error({ code, signal }, "traffic generator exited");
      }
      resolve();
    });
    child.once("error", (err) => {
      logger.error({ err }, "traffic generator failed to start");
      resolve();
    });
  });
  let stopping = false;
  return {
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        return;
      }
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
