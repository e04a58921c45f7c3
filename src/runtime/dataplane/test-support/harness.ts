// Per-test data planes run from source (node --import tsx), in a short temporary data dir (unix
// socket paths are limited to 107 bytes). Everything a test starts — data planes, clients,
// backends, helper processes — is stopped after it, newest first.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import pino from "pino";
import { afterEach } from "vitest";

import { PortAllocator } from "../../process/ports.js";
import { startBackend } from "../../router/test-support/backends.js";
import type { BackendOptions, TestBackend } from "../../router/test-support/backends.js";
import { waitFor } from "../../../test-support/wait.js";
import { DataPlaneClient } from "../client.js";
import type { DataPlaneClientOptions } from "../client.js";
import { readStartTimeTicks } from "../../process/pidfile.js";
import { isSameProcess, readDataPlaneRecord } from "../identity.js";
import { dataPlanePaths } from "../protocol.js";
import type { SpawnOptions } from "../spawn.js";

export const logger = pino({ level: process.env.LINEOPS_TEST_LOG ?? "silent" });

/** Runs the data plane's source, as the brief of connectOrSpawn's `entry` intends for tests. */
export const SOURCE_ENTRY = [process.execPath, "--import", "tsx", "src/runtime/dataplane/main.ts"];

export type DataPlaneHarness = {
  dataDir: () => string;
  spawnOptions: (dataDir: string) => SpawnOptions;
  /** A client on dataDir whose portFor hands out free ports and keeps them per service (like the store). */
  client: (dataDir: string, opts?: Partial<DataPlaneClientOptions>) => Promise<DataPlaneClient>;
  backend: (instanceId: string, opts?: BackendOptions) => Promise<TestBackend>;
  /** A child process stopped (SIGKILL) after the test. */
  child: (cmd: string, args: string[]) => ChildProcess;
  defer: (cleanup: () => Promise<void> | void) => void;
};

export function dataPlaneHarness(): DataPlaneHarness {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length) {
      await cleanups.pop()?.();
    }
  });
  const defer = (c: () => Promise<void> | void) => {
    cleanups.push(c);
  };
  const ports = new PortAllocator();
  const stored = new Map<string, number>();
  return {
    dataDir: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-"));
      defer(async () => {
        await killDataPlane(dir);
        // Whatever else still runs on this dir (a pidfile removed by a test, a handover's old one).
        await killEveryDataPlaneOf(dir);
        fs.rmSync(dir, { recursive: true, force: true });
      });
      return dir;
    },
    spawnOptions: (dataDir) => ({ dataDir, host: "127.0.0.1", logger, entry: SOURCE_ENTRY }),
    client: async (dataDir, opts = {}) => {
      const client = await DataPlaneClient.open({
        dataDir,
        host: "127.0.0.1",
        logger,
        entry: SOURCE_ENTRY,
        superviseIntervalMs: 50,
        portFor: async (service, requested) => {
          const port = requested ?? stored.get(service) ?? (await ports.allocate());
          stored.set(service, port);
          return port;
        },
        ...opts,
      });
      defer(() => client.detach());
      return client;
    },
    backend: async (id, opts = {}) => {
      const b = await startBackend(id, opts);
      defer(() => b.close());
      return b;
    },
    child: (cmd, args) => {
      const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
      defer(() => {
        c.kill("SIGKILL");
      });
      return c;
    },
    defer,
  };
}

/** SIGKILLs the data plane recorded in dataDir (only if the record's identity holds) and waits for it. */
export async function killDataPlane(
  dataDir: string,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<number | undefined> {
  const rec = readDataPlaneRecord(dataPlanePaths(dataDir).pidfile);
  if (!rec || !isSameProcess(rec)) {
    return undefined;
  }
  process.kill(rec.pid, signal);
  await waitFor(() => !isSameProcess(rec), 15_000, `data plane ${rec.pid} to exit after ${signal}`);
  return rec.pid;
}

/** SIGKILLs every process whose command line names `--data-dir <dataDir>` (read from /proc). */
export async function killEveryDataPlaneOf(dataDir: string): Promise<void> {
  const pids = fs
    .readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
  const ours = pids.filter((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const i = argv.indexOf("--data-dir");
      return i >= 0 && argv[i + 1] === dataDir && pid !== process.pid;
    } catch {
      return false;
    }
  });
  for (const pid of ours) {
    const rec = { pid, startTime: readStartTimeTicks(pid) };
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      continue;
    }
    await waitFor(() => !isSameProcess(rec), 15_000, `data plane ${pid} to exit`);
  }
}
