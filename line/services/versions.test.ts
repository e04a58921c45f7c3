// Behaviour by SERVICE_VERSION: the healthy 1.1.0 upgrade and the broken 1.2.0-faulty release.
import { afterAll, describe, expect, it } from "vitest";
import { getJson, postJson, startLineService, stopAll } from "../test-support/spawn.js";

afterAll(stopAll);

describe("1.1.0", () => {
  it("runs a visibly faster station cycle", async () => {
    const station = await startLineService("station-controller", { SERVICE_VERSION: "1.1.0" });
    const root = await getJson(`${station.url}/`);
    expect(root.body).toMatchObject({ service: "station-controller", version: "1.1.0", station: "1" });
    expect(root.body.nominalCycleMs).toBeLessThan(40);
    expect((await postJson(`${station.url}/process`, { workOrderId: "WO-1" })).status).toBe(200);
  });
});

describe("1.2.0-faulty", () => {
  it("station-controller crash-loops: it exits with code 1 shortly after starting", async () => {
    const started = Date.now();
    const station = await startLineService("station-controller", { SERVICE_VERSION: "1.2.0-faulty" });
    const exit = await station.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(station.logs()).toContain("simulated defect");
  });

  it("line-controller answers a share of work orders with 5xx and adds latency", async () => {
    const line = await startLineService("line-controller", { SERVICE_VERSION: "1.2.0-faulty" });
    const statuses: number[] = [];
    const started = performance.now();
    // 5 concurrent lanes of 10: enough samples for ~20 % errors, without paying 50 × 200 ms serially.
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let i = 0; i < 10; i++) {
          const res = await fetch(`${line.url}/work-orders`, { method: "POST", body: "{}" });
          await res.arrayBuffer();
          statuses.push(res.status);
        }
      }),
    );
    const serverErrors = statuses.filter((s) => s >= 500).length;
    expect(statuses).toHaveLength(50);
    // P(no 5xx in 50 at 20 %) ≈ 1e-5 and P(more than 30) is far smaller: neither bound flakes.
    expect(serverErrors).toBeGreaterThan(0);
    expect(serverErrors).toBeLessThan(30);
    expect(statuses.filter((s) => s === 201).length).toBe(50 - serverErrors);
    // Each lane made 10 sequential requests of at least 200 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(10 * 200);
  });
});
