// Deployment strategies against the real sample line: zero failed requests through the front
// door during rolling and blue-green, a faulty canary rolled back, pause/promote/abort, and a
// line-wide plan halting and rolling back in reverse.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lineops } from "../main.js";
import { loadLineFile } from "./line.js";
import { tempDir } from "../test-support/line.js";
import { waitFor } from "../test-support/wait.js";
import { startSettledLineops } from "../test-support/lineops.js";
import { waitFinished } from "../test-support/deployments.js";
import { PACKAGE_ROOT } from "../version.js";
import { INSTANCE_HEADER, STATION_HEADER } from "../runtime/router/router.js";

const probe = "{ type: http, path: /readyz, interval: 200ms, timeout: 1s }";
const service = (name: string, extra = "") => `  - name: ${name}
    version: 1.0.0
    command: node
    args: [dist/line/services/${name}.js]
    cwd: ${PACKAGE_ROOT}
    readiness: ${probe}
${extra}`;

let lineops: Lineops;
let dir = "";

function writeLine(versions: Record<string, string> = {}): string {
  const file = path.join(dir, "line.yaml");
  const text = `line: { name: deploy-test }
services:
${service("plc-gateway", "    strategy: { type: blueGreen, autoPromote: false, scaleDownDelay: 1s }\n")}
${service("station-controller", '    stations: ["1", "2"]\n    dependsOn: [plc-gateway]\n    strategy: { type: canary, steps: [{ setStations: ["2"] }, { pause: { duration: 3s } }] }\n')}
${service("line-controller", '    replicas: 2\n    env: { STATION_COUNT: "2" }\n    dependsOn: [station-controller]\n')}
`.replace(
    /version: 1\.0\.0\n(\s+command: node\n\s+args: \[dist\/line\/services\/([a-z-]+)\.js\])/g,
    (_m, rest: string, name: string) => `version: ${versions[name] ?? "1.0.0"}\n${rest}`,
  );
  writeFileSync(file, text);
  return file;
}

/** Sends work orders through line-controller's front door until stopped; counts failures. */
function load(url: string) {
  let stop = false;
  const counts = { ok: 0, failed: 0, errors: [] as string[] };
  const worker = async () => {
    while (!stop) {
      try {
        const res = await fetch(`${url}/work-orders`, {
          method: "POST",
          body: "{}",
          headers: { "content-type": "application/json" },
        });
        const text = await res.text();
        if (res.status >= 500) {
          counts.failed++;
          counts.errors.push(`HTTP ${res.status} ${text.slice(0, 200)}`);
        } else {
          counts.ok++;
        }
      } catch (err) {
        counts.failed++;
        counts.errors.push(String((err as Error).cause ?? err));
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    counts,
    stop: async () => {
      stop = true;
      await Promise.all(workers);
      return counts;
    },
  };
}

const waitDeployment = (id: string) => waitFinished(lineops, id);

beforeAll(async () => {
  dir = tempDir("lineops-deploy-");
  lineops = await startSettledLineops(dir, writeLine());
});

afterAll(async () => {
  await lineops?.stop();
});

const frontDoor = (name: string) => lineops.deployment.service(name).status.url ?? "";

describe("deployments", () => {
  it("rolls line-controller to 1.1.0 with zero failed requests", async () => {
    const published: string[] = [];
    const off = lineops.bus.on("deployment.event", (e) => published.push(`${e.kind}: ${e.message}`));
    const l = load(frontDoor("line-controller"));
    await waitFor(() => (l.counts.ok > 20 ? true : undefined), 10_000, "load running");
    const rec = lineops.deployment.deploy({ service: "line-controller", version: "1.1.0", by: "test" });
    const done = await waitDeployment(rec.id);
    const counts = await l.stop();
    expect(done.phase, done.reason).toBe("Succeeded");
    expect(counts.failed, counts.errors.slice(0, 5).join("; ")).toBe(0);
    expect(counts.ok).toBeGreaterThan(50);
    // Every stored event of the deployment was also published on the bus, in order.
    off();
    expect(published).toEqual(done.events.map((e) => `${e.kind}: ${e.message}`));
    const status = lineops.deployment.service("line-controller").status;
    expect(status).toMatchObject({ version: "1.1.0", readyInstances: 2, revisionNumber: 2 });
    const res = await fetch(frontDoor("line-controller"));
    expect(((await res.json()) as { version: string }).version).toBe("1.1.0");
  });

  it("rolls a faulty station canary back: traffic and instances on the stable revision", async () => {
    const rec = lineops.deployment.deploy({
      service: "station-controller",
      version: "1.2.0-faulty",
      by: "test",
    });
    const done = await waitDeployment(rec.id);
    expect(done.phase).toBe("RolledBack");
    expect(done.reason).toMatch(/instance station-controller-2-\w+ (exited|failed)/);
    expect(done.events.map((e) => e.message)).toContain("all traffic back on the stable revision");
    await waitFor(() =>
      lineops.deployment.service("station-controller").status.readyInstances === 2 ? true : undefined,
    );
    const { status, instances } = lineops.deployment.service("station-controller");
    expect(status.version).toBe("1.0.0");
    expect(instances.filter((i) => i.state === "ready").every((i) => i.version === "1.0.0")).toBe(true);
    // Steps are not re-run on rollback: station 2 was moved once, never again.
    expect(
      done.events.filter((e) => e.message.startsWith("station 2 on the canary")).length,
    ).toBeLessThanOrEqual(1);
  });

  it("holds a blue-green deployment for promotion, serves the preview by header, then switches", async () => {
    const rec = lineops.deployment.deploy({ service: "plc-gateway", version: "1.1.0", by: "test" });
    await waitFor(
      () => (lineops.deployment.deployment(rec.id).phase === "Paused" ? true : undefined),
      20_000,
      "paused",
    );
    const url = frontDoor("plc-gateway");
    const stable = (await (await fetch(url)).json()) as { version: string };
    expect(stable.version).toBe("1.0.0");
    lineops.deployment.control(rec.id, "promote");
    const done = await waitDeployment(rec.id);
    expect(done.phase).toBe("Succeeded");
    expect(((await (await fetch(url)).json()) as { version: string }).version).toBe("1.1.0");
  });

  it("aborts a paused canary and puts everything back", async () => {
    const station2 = () =>
      lineops.deployment
        .service("station-controller")
        .instances.filter((i) => i.station === "2" && i.state === "ready");
    const servedBy = async () => {
      const res = await fetch(frontDoor("station-controller"), { headers: { [STATION_HEADER]: "2" } });
      await res.arrayBuffer();
      return res.headers.get(INSTANCE_HEADER);
    };
    const [original] = station2();
    expect(original?.version).toBe("1.0.0");
    const rec = lineops.deployment.deploy({ service: "station-controller", version: "1.1.0", by: "test" });
    await waitFor(
      () => (lineops.deployment.deployment(rec.id).phase === "Paused" ? true : undefined),
      20_000,
      "paused",
    );
    // Station 2 is served by its canary; its stable instance is kept warm out of rotation.
    const canaryOf2 = station2().find((i) => i.version === "1.1.0");
    expect(canaryOf2).toBeDefined();
    expect(station2().map((i) => i.id)).toContain(original?.id);
    expect(await servedBy()).toBe(canaryOf2?.id);
    lineops.deployment.control(rec.id, "abort");
    const done = await waitDeployment(rec.id);
    expect(done.phase).toBe("Aborted");
    // The warm instance took station 2 back: not restarted, the same process.
    expect(station2().map((i) => i.id)).toEqual([original?.id]);
    expect(await servedBy()).toBe(original?.id);
    await waitFor(() => {
      const { status, instances } = lineops.deployment.service("station-controller");
      return status.readyInstances === 2 &&
        instances.filter((i) => i.state === "ready").every((i) => i.version === "1.0.0")
        ? true
        : undefined;
    });
  });

  it("rejects a deployment while one is in progress, and one that changes nothing", async () => {
    expect(() =>
      lineops.deployment.deploy({ service: "line-controller", version: "1.1.0", by: "t" }),
    ).toThrow(expect.objectContaining({ code: "LINEOPS_ERR_NOTHING_TO_DEPLOY" }));
    expect(() => lineops.deployment.deploy({ service: "nope", version: "1", by: "t" })).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_SERVICE_NOT_FOUND" }),
    );
  });

  it("previews a changed line without changing anything", async () => {
    const file = writeLine({
      "station-controller": "1.1.0",
      "line-controller": "1.1.0",
      "plc-gateway": "1.1.0",
    });
    const plan = lineops.deployment.planLine(loadLineFile(file), dir);
    expect(plan.order).toEqual([["station-controller"]]);
    expect(plan.services).toEqual([
      expect.objectContaining({
        name: "station-controller",
        action: "deploy",
        fromVersion: "1.0.0",
        toVersion: "1.1.0",
        strategy: "canary",
        diff: [{ path: "version", from: "1.0.0", to: "1.1.0" }],
      }),
    ]);
    expect(lineops.deployment.service("station-controller").status.version).toBe("1.0.0");
  });

  it("deploys a changed line as a plan in dependency order and rolls back in reverse when one fails", async () => {
    // plc-gateway (level 0) would succeed; station-controller (level 1) fails: plc-gateway goes back.
    const before = lineops.deployment.service("plc-gateway").status.revision;
    const file = writeLine({
      "plc-gateway": "1.0.0",
      "station-controller": "1.2.0-faulty",
      "line-controller": "1.1.0",
    });
    const applying = lineops.reload();
    // blue-green of plc-gateway waits for promotion: promote it when it pauses.
    await waitFor(() => {
      const d = lineops.deployment.deployments("plc-gateway")[0];
      if (d?.phase === "Paused") {
        lineops.deployment.control(d.id, "promote");
        return true;
      }
      return undefined;
    }, 30_000);
    const result = (await applying) as { failed?: string };
    expect(result.failed).toMatch(/station-controller/);
    expect(file).toContain("line.yaml");
    await waitFor(
      () => (lineops.deployment.service("plc-gateway").status.revision === before ? true : undefined),
      30_000,
    );
    const last = lineops.deployment.deployments("plc-gateway")[0];
    expect(last?.createdBy).toMatch(/plan rollback/);
    expect(lineops.deployment.service("line-controller").status.version).toBe("1.1.0");
  });
});
