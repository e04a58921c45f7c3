// End to end: `lineops demo` boots the sample line in a temporary data dir; a SIGKILLed control
// plane's instances are cleaned up by the next start (the documented restart behaviour);
// SIGTERM stops every instance.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ProcessRuntime } from "../../runtime/process/runtime.js";
import { isAlive, runCli, spawnCli } from "../../test-support/cli.js";
import { tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";

type Status = {
  ready: boolean;
  services: {
    name: string;
    ready: boolean;
    instances: number;
    readyInstances: number;
    revisionNumber: number;
  }[];
};
type Instances = { instances: { id: string; pid?: number; state: string; service: string }[] };

const dataDir = tempDir("lineops-demo-");
const children: ReturnType<typeof spawnCli>[] = [];

const startDemo = () => {
  const child = spawnCli(["demo", "--data-dir", dataDir, "--port", "0", "--log-level", "warn"]);
  children.push(child);
  return child;
};

const cli = async <T>(args: string[]): Promise<T> => {
  const r = await runCli([...args, "--json", "--data-dir", dataDir]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

const demoFile = path.join(dataDir, "demo.json");

afterAll(async () => {
  // Whatever happened above, leave no process behind: stop the control planes, then any
  // instance a killed one left (through the same pidfile cleanup lineops itself uses).
  for (const c of children) {
    c.kill("SIGKILL");
  }
  await new ProcessRuntime({
    dataDir,
    logger: pino({ level: "silent" }),
    stopTimeoutMs: 2000,
  }).cleanupOrphans();
});

describe("lineops demo", () => {
  let firstPids: number[] = [];

  it("starts every service of the sample line and writes demo.json", async () => {
    const demo = startDemo();
    await waitFor(() => existsSync(demoFile), 30_000, `demo.json (output so far:\n${demo.output()})`);
    const { url, token } = JSON.parse(readFileSync(demoFile, "utf8")) as { url: string; token: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^lo_/);
    // The banner is printed after demo.json is written: wait for it rather than race it.
    await waitFor(() => demo.output().includes(token), 10_000, "the banner with the token");

    const status = await cli<Status>(["status"]);
    expect(status.services.map((s) => s.name).sort()).toEqual([
      "line-controller",
      "mes-connector",
      "plc-gateway",
      "quality-inspection",
      "station-controller",
    ]);
    for (const s of status.services) {
      expect(s, s.name).toMatchObject({ ready: true });
      expect(s.readyInstances).toBe(s.instances);
    }
    expect(status.services.find((s) => s.name === "station-controller")?.readyInstances).toBe(4);
    // Every instance is a scrape target, and PromQL sees the line's KPIs.
    let lastTargets = "";
    await waitFor(
      async () => {
        const r = await runCli(["targets", "--json", "--data-dir", dataDir]);
        lastTargets = r.stdout + r.stderr;
        const t = JSON.parse(r.stdout) as { activeTargets: { health: string }[] };
        // nine instances plus lineops itself
        return t.activeTargets.length === 10 && t.activeTargets.every((x) => x.health === "up")
          ? true
          : undefined;
      },
      20_000,
      "10 healthy scrape targets",
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${lastTargets}`);
    });
    const up = await cli<{ resultType: string; result: { value: [number, string] }[] }>([
      "query",
      'count(up{job="station-controller"} == 1)',
    ]);
    expect(up.result[0]?.value[1]).toBe("4");
    const { instances } = await cli<Instances>(["instances"]);
    firstPids = instances.map((i) => i.pid).filter((p): p is number => p !== undefined);
    expect(firstPids.length).toBe(9);
    expect(firstPids.every(isAlive)).toBe(true);
  });

  it("after a SIGKILL of the control plane, the next start stops the orphans and starts the line clean", async () => {
    const first = children[0];
    first?.kill("SIGKILL");
    await waitFor(() => first?.exitCode !== null || first.signalCode !== null, 5000, "demo exit");
    // The orphans outlive their control plane...
    expect(firstPids.filter(isAlive).length).toBe(firstPids.length);

    const second = startDemo();
    const before = readFileSync(demoFile, "utf8");
    await waitFor(
      async () => {
        const r = await runCli(["status", "--json", "--data-dir", dataDir]);
        if (r.code !== 0) {
          return undefined;
        }
        const s = JSON.parse(r.stdout) as Status;
        return s.ready ? s : undefined;
      },
      30_000,
      `line ready after restart (output:\n${second.output()})`,
    );
    // ...and are gone once the new control plane has started.
    await waitFor(() => firstPids.every((p) => !isAlive(p)), 10_000, "orphans stopped");
    const { instances } = await cli<Instances>(["instances"]);
    const newPids = instances.map((i) => i.pid);
    expect(newPids.some((p) => p !== undefined && firstPids.includes(p))).toBe(false);
    // Unchanged specs are not new revisions, and the demo reuses its token.
    const status = await cli<Status>(["status"]);
    expect(status.services.every((s) => s.revisionNumber === 1)).toBe(true);
    expect(JSON.parse(readFileSync(demoFile, "utf8")).token).toBe(JSON.parse(before).token);
  });

  it("rolls a faulty line-controller back by its error-rate analysis (the README's deploy)", async () => {
    type Front = { services: { name: string; url?: string; version: string }[] };
    const lineController = async () =>
      (await cli<Front>(["status"])).services.find((s) => s.name === "line-controller");
    const url = (await lineController())?.url;
    expect(url).toMatch(/^http:/);
    // More work orders than the demo's 2/s, so the canary's quarter gives the analysis a rate soon.
    let loading = true;
    const worker = async () => {
      while (loading) {
        await fetch(`${url}/work-orders`, { method: "POST", body: "{}" })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    try {
      const r = await runCli(
        ["deploy", "line-controller", "--version", "1.2.0-faulty", "--data-dir", dataDir],
        {},
        90_000,
      );
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/analysis failed/);
      expect(r.stdout + r.stderr).toMatch(/RolledBack/);
    } finally {
      loading = false;
      await Promise.all(workers);
    }
    expect((await lineController())?.version).toBe("1.0.0");
  }, 120_000);

  it("stops every instance on SIGTERM and exits 0", async () => {
    const { instances } = await cli<Instances>(["instances"]);
    const pids = instances.map((i) => i.pid).filter((p): p is number => p !== undefined);
    const demo = children[1];
    demo?.kill("SIGTERM");
    const code = await waitFor(() => (demo?.exitCode === null ? undefined : demo?.exitCode), 20_000, "exit");
    expect(code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
