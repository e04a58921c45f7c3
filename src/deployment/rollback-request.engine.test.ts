// Rollback requests from incident correlation arrive over the event bus (alerting never imports this
// engine): the deployment named is rolled back while it is still the service's latest, and a request
// naming an older deployment changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lineops } from "../main.js";
import { waitFinished } from "../test-support/deployments.js";
import { smallLine, tempDir } from "../test-support/line.js";
import { startSettledLineops } from "../test-support/lineops.js";
import { waitFor } from "../test-support/wait.js";

let lineops: Lineops;

beforeAll(async () => {
  const dir = tempDir("lineops-rollback-request-");
  lineops = await startSettledLineops(dir, smallLine(dir));
}, 60_000);

afterAll(async () => {
  await lineops?.stop();
});

describe("deployment.rollback.requested", () => {
  it("rolls back the latest deployment it names, and ignores one that is no longer the latest", async () => {
    const first = lineops.deployment.deploy({ service: "quality-inspection", version: "1.0.1", by: "test" });
    await waitFinished(lineops, first.id);
    const second = lineops.deployment.deploy({ service: "quality-inspection", version: "1.0.2", by: "test" });
    await waitFinished(lineops, second.id);
    const before = lineops.deployment.deployments("quality-inspection").length;

    lineops.bus.emit("deployment.rollback.requested", {
      deploymentId: first.id,
      service: "quality-inspection",
      incidentId: 3,
      reason: "incident 3: an old alert",
      at: Date.now(),
    });
    expect(lineops.deployment.deployments("quality-inspection")).toHaveLength(before);

    lineops.bus.emit("deployment.rollback.requested", {
      deploymentId: second.id,
      service: "quality-inspection",
      incidentId: 4,
      reason: "incident 4: StationFaulted started 12 s after it",
      at: Date.now(),
    });
    const rollback = await waitFor(
      () =>
        lineops.deployment
          .deployments("quality-inspection")
          .find((d) => d.createdBy === "incident 4 (rollback)"),
      10_000,
      "a rollback deployment created by incident 4",
    );
    await waitFinished(lineops, rollback.id);
    expect(lineops.deployment.service("quality-inspection").status.version).toBe("1.0.1");
    expect(lineops.deployment.deployment(second.id).events.map((e) => e.message)).toContain(
      "rollback requested by incident 4: StationFaulted started 12 s after it",
    );
  }, 120_000);
});
