// GET /api/v1/infrastructure/recommendations and /capacity on a real lineops running a small line
// with declared `resources`: every service listed with a verdict and its evidence window, a packing
// onto a given node with exact numbers, and bad parameters refused naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapacityReport, RecommendationReport } from "../../infrastructure/index.js";
import type { Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { sampleService, smallLine, tempDir } from "../../test-support/line.js";
import { startSettledLineops } from "../../test-support/lineops.js";

describe("right-sizing and capacity routes", () => {
  let lineops: Lineops;
  let viewer = "";
  const dir = tempDir("lineops-optimizer-");
  const get = injectApi(() => lineops);

  beforeAll(async () => {
    // plc-gateway and quality-inspection (no resources) plus one service with 2 replicas and requests.
    const extra = sampleService("mes-connector", {
      extra: "    replicas: 2\n    resources: { cpu: 300m, memory: 512Mi }\n",
    });
    lineops = await startSettledLineops(dir, smallLine(dir, extra));
    viewer = lineops.tokens.create("viewer", "viewer").token;
  }, 60_000);

  afterAll(async () => {
    await lineops?.stop();
  });

  it("lists every service with its declared resources, a verdict per resource and the evidence window", async () => {
    const r = await get("GET", "/api/v1/infrastructure/recommendations", { token: viewer });
    expect(r.status, r.text).toBe(200);
    const data = (r.body as unknown as { data: RecommendationReport }).data;
    expect(data.services.map((s) => s.service).sort()).toEqual([
      "mes-connector",
      "plc-gateway",
      "quality-inspection",
    ]);
    const mes = data.services.find((s) => s.service === "mes-connector")!;
    expect(mes.declared).toEqual({ cpuCores: 0.3, memoryBytes: 512 * 2 ** 20 });
    expect(mes.evidence.toMs - mes.evidence.fromMs).toBe(8 * 86_400_000);
    expect(mes.evidence.stepSeconds).toBe(60);
    for (const s of data.services) {
      expect(["under-provisioned", "over-provisioned", "ok", "undeclared", "no-data"]).toContain(s.cpu);
    }
    const plc = data.services.find((s) => s.service === "plc-gateway")!;
    expect(["undeclared", "no-data"]).toContain(plc.cpu);

    const one = await get("GET", "/api/v1/infrastructure/recommendations?service=mes-connector", {
      token: viewer,
    });
    expect((one.body as unknown as { data: RecommendationReport }).data.services).toHaveLength(1);
    const unknown = await get("GET", "/api/v1/infrastructure/recommendations?service=nope", {
      token: viewer,
    });
    expect(unknown.status).toBe(404);
    expect((unknown.body as unknown as { error: string }).error).toBe('service "nope" not found');
  });

  it("packs N lines onto a given node size and reports this host's requests", async () => {
    const r = await get("GET", "/api/v1/infrastructure/capacity?lines=3&nodeCpu=500m&nodeMemory=1Gi", {
      token: viewer,
    });
    expect(r.status, r.text).toBe(200);
    const data = (r.body as unknown as { data: CapacityReport }).data;
    // Two mes-connector instances run here at 300m / 512Mi each.
    expect(data.host.cpu.requested).toBeCloseTo(0.6, 9);
    expect(data.host.memory.requested).toBe(1024 * 2 ** 20);
    expect(data.packing).toMatchObject({
      lines: 3,
      nodeSource: "given",
      node: { cpuCores: 0.5, memoryBytes: 2 ** 30 },
    });
    // 6 mes-connector instances of 300m fit one per 500m node; the others have no request unless
    // the recommender already has a target for them.
    const mesNodes = data.packing!.firstFit.nodes.filter((n) => n.services["mes-connector"] !== undefined);
    expect(mesNodes).toHaveLength(6);
    expect(data.packing!.bestFit.nodeCount).toBe(data.packing!.firstFit.nodeCount);
  });

  it("refuses bad parameters with a 400 naming the field, and anonymous callers", async () => {
    for (const [q, field] of [
      ["nodeMemory=lots", "nodeMemory"],
      ["nodeCpu=-2", "nodeCpu"],
      ["lines=0", "lines"],
      ["lines=101", "lines"],
      ["colour=red", "colour"],
    ] as const) {
      const r = await get("GET", `/api/v1/infrastructure/capacity?${q}`, { token: viewer });
      expect(r.status, q).toBe(400);
      expect(r.text, q).toContain(field);
    }
    expect((await get("GET", "/api/v1/infrastructure/capacity")).status).toBe(401);
    expect((await get("GET", "/api/v1/infrastructure/recommendations")).status).toBe(401);
  });
});
