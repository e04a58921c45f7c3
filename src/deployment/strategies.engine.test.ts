// The strategies' state machines against the real sample line, on the paths the end-to-end
// deployment tests do not take: recreate never runs two versions at once; rolling without surge
// never runs more than the desired count; a progress deadline rolls back; a failed pre-promotion
// analysis keeps the blue-green switch from ever happening; canary stickiness pins a client.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strategySchema } from "../config/deploy-schema.js";
import type { Lineops } from "../main.js";
import type { InstanceState } from "../runtime/types.js";
import { sampleService, tempDir } from "../test-support/line.js";
import { waitFor } from "../test-support/wait.js";
import { startSettledLineops } from "../test-support/lineops.js";
import { waitFinished } from "../test-support/deployments.js";

let lineops: Lineops;
let lineFile = "";

function writeLine(lineController: { version: string; readinessPath?: string } = { version: "1.0.0" }): void {
  writeFileSync(
    lineFile,
    `line: { name: strategies-test }
analysisTemplates:
  - name: always-failing
    metrics:
      - name: one
        query: vector(1)
        interval: 1s
        count: 1
        successCondition: result < 0.5
services:
${sampleService("plc-gateway")}${sampleService("line-controller", { ...lineController, extra: "    replicas: 2\n    progressDeadline: 3s\n" })}`,
  );
}

const waitDeployment = (id: string) => waitFinished(lineops, id, 30_000);

/** Deploys `version` of `service` with a strategy given as in line.yaml. */
const deployWith = (service: string, version: string, strategy: unknown) =>
  lineops.deployment.deploy({ service, version, by: "test", strategy: strategySchema.parse(strategy) });

const RUNNING: InstanceState[] = ["starting", "ready", "unready", "backoff", "stopping"];

/** Records, at every instance event of `service`, the revisions of its running processes. */
function watchRunning(service: string): { stop(): string[][] } {
  const seen: string[][] = [];
  const off = lineops.runtime.watch((e) => {
    if (e.instance.service === service) {
      seen.push(
        lineops.runtime
          .list({ service })
          .filter((i) => RUNNING.includes(i.state))
          .map((i) => i.revision),
      );
    }
  });
  return {
    stop: () => {
      off();
      return seen;
    },
  };
}

const frontDoor = (name: string) => lineops.deployment.service(name).status.url ?? "";

async function versionAt(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers });
  return ((await res.json()) as { version: string }).version;
}

beforeAll(async () => {
  const dir = tempDir("lineops-strategies-");
  lineFile = path.join(dir, "line.yaml");
  writeLine();
  lineops = await startSettledLineops(dir, lineFile);
});

afterAll(async () => {
  await lineops?.stop();
});

describe("strategies", () => {
  it("recreate stops every old instance before the new revision starts", async () => {
    const before = lineops.deployment.service("plc-gateway").status.revision;
    const running = watchRunning("plc-gateway");
    const rec = deployWith("plc-gateway", "1.1.0", { type: "recreate" });
    const done = await waitDeployment(rec.id);
    const seen = running.stop();
    expect(done.phase, done.reason).toBe("Succeeded");
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.filter((revs) => new Set(revs).size > 1)).toEqual([]);
    // There was a moment with nothing running: recreate has downtime by design.
    expect(seen.some((revs) => revs.length === 0)).toBe(true);
    expect(seen.at(-1)?.every((r) => r !== before)).toBe(true);
    expect(await versionAt(frontDoor("plc-gateway"))).toBe("1.1.0");
  });

  it("rolling without surge never runs more than the desired count, nor fewer than one", async () => {
    const running = watchRunning("line-controller");
    const rec = deployWith("line-controller", "1.1.0", { type: "rolling", maxSurge: 0, maxUnavailable: 1 });
    const done = await waitDeployment(rec.id);
    const seen = running.stop();
    expect(done.phase, done.reason).toBe("Succeeded");
    expect(Math.max(...seen.map((r) => r.length))).toBe(2);
    expect(Math.min(...seen.map((r) => r.length))).toBeGreaterThanOrEqual(1);
    expect(lineops.deployment.service("line-controller").status).toMatchObject({
      version: "1.1.0",
      readyInstances: 2,
    });
  });

  it("rolls back when the new revision is not ready within its progress deadline", async () => {
    const stable = lineops.deployment.service("line-controller").status.revision;
    // 1.2.0 whose readiness path answers 404: it never becomes ready.
    writeLine({ version: "1.2.0", readinessPath: "/no-such-path" });
    const result = (await lineops.reload()) as { failed?: string };
    expect(result.failed).toMatch(/^line-controller: RolledBack/);
    const [last] = lineops.deployment.deployments("line-controller");
    expect(last?.reason).toMatch(/progress deadline of 3s passed waiting for readiness/);
    const { status, instances } = lineops.deployment.service("line-controller");
    expect(status.revision).toBe(stable);
    expect(instances.filter((i) => RUNNING.includes(i.state)).map((i) => i.revision)).toEqual([
      stable,
      stable,
    ]);
    expect(await versionAt(frontDoor("line-controller"))).toBe("1.1.0");
  });

  it("never switches a blue-green deployment whose pre-promotion analysis fails", async () => {
    const url = frontDoor("plc-gateway");
    const rec = deployWith("plc-gateway", "1.0.0", {
      type: "blueGreen",
      prePromotionAnalysis: { templates: ["always-failing"] },
      scaleDownDelay: "0s",
    });
    const done = await waitDeployment(rec.id);
    expect(done.phase).toBe("RolledBack");
    expect(done.reason).toMatch(/analysis failed/);
    expect(done.events.some((e) => e.message.startsWith("switched"))).toBe(false);
    expect(await versionAt(url)).toBe("1.1.0");
  });

  it("pins a client to one revision by its stickiness header during a canary", async () => {
    const rec = deployWith("line-controller", "1.0.0", {
      type: "canary",
      stickiness: { header: "x-client" },
      steps: [{ setWeight: 50 }, { pause: {} }],
    });
    await waitFor(
      () => (lineops.deployment.deployment(rec.id).phase === "Paused" ? true : undefined),
      20_000,
      "paused",
    );
    const url = frontDoor("line-controller");
    const clients = Array.from({ length: 8 }, (_, k) => `client-${k}`);
    const versionsOf = async (client: string) => {
      const vs = new Set<string>();
      for (let n = 0; n < 6; n++) {
        vs.add(await versionAt(url, { "x-client": client }));
      }
      return [...vs];
    };
    const seen = await Promise.all(clients.map(versionsOf));
    // Each client always sees one revision, and at 50 % both revisions have clients.
    expect(seen.every((vs) => vs.length === 1)).toBe(true);
    expect(new Set(seen.flat())).toEqual(new Set(["1.0.0", "1.1.0"]));
    lineops.deployment.control(rec.id, "abort");
    expect((await waitDeployment(rec.id)).phase).toBe("Aborted");
  });
});
