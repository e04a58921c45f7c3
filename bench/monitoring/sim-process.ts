// Starts the target simulator (simulator.ts) as a child process and talks to its control port.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawnTsx, stopChild, waitForLine } from "../common/children.js";
import { getText } from "../common/prom-api.js";

export type SimStats = {
  requests: number;
  gzipped: number;
  bytesOut: number;
  renderMs: number;
  series: number;
};

export type Simulator = {
  pid: number;
  ports: number[];
  stats(): Promise<SimStats>;
  resize(series: number): Promise<void>;
  stop(): Promise<void>;
};

const here = path.dirname(fileURLToPath(import.meta.url));

export async function startSimulator(targets: number, series: number): Promise<Simulator> {
  // stdin stays a pipe: the simulator exits when it closes, even if this process is SIGKILLed.
  const child = spawnTsx(
    path.join(here, "simulator.ts"),
    ["--targets", String(targets), "--series", String(series)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const m = await waitForLine(child, "stdout", /^\{"ports".*\}$/, 60_000);
  const { ports, control } = JSON.parse(m[0]) as { ports: number[]; control: number };
  const base = `http://127.0.0.1:${control}`;
  return {
    pid: child.pid ?? -1,
    ports,
    stats: async () => JSON.parse(await getText(`${base}/stats`)) as SimStats,
    resize: async (n: number) => {
      await fetch(`${base}/resize?series=${n}`, { method: "POST" }).then((r) => r.text());
    },
    stop: async () => {
      child.stdin?.end();
      await stopChild(child, 5000);
    },
  };
}
