// A deployment waits at a closed state gate with its reason visible; an operator cannot override,
// an admin can, and the override is audited.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../main.js";
import { tempDir } from "../test-support/line.js";
import { waitFor } from "../test-support/wait.js";
import { PACKAGE_ROOT } from "../version.js";

let lineops: Lineops;
let admin = "";
let operator = "";

beforeAll(async () => {
  const dir = tempDir("lineops-gates-");
  const file = path.join(dir, "line.yaml");
  writeFileSync(
    file,
    `services:
  - name: quality-inspection
    version: 1.0.0
    command: node
    args: [dist/line/services/quality-inspection.js]
    cwd: ${PACKAGE_ROOT}
    readiness: { type: http, path: /readyz, interval: 200ms, timeout: 1s }
    gates:
      state: [{ name: changeover, query: 'vector(0) > 1' }]
      waitTimeout: 10m
`,
  );
  lineops = await startLineops({
    dataDir: path.join(dir, "data"),
    port: 0,
    lineFile: file,
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  operator = lineops.tokens.create("op", "operator").token;
});

afterAll(async () => {
  await lineops?.stop();
});

const post = (p: string, token: string, body?: unknown) =>
  fetch(`${lineops.url}${p}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe("production gates", () => {
  it("waits with the reason, refuses an operator override, lets an admin through and audits it", async () => {
    const res = await post("/api/v1/deployments", operator, {
      service: "quality-inspection",
      version: "1.1.0",
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const waiting = await waitFor(() => {
      const d = lineops.deployment.deployment(id);
      return d.phase === "WaitingForGate" ? d : undefined;
    });
    expect(waiting.reason).toMatch(/state gate "changeover": vector\(0\) > 1 returned no series/);
    expect((await post(`/api/v1/deployments/${id}/override-gates`, operator)).status).toBe(403);
    expect((await post(`/api/v1/deployments/${id}/override-gates`, admin)).status).toBe(200);
    const done = await waitFor(() => {
      const d = lineops.deployment.deployment(id);
      return d.phase === "Succeeded" ? d : undefined;
    }, 30_000);
    expect(done.events.map((e) => e.message)).toContain("gates overridden by an admin");
    const audit = (await (
      await fetch(`${lineops.url}/api/v1/audit`, { headers: { authorization: `Bearer ${admin}` } })
    ).json()) as { records: { actor: string; action: string; outcome: string }[] };
    expect(audit.records).toContainEqual(
      expect.objectContaining({
        actor: "admin (admin)",
        action: "POST /api/v1/deployments/:id/override-gates",
        outcome: "success",
      }),
    );
  });
});
