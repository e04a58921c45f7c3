// Debian's Alertmanager as a tracked child: its own config and storage dir, clustering off
// (--cluster.listen-address=), on a free loopback port; ready when /-/ready answers.
import { existsSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { isRunning, spawnTracked, stopChild } from "../common/children.js";
import { freePort } from "../common/ports.js";
import { getText, pollUntil } from "../common/prom-api.js";

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";

export function alertmanagerVersion(bin: string): string {
  const out = execFileSync(bin, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return /version (\S+)/.exec(out)?.[1] ?? "unknown";
}

export async function startAlertmanager(opts: { bin: string; configYaml: string; dir: string }) {
  if (!existsSync(opts.bin)) {
    throw new Error(
      `Alertmanager not found at ${opts.bin}: apt-get install prometheus-alertmanager or set ALERTMANAGER_BIN`,
    );
  }
  const configFile = path.join(opts.dir, "alertmanager.yml");
  writeFileSync(configFile, opts.configYaml);
  const port = await freePort();
  const child = spawnTracked(
    opts.bin,
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(opts.dir, "am-data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const tail: string[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    tail.push(...d.toString("utf8").split("\n").filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = (timeoutMs = 10_000) => stopChild(child, timeoutMs);
  try {
    await pollUntil(
      "Alertmanager to be ready",
      async () => {
        if (!isRunning(child)) {
          throw new Error(`Alertmanager exited: ${tail.join("\n")}`);
        }
        return (await getText(`${url}/-/ready`, { timeoutMs: 2000 })) ? true : undefined;
      },
      30_000,
    );
  } catch (err) {
    await stop(5000);
    throw err;
  }
  return { url, port, pid: child.pid ?? -1, stop, logTail: () => tail.join("\n") };
}
