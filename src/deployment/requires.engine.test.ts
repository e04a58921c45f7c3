// Version constraints between services (`requires`) against the real sample line: a line that
// breaks one is refused with its file position and changes nothing; a plan that adds a dependency
// together with its constraint deploys the dependency first; a single deploy that would break
// another service's constraint is refused.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lineops } from "../main.js";
import { sampleService, tempDir } from "../test-support/line.js";
import { startSettledLineops } from "../test-support/lineops.js";

let lineops: Lineops;
let dir = "";
let lineFile = "";

/** plc-gateway and mes-connector; mes-connector may depend on plc-gateway with a constraint. */
function writeLine(plc: string, mes: string, mesExtra = ""): void {
  const rolling = "    strategy: { type: rolling }\n";
  writeFileSync(
    lineFile,
    `line: { name: requires-test }\nservices:\n${sampleService("plc-gateway", { version: plc, extra: rolling })}${sampleService("mes-connector", { version: mes, extra: rolling + mesExtra })}`,
  );
}

const versions = () => ({
  plc: lineops.deployment.service("plc-gateway").status.version,
  mes: lineops.deployment.service("mes-connector").status.version,
});

beforeAll(async () => {
  dir = tempDir("lineops-requires-");
  lineFile = path.join(dir, "line.yaml");
  writeLine("1.0.0", "1.0.0");
  lineops = await startSettledLineops(dir, lineFile);
});

afterAll(async () => {
  await lineops?.stop();
});

describe("requires", () => {
  it("refuses a line whose constraint the line itself breaks, naming the place, and changes nothing", async () => {
    const before = lineops.deployment.deployments().length;
    writeLine("1.0.0", "1.1.0", '    dependsOn: [plc-gateway]\n    requires: { plc-gateway: ">=1.1" }\n');
    await expect(lineops.reload()).rejects.toThrow(
      /line\.yaml:\d+:\d+: services\[1\]\.requires\.plc-gateway: mes-connector 1\.1\.0 needs plc-gateway >=1\.1, but this line deploys plc-gateway 1\.0\.0/,
    );
    expect(versions()).toEqual({ plc: "1.0.0", mes: "1.0.0" });
    expect(lineops.deployment.deployments()).toHaveLength(before);
  });

  it("deploys a dependency added with its constraint before the service that needs it", async () => {
    // Before this change the two are independent (the same DAG level); the new line orders them.
    writeLine("1.1.0", "1.1.0", '    dependsOn: [plc-gateway]\n    requires: { plc-gateway: ">=1.1" }\n');
    const result = (await lineops.reload()) as { failed?: string; order: string[][] };
    expect(result.failed).toBeUndefined();
    expect(result.order).toEqual([["plc-gateway"], ["mes-connector"]]);
    expect(versions()).toEqual({ plc: "1.1.0", mes: "1.1.0" });
    const [mes] = lineops.deployment.deployments("mes-connector");
    const [plc] = lineops.deployment.deployments("plc-gateway");
    expect(plc?.phase).toBe("Succeeded");
    expect(mes?.phase).toBe("Succeeded");
    // mes-connector's deployment started only after plc-gateway's had finished.
    expect(mes?.createdAt ?? 0).toBeGreaterThanOrEqual(plc?.finishedAt ?? Infinity);
  });

  it("refuses a single deploy that would break another service's constraint", () => {
    expect(() => lineops.deployment.deploy({ service: "plc-gateway", version: "1.0.0", by: "test" })).toThrow(
      expect.objectContaining({
        code: "LINEOPS_ERR_VERSION_CONSTRAINT",
        message: expect.stringMatching(
          /mes-connector 1\.1\.0 needs plc-gateway >=1\.1; plc-gateway 1\.0\.0 would break it/,
        ) as unknown,
      }),
    );
    expect(versions()).toEqual({ plc: "1.1.0", mes: "1.1.0" });
  });
});
