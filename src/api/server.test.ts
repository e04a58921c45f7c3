// The API against a real control plane running a small real line: auth, roles, audit, errors.
// Requests go in-process (inject); transport.test.ts covers the wire.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { startLineops, type Lineops } from "../main.js";
import { smallLine, tempDir } from "../test-support/line.js";
import { injectApi } from "../test-support/api.js";
import { waitFor } from "../test-support/wait.js";

let lineops: Lineops;
let admin = "";
let viewer = "";
let operator = "";

const call = injectApi(() => lineops);
const api = (path: string, token?: string, method = "GET", body?: unknown, type?: string) =>
  call(method, path, { ...(token ? { token } : {}), body, ...(type ? { type } : {}) });

beforeAll(async () => {
  const dir = tempDir();
  lineops = await startLineops({
    dataDir: dir,
    port: 0,
    lineFile: smallLine(
      dir,
      `  - name: broken
    version: 1.0.0
    command: /nonexistent/lineops-no-such-command
`,
    ),
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  viewer = lineops.tokens.create("view", "viewer").token;
  operator = lineops.tokens.create("op", "operator").token;
});

afterAll(async () => {
  await lineops?.stop();
});

describe("API", () => {
  it("answers 401 without a token and with a wrong one, in the error envelope", async () => {
    const none = await api("/api/v1/status");
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({
      status: "error",
      errorType: "unauthorized",
      code: "LINEOPS_ERR_UNAUTHORIZED",
    });
    expect((await api("/api/v1/status", "lo_wrong")).status).toBe(401);
  });

  it("answers 403 for a viewer on an operator route and 200 for the right role", async () => {
    const denied = await api("/api/v1/services/plc-gateway/restart", viewer, "POST");
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("LINEOPS_ERR_FORBIDDEN");
    expect((await api("/api/v1/audit", operator)).status).toBe(403);
    const ok = await api("/api/v1/services/plc-gateway/restart", operator, "POST");
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: "plc-gateway" });
  });

  it("serves status with ready counts and the failed service's reason", async () => {
    const { status, body } = await api("/api/v1/status", viewer);
    expect(status).toBe(200);
    const services = body.services as {
      name: string;
      ready: boolean;
      instances: number;
      readyInstances: number;
    }[];
    expect(services.find((s) => s.name === "plc-gateway")).toMatchObject({ ready: true, readyInstances: 1 });
    expect(services.find((s) => s.name === "broken")).toMatchObject({ ready: false, readyInstances: 0 });
    const broken = await api("/api/v1/instances?service=broken", viewer);
    const [inst] = broken.body.instances as { state: string; reason?: string }[];
    expect(inst?.state).toBe("failed");
    expect(inst?.reason).toMatch(/ENOENT|no-such-command/);
  });

  it("audits every mutating call with who, what and the outcome", async () => {
    await api("/api/v1/tokens", admin, "POST", { name: "ci", role: "viewer" });
    await api("/api/v1/services/plc-gateway/restart", viewer, "POST");
    const { body } = await api("/api/v1/audit?limit=20", admin);
    const records = body.records as { actor: string; action: string; outcome: string; status: number }[];
    expect(records).toContainEqual(
      expect.objectContaining({
        actor: "admin (admin)",
        action: "POST /api/v1/tokens",
        outcome: "success",
        status: 201,
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        actor: "view (viewer)",
        action: "POST /api/v1/services/:name/restart",
        outcome: "denied",
        status: 403,
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        actor: "op (operator)",
        action: "POST /api/v1/services/:name/restart",
        outcome: "success",
      }),
    );
  });

  it("never returns token values except at creation", async () => {
    const created = await api("/api/v1/tokens", admin, "POST", { name: "once", role: "operator" });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^lo_/);
    const list = await api("/api/v1/tokens", admin);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(JSON.stringify(list.body)).not.toContain(admin);
  });

  it("rejects a bad body with 400 and an oversized one with 413", async () => {
    const bad = await api("/api/v1/tokens", admin, "POST", { name: "x", role: "root" });
    expect(bad.status).toBe(400);
    expect(bad.body.errorType).toBe("bad_data");
    const big = await api("/api/v1/tokens", admin, "POST", {
      name: "x".repeat(2 * 1024 * 1024),
      role: "viewer",
    });
    expect(big.status).toBe(413);
  });

  it("applies a line over the API and reports YAML errors with line and column", async () => {
    const bad = await api(
      "/api/v1/line",
      admin,
      "POST",
      "services:\n  - name: a\n    version: 1\n    command: x\n    colour: red\n",
      "application/yaml",
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("LINEOPS_ERR_CONFIG_INVALID");
    expect(bad.body.error).toMatch(/request body:5:5: services\[0\]\.colour: unknown key/);
    const denied = await api("/api/v1/line", operator, "POST", "services: []\n", "application/yaml");
    expect(denied.status).toBe(403);
  });

  it("keeps revision history per service", async () => {
    const { body } = await api("/api/v1/services/plc-gateway/revisions", viewer);
    const revisions = body.revisions as { number: number; version: string }[];
    expect(revisions[0]).toMatchObject({ number: 1, version: "1.0.0" });
    expect((await api("/api/v1/services/nope/revisions", viewer)).body.code).toBe(
      "LINEOPS_ERR_SERVICE_NOT_FOUND",
    );
  });

  it("tails logs over the API for an operator (a viewer may not read logs)", async () => {
    expect((await api("/api/v1/services/plc-gateway/logs?lines=5", viewer)).status).toBe(403);
    const res = await waitFor(async () => {
      const r = await api("/api/v1/services/plc-gateway/logs?lines=5", operator);
      const inst = (r.body.instances as { lines: string[] }[])[0];
      return inst && inst.lines.length > 0 ? inst : undefined;
    });
    expect(res.lines.join("\n")).toMatch(/listening/);
  });

  it("publishes an OpenAPI document, health endpoints and its own metrics", async () => {
    const doc = await api("/api/v1/openapi.json", viewer);
    expect(doc.body.openapi).toBe("3.0.3");
    expect(Object.keys(doc.body.paths as object)).toContain("/api/v1/status");
    expect((await api("/-/healthy")).status).toBe(200);
    expect((await api("/-/ready")).status).toBe(200);
    const metrics = await api("/metrics");
    expect(metrics.text).toMatch(/lineops_instances\{service="plc-gateway",state="ready"\} 1/);
    expect((await api("/api/v1/nope", viewer)).body.code).toBe("LINEOPS_ERR_ROUTE_NOT_FOUND");
  });
});
