// Stops everything a data dir's line runs while no lineops supervises it: the instances its
// pidfiles name (identity-checked, as adoption does) and its data plane. For tests and tools that
// must leave nothing behind; an operator stops the line with `lineops serve --stop-line`.
import type { Logger } from "pino";
import { isSameProcess, readDataPlaneRecord } from "./dataplane/identity.js";
import { dataPlanePaths } from "./dataplane/protocol.js";
import { ProcessRuntime } from "./process/runtime.js";

export async function stopLineOf(
  dataDir: string,
  opts: { logger: Logger; stopTimeoutMs: number },
): Promise<{ instances: string[]; dataPlane: number | undefined }> {
  const runtime = new ProcessRuntime({ dataDir, logger: opts.logger, stopTimeoutMs: opts.stopTimeoutMs });
  const { adopted } = await runtime.adopt();
  await runtime.close();
  const rec = readDataPlaneRecord(dataPlanePaths(dataDir).pidfile);
  if (!rec || !isSameProcess(rec)) {
    return { instances: adopted.map((i) => i.id), dataPlane: undefined };
  }
  process.kill(rec.pid, "SIGTERM");
  const deadline = Date.now() + opts.stopTimeoutMs;
  while (isSameProcess(rec) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (isSameProcess(rec)) {
    process.kill(rec.pid, "SIGKILL");
  }
  return { instances: adopted.map((i) => i.id), dataPlane: rec.pid };
}
