// Smoke tests for each service as a real process: probes, GET /, metric families, bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricFamilies, scrape } from "../test-support/metrics.js";
import { getJson, postJson, startLineService, stopAll } from "../test-support/spawn.js";
import type { ServiceProcess } from "../test-support/spawn.js";

const HTTP_FAMILIES = [
  "http_requests_total",
  "http_request_duration_seconds",
  "service_info",
  "faults_active",
];

const CASES: { name: string; env?: Record<string, string>; kpis: string[]; work: string }[] = [
  { name: "plc-gateway", kpis: ["plc_connected", "plc_reads_total", "plc_faults_total"], work: "/plc/cycle" },
  {
    name: "station-controller",
    env: { STATION_ID: "3" },
    kpis: ["units_produced_total", "units_scrapped_total", "cycle_time_seconds", "station_state"],
    work: "/process",
  },
  { name: "quality-inspection", kpis: ["inspections_total"], work: "/inspect" },
  {
    name: "line-controller",
    kpis: ["work_orders_in_progress", "work_orders_total", "line_state"],
    work: "/line/state",
  },
  { name: "mes-connector", kpis: ["mes_reports_total"], work: "/reports" },
];

const services = new Map<string, ServiceProcess>();

beforeAll(async () => {
  const started = await Promise.all(CASES.map((c) => startLineService(c.name, c.env)));
  for (const s of started) {
    services.set(s.name, s);
  }
});
afterAll(stopAll);

const svc = (name: string) => {
  const s = services.get(name);
  if (s === undefined) {
    throw new Error(`${name} not started`);
  }
  return s;
};

describe.each(CASES)("$name", ({ name, kpis, work }) => {
  it("answers liveness, readiness and identity", async () => {
    const { url } = svc(name);
    expect(await getJson(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await getJson(`${url}/readyz`)).toMatchObject({ status: 200, body: { status: "ready" } });
    const root = await getJson(`${url}/`);
    expect(root.body).toMatchObject({ service: name, version: "1.0.0" });
  });

  it("exposes its KPIs and the HTTP metrics in Prometheus text format", async () => {
    const { url } = svc(name);
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const families = metricFamilies(await res.text());
    for (const family of [...HTTP_FAMILIES, ...kpis]) {
      expect(families.has(family), `${family} missing`).toBe(true);
    }
    expect(families.get("http_request_duration_seconds")).toBe("histogram");
  });

  it("answers malformed JSON with 400 and an oversized body with 413, and keeps serving", async () => {
    const { url } = svc(name);
    const bad = await postJson(`${url}${work}`, "{not json");
    expect(bad).toMatchObject({ status: 400, body: { error: "invalid_json" } });
    const wrongShape = await postJson(`${url}${work}`, "[1,2]");
    expect(wrongShape.status).toBe(400);
    const huge = await postJson(`${url}${work}`, { pad: "x".repeat(100 * 1024) });
    expect(huge).toMatchObject({ status: 413, body: { error: "payload_too_large" } });
    expect((await getJson(`${url}/healthz`)).status).toBe(200);
  });

  it("rejects an unknown fault type with a clear 400", async () => {
    const res = await postJson(`${svc(name).url}/faults`, { type: "meteor" });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/unknown fault type "meteor".*jam, plc-disconnect, slow, crash/);
  });

  it("answers unknown routes 404 and wrong methods 405 without a metric per path", async () => {
    const { url } = svc(name);
    expect((await getJson(`${url}/no/such/${Math.random()}`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: "DELETE" })).status).toBe(405);
    expect(await scrape(url)).toContain('route="unmatched"');
  });
});

describe("standalone behaviour (no dependency URLs)", () => {
  it("station-controller processes a unit without a PLC gateway", async () => {
    const res = await postJson(`${svc("station-controller").url}/process`, { workOrderId: "WO-1" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ station: "3", workOrderId: "WO-1", scrapped: false });
    expect(res.body.cycleTimeMs).toBeGreaterThanOrEqual(25);
  });

  it("line-controller completes a work order with a locally minted unit", async () => {
    const res = await postJson(`${svc("line-controller").url}/work-orders`, { workOrderId: "WO-standalone" });
    expect(res).toMatchObject({ status: 201, body: { workOrderId: "WO-standalone", result: "completed" } });
  });

  it("mes-connector hands out a small work-order queue", async () => {
    const res = await getJson(`${svc("mes-connector").url}/work-orders`);
    expect(res.status).toBe(200);
    expect((res.body.workOrders as unknown[]).length).toBeGreaterThan(0);
  });

  it("quality-inspection requires unitId and station", async () => {
    const res = await postJson(`${svc("quality-inspection").url}/inspect`, { unitId: "U-1" });
    expect(res).toMatchObject({ status: 400, body: { error: "bad_request" } });
  });
});
