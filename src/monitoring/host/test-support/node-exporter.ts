// Runs a real prometheus-node-exporter on a free loopback port for comparison tests, and reads its
// text exposition into samples and TYPE lines.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { waitFor } from "../../../test-support/wait.js";

const BINARY = "prometheus-node-exporter";

export type ExpositionSample = { name: string; labels: Record<string, string>; value: number };
export type Exposition = { samples: ExpositionSample[]; types: Map<string, string> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export type RunningExporter = { url: string; child: ChildProcess; stop(): Promise<void> };

/** Starts node_exporter with `args` (plus the listen address); fails with the install command if absent. */
export async function startNodeExporter(args: readonly string[]): Promise<RunningExporter> {
  if (spawnSync(BINARY, ["--version"], { stdio: "ignore" }).status !== 0) {
    throw new Error(
      `${BINARY} is not installed: run \`apt-get install -y prometheus-node-exporter\` (or \`bash scripts/system-deps.sh\` as root)`,
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/metrics`;
  const child = spawn(BINARY, [`--web.listen-address=127.0.0.1:${port}`, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString("utf8")).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
    }
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`${BINARY} exited with ${child.exitCode}: ${stderr}`);
        }
        return fetch(url).then(
          (r) => r.ok,
          () => false,
        );
      },
      10_000,
      `${BINARY} to answer on ${url}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, child, stop };
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A minimal text-format reader, enough for node_exporter's output (no timestamps, no exemplars). */
export function parseExposition(text: string): Exposition {
  const samples: ExpositionSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      if (name !== undefined && type !== undefined) {
        types.set(name, type);
      }
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") {
      continue;
    }
    const m = LINE.exec(line);
    if (!m) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? "").matchAll(LABEL)) {
      labels[lm[1] ?? ""] = (lm[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: m[1] ?? "", labels, value: Number(m[3]) });
  }
  return { samples, types };
}
