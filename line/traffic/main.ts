// CLI entry for the traffic generator, so lineops can run it as a process: reads
// LINE_CONTROLLER_URL and TRAFFIC_RATE, logs stats periodically and stops cleanly on a signal.
import { ConfigError, readUrl } from "../lib/config.js";
import { createLogger } from "../lib/log.js";
import { startTrafficGenerator } from "./generator.js";

const log = createLogger({ service: "traffic-generator" });

function readConfig() {
  const url = readUrl(process.env, "LINE_CONTROLLER_URL");
  if (url === undefined) {
    throw new ConfigError("LINE_CONTROLLER_URL is required");
  }
  const rawRate = process.env.TRAFFIC_RATE?.trim();
  const ratePerSecond = rawRate === undefined || rawRate === "" ? 2 : Number(rawRate);
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new ConfigError(`TRAFFIC_RATE must be a positive number, got "${rawRate}"`);
  }
  return { url, ratePerSecond };
}

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (err) {
  log.error("invalid configuration", { error: String(err) });
  process.exit(2);
}

const generator = startTrafficGenerator(config);
log.info("started", { ...config });
const report = setInterval(() => log.info("stats", { ...generator.stats() }), 5_000);

let stopping = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (stopping) {
    process.exit(1);
  }
  stopping = true;
  clearInterval(report);
  log.info("stopping", { signal });
  void generator.stop().then(() => {
    log.info("stopped", { ...generator.stats() });
    process.exit(0);
  });
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
// Started by lineops (the demo) with an IPC channel: the channel closes when lineops exits, even
// on SIGKILL, and the generator must not outlive it.
if (process.send !== undefined) {
  process.on("disconnect", () => onSignal("SIGTERM"));
}
