// The real CLI: SIGKILL of the control plane in the middle of a canary leaves the line running; the
// next `lineops serve` re-adopts every instance (same pids), the deployment resumes paused where it
// was and finishes on promotion. A graceful SIGTERM of `serve` also leaves the line running, and
// `--stop-line` stops it.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlPlanes, isAlive, runCli, servedAt } from "../test-support/cli.js";
import { tempDir } from "../test-support/line.js";
import { waitFor } from "../test-support/wait.js";
import { PACKAGE_ROOT } from "../version.js";

const dir = tempDir("lineops-crash-");
const dataDir = path.join(dir, "data");
const lineFile = path.join(dir, "line.yaml");
writeFileSync(
  lineFile,
  `services:
  - name: station-controller
    version: 1.0.0
    command: node
    args: [dist/line/services/station-controller.js]
    cwd: ${PACKAGE_ROOT}
    stations: ["1", "2"]
    readiness: { type: http, path: /readyz, interval: 200ms, timeout: 1s }
    strategy: { type: canary, steps: [{ setStations: ["2"] }, { pause: {} }] }
`,
);
const planes = new ControlPlanes();
const serve = (...more: string[]) =>
  planes.spawn(dataDir, [
    "serve",
    "--line",
    lineFile,
    "--data-dir",
    dataDir,
    "--port",
    "0",
    "--log-level",
    "warn",
    ...more,
  ]);
const cli = async <T>(args: string[], env: Record<string, string>): Promise<T> => {
  const r = await runCli([...args, "--json"], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

afterAll(() => planes.stopAll());

type Instances = { instances: { pid?: number; version: string; state: string; standby?: boolean }[] };

const ready = async (child: ReturnType<typeof serve>, env: Record<string, string>) => {
  const env2 = await waitFor(
    () => {
      const url = /lineops (http:\/\/\S+)/.exec(child.output())?.[1];
      return url ? { ...env, LINEOPS_URL: url } : undefined;
    },
    20_000,
    "serve to print its URL",
  );
  await waitFor(async () => {
    const s = await cli<{ ready: boolean }>(["status"], env2);
    return s.ready ? true : undefined;
  }, 30_000);
  return env2;
};

const exited = (child: ReturnType<typeof serve>) =>
  waitFor(() => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 20_000, "exit");

describe("control plane killed mid-deployment", () => {
  it("re-adopts the line and resumes the deployment where it was", async () => {
    const first = serve();
    const served = await servedAt(first);
    const env = { LINEOPS_URL: served.url, LINEOPS_TOKEN: served.token };
    await ready(first, env);
    const dep = await cli<{ id: string }>(
      ["deploy", "station-controller", "--version", "1.1.0", "--no-wait"],
      env,
    );
    await waitFor(async () => {
      const d = await cli<{ phase: string }>(["deployment", "show", dep.id], env);
      return d.phase === "Paused" ? true : undefined;
    });
    const before = await cli<Instances>(["instances"], env);
    // Station 2's canary, station 1's stable instance, and station 2's stable one kept warm out of
    // rotation for an instant rollback.
    const running = (l: Instances) =>
      l.instances
        .filter((i) => i.state === "ready")
        .map((i) => `${i.version}:${i.pid}:${i.standby === true}`)
        .sort();
    expect(before.instances.filter((i) => i.standby).map((i) => i.version)).toEqual(["1.0.0"]);
    const pids = before.instances.map((i) => i.pid).filter((p): p is number => p !== undefined);
    expect(pids.length).toBe(3);

    first.kill("SIGKILL");
    await exited(first);
    expect(pids.every(isAlive)).toBe(true);

    const second = serve();
    const env2 = await ready(second, env);
    const d = await cli<{ phase: string }>(["deployment", "show", dep.id], env2);
    expect(d.phase).toBe("Paused");
    await waitFor(async () =>
      running(await cli<Instances>(["instances"], env2)).length === 3 ? true : undefined,
    );
    expect(running(await cli<Instances>(["instances"], env2))).toEqual(running(before));

    const promoted = await runCli(["deployment", "promote", dep.id], env2);
    expect(promoted.code, promoted.stderr).toBe(0);
    await waitFor(async () => {
      const x = await cli<{ phase: string }>(["deployment", "show", dep.id], env2);
      return x.phase === "Succeeded" ? true : undefined;
    });
    const after = await cli<Instances>(["instances"], env2);
    expect(
      after.instances
        .filter((i) => i.state !== "stopped")
        .map((i) => `${i.version}:${i.state}`)
        .sort(),
    ).toEqual(["1.1.0:ready", "1.1.0:ready"]);

    // A graceful stop of `serve` leaves the line running; with --stop-line it stops it.
    const live = after.instances.map((i) => i.pid).filter((p): p is number => p !== undefined && isAlive(p));
    second.kill("SIGTERM");
    await exited(second);
    expect(second.exitCode).toBe(0);
    expect(live.every(isAlive)).toBe(true);
    const third = serve("--stop-line");
    const env3 = await ready(third, env);
    // The adopted processes are all there (the line file, applied at start, may then deploy its
    // own version of station-controller: it says 1.0.0, the CLI deployed 1.1.0).
    const thirdPids = (await cli<Instances>(["instances"], env3)).instances
      .map((i) => i.pid)
      .filter((p): p is number => p !== undefined);
    expect(thirdPids).toEqual(expect.arrayContaining(live));
    third.kill("SIGTERM");
    await exited(third);
    await waitFor(() => (thirdPids.every((p) => !isAlive(p)) ? true : undefined), 10_000, "line stopped");
  }, 120_000);
});
