// SIGKILL of the control plane in the middle of a canary: on restart the deployment is recorded as
// rolled back, the stable revision runs, no instance of the killed control plane is left, and the
// front door routes only to live instances.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlPlanes, isAlive, runCli } from "../test-support/cli.js";
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
const serve = () =>
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
  ]);
const cli = async <T>(args: string[], env: Record<string, string>): Promise<T> => {
  const r = await runCli([...args, "--json"], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

afterAll(() => planes.stopAll());

type Instances = { instances: { pid?: number; version: string; state: string; standby?: boolean }[] };

describe("control plane killed mid-deployment", () => {
  it("rolls the deployment back on restart and leaks no instance", async () => {
    const first = serve();
    const env = await waitFor(
      () => {
        const url = /lineops (http:\/\/\S+)/.exec(first.output())?.[1];
        const token = /admin token \(shown once, store it now\): (\S+)/.exec(first.output())?.[1];
        return url && token ? { LINEOPS_URL: url, LINEOPS_TOKEN: token } : undefined;
      },
      20_000,
      "serve to print its URL and token",
    );
    await waitFor(async () => {
      const s = await cli<{ ready: boolean }>(["status"], env);
      return s.ready ? true : undefined;
    });
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
    // rotation for an instant rollback: three processes a restart must not leak.
    expect(
      before.instances
        .filter((i) => i.state === "ready")
        .map((i) => i.version)
        .sort(),
    ).toEqual(["1.0.0", "1.0.0", "1.1.0"]);
    expect(before.instances.filter((i) => i.standby).map((i) => i.version)).toEqual(["1.0.0"]);
    const pids = before.instances.map((i) => i.pid).filter((p): p is number => p !== undefined);

    first.kill("SIGKILL");
    await waitFor(() => (first.exitCode !== null || first.signalCode !== null ? true : undefined));

    const second = serve();
    const env2 = await waitFor(
      () => {
        const url = /lineops (http:\/\/\S+)/.exec(second.output())?.[1];
        return url ? { ...env, LINEOPS_URL: url } : undefined;
      },
      20_000,
      "restarted serve to print its URL",
    );
    await waitFor(async () => {
      const s = await cli<{ ready: boolean }>(["status"], env2);
      return s.ready ? true : undefined;
    }, 30_000);
    await waitFor(() => (pids.every((p) => !isAlive(p)) ? true : undefined), 10_000, "orphans gone");
    const d = await cli<{ phase: string; reason: string }>(["deployment", "show", dep.id], env2);
    expect(d).toMatchObject({ phase: "RolledBack", reason: "control plane restarted during the deployment" });
    const after = await cli<Instances>(["instances"], env2);
    const live = after.instances.filter((i) => i.state !== "stopped");
    expect(live.map((i) => `${i.version}:${i.state}`).sort()).toEqual(["1.0.0:ready", "1.0.0:ready"]);
    second.kill("SIGTERM");
    await waitFor(() => (second.exitCode !== null ? true : undefined), 20_000, "clean exit");
  }, 90_000);
});
