// A deployment in progress when lineops restarts: with its instances re-adopted, it resumes from
// its persisted step and ends where an uninterrupted one ends; when an instance its step relies on
// died while lineops was away, it rolls back instead. Two lineops run one after the other on one
// data dir, as a restart does; the line (instances and data plane) runs on between them.
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Lineops } from "../main.js";
import { STATION_HEADER } from "../runtime/index.js";
import { sampleService, tempDir } from "../test-support/line.js";
import { startSettledLineops } from "../test-support/lineops.js";
import { waitFinished, waitForPhase } from "../test-support/deployments.js";
import { waitFor } from "../test-support/wait.js";
import { writeFileSync } from "node:fs";

const running: Lineops[] = [];

afterEach(async () => {
  for (const l of running.splice(0)) {
    await l.stop({ stopLine: true });
  }
});

function canaryLine(dir: string): string {
  const file = path.join(dir, "line.yaml");
  writeFileSync(
    file,
    `line: { name: resume-test }
services:
${sampleService("station-controller", {
  extra: `    stations: ["1", "2"]
    strategy: { type: canary, steps: [{ setStations: ["2"] }, { pause: {} }] }
`,
})}`,
  );
  return file;
}

async function start(dir: string, lineFile: string): Promise<Lineops> {
  const l = await startSettledLineops(dir, lineFile);
  running.push(l);
  return l;
}

/** Stops lineops as `lineops serve` does on SIGTERM: the line keeps running. */
async function leave(l: Lineops): Promise<void> {
  running.splice(running.indexOf(l), 1);
  await l.stop({ stopLine: false });
}

type Shape = { station: string | undefined; version: string; state: string; standby: boolean }[];

/** The service as an operator sees it: which version serves which station, and who is warm. */
function shape(l: Lineops): Shape {
  const { instances } = l.deployment.service("station-controller");
  return instances
    .filter((i) => i.state !== "stopped")
    .map((i) => ({
      station: i.station,
      version: i.version,
      state: i.state,
      standby: l.deployment.isStandby(i.id),
    }))
    .sort((a, b) => `${a.station}${a.version}`.localeCompare(`${b.station}${b.version}`));
}

const pids = (l: Lineops) =>
  Object.fromEntries(
    l.runtime
      .list()
      .filter((i) => i.state !== "stopped")
      .map((i) => [i.id, i.pid]),
  );

async function stationVersion(l: Lineops, station: string): Promise<string> {
  const url = l.deployment.service("station-controller").status.url ?? "";
  const res = await fetch(url, { headers: { [STATION_HEADER]: station } });
  const text = await res.text();
  const version = (JSON.parse(text) as { version?: string }).version;
  if (version === undefined) {
    throw new Error(`${url} answered ${res.status} ${text}`);
  }
  return version;
}

describe("a deployment in progress across a lineops restart", () => {
  it("resumes from its persisted step and ends as an uninterrupted one", async () => {
    const dir = tempDir("lineops-resume-");
    const lineFile = canaryLine(dir);
    const first = await start(dir, lineFile);
    const dep = first.deployment.deploy({ service: "station-controller", version: "1.1.0", by: "test" });
    await waitForPhase(first, dep.id, ["Paused"]);
    const before = { shape: shape(first), pids: pids(first) };
    expect(before.shape.map((s) => `${s.station}:${s.version}:${s.standby}`)).toEqual([
      "1:1.0.0:false",
      "2:1.0.0:true",
      "2:1.1.0:false",
    ]);
    expect(await stationVersion(first, "2")).toBe("1.1.0");
    await leave(first);

    const second = await start(dir, lineFile);
    expect(second.deployment.resumedDeployments()).toEqual([
      { id: dep.id, service: "station-controller", kind: "continue" },
    ]);
    await waitForPhase(second, dep.id, ["Paused"]);
    // Nothing was restarted: the same processes, the same warm standby, the same routing.
    await waitFor(() => (shape(second).every((s) => s.state === "ready") ? true : undefined));
    expect(pids(second)).toEqual(before.pids);
    expect(shape(second)).toEqual(before.shape);
    expect(await stationVersion(second, "2")).toBe("1.1.0");
    expect(await stationVersion(second, "1")).toBe("1.0.0");

    second.deployment.control(dep.id, "promote");
    const resumed = await waitFinished(second, dep.id);
    expect(resumed.phase).toBe("Succeeded");
    const resumedEnd = shape(second);

    // The same deployment, never interrupted (to the next version), for the end state to compare.
    const again = second.deployment.deploy({ service: "station-controller", version: "1.2.0", by: "test" });
    await waitForPhase(second, again.id, ["Paused"]);
    second.deployment.control(again.id, "promote");
    expect((await waitFinished(second, again.id)).phase).toBe("Succeeded");
    const strip = (s: Shape) => s.map((x) => ({ ...x, version: "new" }));
    expect(strip(resumedEnd)).toEqual(strip(shape(second)));
    expect(resumedEnd.map((s) => s.version)).toEqual(["1.1.0", "1.1.0"]);
  }, 120_000);

  it("rolls back when the canary instance died while lineops was away", async () => {
    const dir = tempDir("lineops-resume-lost-");
    const lineFile = canaryLine(dir);
    const first = await start(dir, lineFile);
    const dep = first.deployment.deploy({ service: "station-controller", version: "1.1.0", by: "test" });
    await waitForPhase(first, dep.id, ["Paused"]);
    const canaryPid = first.runtime.list().find((i) => i.version === "1.1.0")?.pid;
    expect(canaryPid).toBeDefined();
    await leave(first);
    process.kill(canaryPid as number, "SIGKILL");

    const second = await start(dir, lineFile);
    const done = await waitFinished(second, dep.id);
    expect(done.phase).toBe("RolledBack");
    expect(done.reason).toMatch(/canary instance of station 2 did not survive the restart/);
    await waitFor(() => (shape(second).every((s) => s.state === "ready") ? true : undefined));
    expect(shape(second).map((s) => `${s.station}:${s.version}:${s.standby}`)).toEqual([
      "1:1.0.0:false",
      "2:1.0.0:false",
    ]);
    expect(await stationVersion(second, "2")).toBe("1.0.0");
  }, 120_000);
});
