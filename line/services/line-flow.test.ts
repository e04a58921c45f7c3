// End-to-end: all five services as processes, wired only through front-door URLs (a test router
// stands in for lineops's station routing), with work orders and faults flowing through the line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleSum, sampleValue, scrape } from "../test-support/metrics.js";
import { getJson, postJson, startLineService, stopAll } from "../test-support/spawn.js";
import { waitFor } from "../../src/test-support/wait.js";
import type { ServiceProcess } from "../test-support/spawn.js";
import { startStationRouter } from "../test-support/station-router.js";

let plc: ServiceProcess;
let quality: ServiceProcess;
let mes: ServiceProcess;
let station1: ServiceProcess;
let station2: ServiceProcess;
let line: ServiceProcess;
let router: Awaited<ReturnType<typeof startStationRouter>>;

beforeAll(async () => {
  // Out-of-tolerance reads would scrap units at random; turn them off so counts are exact.
  [plc, quality, mes] = await Promise.all([
    startLineService("plc-gateway", { PLC_OUT_OF_TOLERANCE_RATE: "0" }),
    startLineService("quality-inspection", { QUALITY_FAIL_RATE: "0" }),
    startLineService("mes-connector"),
  ]);
  const station = (id: string) =>
    startLineService("station-controller", { STATION_ID: id, PLC_GATEWAY_URL: plc.url });
  [station1, station2] = await Promise.all([station("1"), station("2")]);
  router = await startStationRouter({ "1": station1.url, "2": station2.url });
  line = await startLineService("line-controller", {
    STATION_COUNT: "2",
    STATION_CONTROLLER_URL: router.url,
    QUALITY_INSPECTION_URL: quality.url,
    MES_CONNECTOR_URL: mes.url,
  });
});
afterAll(async () => {
  await stopAll();
  await router.close();
});

const workOrder = (id: string) => postJson(`${line.url}/work-orders`, { workOrderId: id });

describe("work orders through the whole line", () => {
  it("flows line-controller → station (round-robin) → PLC → quality → MES", async () => {
    const results = [];
    for (const id of ["WO-e2e-1", "WO-e2e-2", "WO-e2e-3", "WO-e2e-4"]) {
      results.push(await workOrder(id));
    }
    for (const r of results) {
      expect(r).toMatchObject({ status: 201, body: { result: "completed" } });
      expect(r.body.unitId).toMatch(new RegExp(`^U-${String(r.body.station)}-`));
    }
    expect(results.map((r) => r.body.station)).toEqual(["1", "2", "1", "2"]);
    expect(router.seen.slice(-4)).toEqual(["1", "2", "1", "2"]);

    const reports = await getJson(`${mes.url}/reports?workOrderId=WO-e2e-3`);
    expect(reports.body.reports).toEqual([
      expect.objectContaining({
        workOrderId: "WO-e2e-3",
        unitId: results[2]?.body.unitId,
        result: "completed",
      }),
    ]);

    const [s1, s2, plcText, qText, mesText, lineText] = await Promise.all(
      [station1, station2, plc, quality, mes, line].map((s) => scrape(s.url)),
    );
    expect(sampleValue(s1 ?? "", "units_produced_total", { station: "1" })).toBe(2);
    expect(sampleValue(s2 ?? "", "units_produced_total", { station: "2" })).toBe(2);
    expect(sampleValue(s1 ?? "", "cycle_time_seconds_count", { station: "1" })).toBe(2);
    expect(sampleValue(s1 ?? "", "station_state", { station: "1", state: "idle" })).toBe(1);
    expect(sampleSum(plcText ?? "", "plc_reads_total")).toBe(4);
    expect(sampleValue(qText ?? "", "inspections_total", { result: "pass" })).toBe(4);
    expect(sampleValue(mesText ?? "", "mes_reports_total", { result: "completed" })).toBe(4);
    expect(sampleValue(lineText ?? "", "work_orders_total", { result: "completed" })).toBe(4);
    expect(sampleValue(lineText ?? "", "work_orders_in_progress")).toBe(0);
    expect(
      sampleValue(lineText ?? "", "dependency_requests_total", {
        dependency: "mes-connector",
        outcome: "ok",
      }),
    ).toBe(4);
  });

  it("a jammed station fails its work orders with 502 and reports jammed until cleared", async () => {
    expect((await postJson(`${station1.url}/faults`, { type: "jam" })).status).toBe(201);
    expect(sampleValue(await scrape(station1.url), "station_state", { station: "1", state: "jammed" })).toBe(
      1,
    );
    expect((await postJson(`${station1.url}/process`, { workOrderId: "WO-direct" })).status).toBe(503);

    // Round-robin is at station 1 again after the previous test's four orders.
    const jammed = await workOrder("WO-jam-1");
    expect(jammed).toMatchObject({
      status: 502,
      body: { error: "dependency_failed", dependency: "station-controller", dependencyStatus: 503 },
    });
    expect((await workOrder("WO-jam-2")).body.station).toBe("2");
    expect(sampleValue(await scrape(line.url), "work_orders_total", { result: "failed" })).toBe(1);

    await fetch(`${station1.url}/faults`, { method: "DELETE" });
    expect(await workOrder("WO-jam-3")).toMatchObject({ status: 201, body: { station: "1" } });
  });

  it("a PLC disconnect takes the gateway unready and faults the stations until it reconnects", async () => {
    await postJson(`${plc.url}/faults`, { type: "plc-disconnect" });
    expect((await getJson(`${plc.url}/readyz`)).status).toBe(503);
    expect(sampleValue(await scrape(plc.url), "plc_connected")).toBe(0);

    const failed = await workOrder("WO-plc-1");
    expect(failed).toMatchObject({ status: 502, body: { dependency: "station-controller" } });
    // Round-robin: the previous test ended on station 1, so this order went to station 2.
    const text = await scrape(station2.url);
    expect(sampleValue(text, "station_state", { station: "2", state: "faulted" })).toBe(1);
    expect(sampleValue(text, "units_scrapped_total", { station: "2" })).toBe(1);
    expect(sampleValue(await scrape(plc.url), "plc_faults_total")).toBe(1);

    await fetch(`${plc.url}/faults`, { method: "DELETE" });
    expect((await getJson(`${plc.url}/readyz`)).status).toBe(200);
    expect((await workOrder("WO-plc-2")).status).toBe(201);
    expect((await workOrder("WO-plc-3")).status).toBe(201);
    expect(sampleValue(await scrape(station2.url), "station_state", { station: "2", state: "idle" })).toBe(1);
  });

  it("stops taking work orders outside the running state", async () => {
    expect((await postJson(`${line.url}/line/state`, { state: "changeover" })).status).toBe(200);
    expect(sampleValue(await scrape(line.url), "line_state", { state: "changeover" })).toBe(1);
    expect(await workOrder("WO-changeover")).toMatchObject({
      status: 409,
      body: { error: "line_not_running" },
    });
    expect((await postJson(`${line.url}/line/state`, { state: "exploded" })).status).toBe(400);
    await postJson(`${line.url}/line/state`, { state: "running" });
    expect((await workOrder("WO-after-changeover")).status).toBe(201);
  });

  it("a fault with durationMs clears itself", async () => {
    await postJson(`${quality.url}/faults`, { type: "jam", durationMs: 200 });
    expect((await postJson(`${quality.url}/inspect`, { unitId: "U-x", station: "1" })).status).toBe(503);
    await waitFor(
      async () =>
        ((await getJson(`${quality.url}/faults`)).body.active as unknown[]).length === 0 || undefined,
      5_000,
      "the jam fault to expire",
    );
    expect((await postJson(`${quality.url}/inspect`, { unitId: "U-x", station: "1" })).status).toBe(200);
  });
});
