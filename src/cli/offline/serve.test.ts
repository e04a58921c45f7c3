// End to end: `lineops demo` boots the sample line in a temporary data dir; a SIGKILLed control
// plane's instances are re-adopted by the next start (the documented restart behaviour); the
// demo's SIGTERM (Ctrl-C) stops every instance.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ControlPlanes, isAlive, runCli, type spawnCli } from "../../test-support/cli.js";
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

const planes = new ControlPlanes();
afterEach(() => planes.stopAll());

type Demo = {
  dataDir: string;
  demoFile: string;
  child: ReturnType<typeof spawnCli>;
  /** Runs `lineops args --json` against this demo and parses its output. */
  cli<T>(args: string[]): Promise<T>;
};

/** `lineops demo` on a data dir of its own (or `dataDir`, to restart on one). */
const startDemo = (dataDir = tempDir("lineops-demo-")): Demo => ({
  dataDir,
  demoFile: path.join(dataDir, "demo.json"),
  child: planes.spawn(dataDir, ["demo", "--data-dir", dataDir, "--port", "0", "--log-level", "warn"]),
  async cli<T>(args: string[]): Promise<T> {
    const r = await runCli([...args, "--json", "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  },
});

/** Waits until the demo wrote demo.json and its whole line is ready (asked over HTTP: cheaper than a CLI per poll). */
const lineReady = (demo: Demo) =>
  waitFor(
    async () => {
      const { url, token } = JSON.parse(readFileSync(demo.demoFile, "utf8")) as {
        url: string;
        token: string;
      };
      const res = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } });
      return res.ok && ((await res.json()) as Status).ready ? true : undefined;
    },
    30_000,
    `the demo's line ready (output:\n${demo.child.output()})`,
  );

/** A demo with its line ready, for the tests that start from one. */
const readyDemo = async (): Promise<Demo> => {
  const demo = startDemo();
  await lineReady(demo);
  return demo;
};

const pidsOf = async (demo: Demo) =>
  (await demo.cli<Instances>(["instances"])).instances
    .map((i) => i.pid)
    .filter((p): p is number => p !== undefined);

// Each test starts the demo it needs (any one runs alone with -t); afterEach stops them all.
describe("lineops demo", () => {
  it("starts every service of the sample line and writes demo.json", async () => {
    const demo = startDemo();
    // Read once it parses: it may be seen between its creation and its last byte.
    const { url, token } = await waitFor(
      () => JSON.parse(readFileSync(demo.demoFile, "utf8")) as { url: string; token: string },
      30_000,
      "demo.json",
    );
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^lo_/);
    // The banner is printed after demo.json is written: wait for it rather than race it.
    await waitFor(() => demo.child.output().includes(token), 10_000, "the banner with the token");
    // The web dashboard's sign-in the banner names works (an operator, demo.json keeps its password).
    const { user, password } = JSON.parse(readFileSync(demo.demoFile, "utf8")) as {
      user: string;
      password: string;
    };
    expect(demo.child.output()).toContain(`sign in as ${user} / ${password}`);
    const signIn = await fetch(`${url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: user, password }),
    });
    expect([
      signIn.status,
      ((await signIn.json()) as { data: { user: { role: string } } }).data.user.role,
    ]).toEqual([200, "operator"]);

    const status = await demo.cli<Status>(["status"]);
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
        const r = await runCli(["targets", "--json", "--data-dir", demo.dataDir]);
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
    const up = await demo.cli<{ resultType: string; result: { value: [number, string] }[] }>([
      "query",
      'count(up{job="station-controller"} == 1)',
    ]);
    expect(up.result[0]?.value[1]).toBe("4");
    const pids = await pidsOf(demo);
    expect(pids.length).toBe(9);
    expect(pids.every(isAlive)).toBe(true);
  });

  it("after a SIGKILL of the control plane, the next start re-adopts the running line without restarting it", async () => {
    const first = await readyDemo();
    const firstPids = await pidsOf(first);
    expect(firstPids.length).toBe(9);
    const before = readFileSync(first.demoFile, "utf8");
    first.child.kill("SIGKILL");
    await waitFor(() => first.child.exitCode !== null || first.child.signalCode !== null, 5000, "demo exit");
    // The line outlives its control plane...
    expect(firstPids.filter(isAlive).length).toBe(firstPids.length);

    const second = startDemo(first.dataDir);
    await lineReady(second);
    // ...and the new control plane takes the very same processes over.
    expect((await pidsOf(second)).sort()).toEqual([...firstPids].sort());
    // Unchanged specs are not new revisions, and the demo reuses its token.
    const status = await second.cli<Status>(["status"]);
    expect(status.services.every((s) => s.revisionNumber === 1)).toBe(true);
    expect(JSON.parse(readFileSync(second.demoFile, "utf8")).token).toBe(JSON.parse(before).token);
    // The adopted instances are scrape targets again, and fresh samples arrive from them: they
    // were ready before discovery started, and nothing about them changed since.
    const since = Date.now() / 1000;
    await waitFor(
      async () => {
        const t = (await second.cli<{ activeTargets: { health: string; lastScrape: string }[] }>(["targets"]))
          .activeTargets;
        return t.length === 10 && t.every((x) => x.health === "up" && Date.parse(x.lastScrape) / 1000 > since)
          ? true
          : undefined;
      },
      20_000,
      "10 targets scraped since the restart",
    );
  }, 60_000);

  it("rolls a faulty line-controller back by its error-rate analysis (the README's deploy)", async () => {
    const demo = await readyDemo();
    type Front = { services: { name: string; url?: string; version: string }[] };
    const lineController = async () =>
      (await demo.cli<Front>(["status"])).services.find((s) => s.name === "line-controller");
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
        ["deploy", "line-controller", "--version", "1.2.0-faulty", "--data-dir", demo.dataDir],
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
    const demo = await readyDemo();
    const pids = await pidsOf(demo);
    expect(pids.length).toBe(9);
    demo.child.kill("SIGTERM");
    const code = await waitFor(() => demo.child.exitCode, 20_000, "exit");
    expect(code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
