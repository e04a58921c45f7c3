// Dashboard routes through a real lineops (in-process calls): save with version checks, provisioned
// dashboards read-only, Grafana import, variable values from the TSDB, roles, and a reload that
// re-reads dashboard_files.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";

let lineops: Lineops;
const token = { viewer: "", operator: "" };
let dir = "";
const api = injectApi(() => lineops);

const provisioned = (title: string) => `uid: line-overview
title: ${title}
panels:
  - id: 1
    type: stat
    title: Up
    grid: { x: 0, y: 0, w: 6, h: 4 }
    queries: [{ expr: sum(up) }]
`;

const dashboard = (uid: string, title = "Press shop") => ({
  uid,
  title,
  variables: [{ name: "station", type: "query", query: "label_values(units_total, station)" }],
  panels: [
    {
      id: 1,
      type: "timeseries",
      title: "Units",
      grid: { x: 0, y: 0, w: 12, h: 8 },
      queries: [{ expr: 'rate(units_total{station=~"$station"}[$__rate_interval])', legend: "{{station}}" }],
    },
  ],
});

beforeAll(async () => {
  dir = tempDir();
  writeFileSync(path.join(dir, "overview.yaml"), provisioned("Line overview"));
  const config = path.join(dir, "lineops.yaml");
  writeFileSync(config, "dashboard_files: [overview.yaml]\n");
  lineops = await startLineops({
    configFile: config,
    dataDir: path.join(dir, "data"),
    port: 0,
    logger: pino({ level: "silent" }),
  });
  token.viewer = lineops.tokens.create("v", "viewer").token;
  token.operator = lineops.tokens.create("o", "operator").token;
  const app = lineops.monitoring.storage.appender();
  const now = Date.now();
  for (const station of ["1", "2", "10"]) {
    app.append({ __name__: "units_total", station }, now - 60_000, 1);
  }
  app.commit();
});

afterAll(async () => {
  await lineops?.stop();
});

describe("dashboards API", () => {
  it("creates, reads, saves with the version it started from, and refuses a stale save", async () => {
    const created = await api("PUT", "/api/v1/dashboards/press", {
      token: token.operator,
      body: { dashboard: dashboard("press"), version: 0 },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      uid: "press",
      version: 1,
      provisioned: false,
      updatedBy: "o (operator)",
    });
    // Defaults are filled in by the model.
    expect(created.body.dashboard.time).toEqual({ from: "now-6h", to: "now" });

    const saved = await api("PUT", "/api/v1/dashboards/press", {
      token: token.operator,
      body: { dashboard: dashboard("press", "Press shop 2"), version: 1 },
    });
    expect([saved.status, saved.body.version, saved.body.title]).toEqual([200, 2, "Press shop 2"]);

    const stale = await api("PUT", "/api/v1/dashboards/press", {
      token: token.operator,
      body: { dashboard: dashboard("press", "lost edit"), version: 1 },
    });
    expect([stale.status, stale.body.code]).toEqual([412, "LINEOPS_ERR_DASHBOARD_VERSION_MISMATCH"]);
    expect(stale.body.error).toMatch(/at version 2, not 1/);

    const read = await api("GET", "/api/v1/dashboards/press", { token: token.viewer });
    expect([read.status, read.body.title, read.body.dashboard.panels[0].queries[0].legend]).toEqual([
      200,
      "Press shop 2",
      "{{station}}",
    ]);
  });

  it("names the field of an invalid dashboard and a uid that differs from the path", async () => {
    const bad = dashboard("bad");
    bad.panels[0]!.grid = { x: 20, y: 0, w: 12, h: 8 };
    const res = await api("PUT", "/api/v1/dashboards/bad", {
      token: token.operator,
      body: { dashboard: bad },
    });
    expect([res.status, res.body.code]).toEqual([400, "LINEOPS_ERR_INVALID_FIELD"]);
    expect(res.body.error).toMatch(/body\.dashboard\.panels\.0\.grid: x \+ w exceeds the 24 columns/);
    const other = await api("PUT", "/api/v1/dashboards/bad", {
      token: token.operator,
      body: { dashboard: dashboard("other") },
    });
    expect([other.status, other.body.error]).toEqual([
      400,
      "body.dashboard.uid: other differs from the uid in the path (bad)",
    ]);
  });

  it("lets viewers read and refuses them every change", async () => {
    const list = await api("GET", "/api/v1/dashboards", { token: token.viewer });
    expect(list.body.dashboards.map((d: { uid: string }) => d.uid)).toEqual(
      expect.arrayContaining(["line-overview", "press"]),
    );
    for (const [method, url, body] of [
      ["PUT", "/api/v1/dashboards/v", { dashboard: dashboard("v") }],
      ["DELETE", "/api/v1/dashboards/press", undefined],
      ["POST", "/api/v1/dashboards/import/grafana", { title: "x" }],
    ] as const) {
      const res = await api(method, url, { token: token.viewer, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${url}`).toBe(403);
    }
  });

  it("serves provisioned dashboards read-only and re-reads their files on reload", async () => {
    const read = await api("GET", "/api/v1/dashboards/line-overview", { token: token.viewer });
    expect(read.body).toMatchObject({ provisioned: true, title: "Line overview" });
    expect(read.body.updatedBy).toMatch(/^file:.*overview\.yaml$/);
    const save = await api("PUT", "/api/v1/dashboards/line-overview", {
      token: token.operator,
      body: { dashboard: { uid: "line-overview", title: "mine" } },
    });
    expect([save.status, save.body.code]).toEqual([409, "LINEOPS_ERR_DASHBOARD_PROVISIONED"]);
    const del = await api("DELETE", "/api/v1/dashboards/line-overview", { token: token.operator });
    expect(del.status).toBe(409);

    writeFileSync(path.join(dir, "overview.yaml"), provisioned("Line overview v2"));
    await lineops.reload();
    const after = await api("GET", "/api/v1/dashboards/line-overview", { token: token.viewer });
    expect(after.body.title).toBe("Line overview v2");

    // A broken file fails the reload with file:line:col and keeps the dashboards that were loaded.
    writeFileSync(
      path.join(dir, "overview.yaml"),
      "uid: line-overview\ntitle: x\npanels:\n  - id: 1\n    type: pie\n",
    );
    await expect(lineops.reload()).rejects.toThrow(/overview\.yaml:5:11: panels\[0\]\.type/);
    const kept = await api("GET", "/api/v1/dashboards/line-overview", { token: token.viewer });
    expect(kept.body.title).toBe("Line overview v2");
  });

  it("imports a Grafana dashboard JSON and lists what it left out", async () => {
    const file = path.join(
      path.dirname(fileURLToPath(import.meta.url)),
      "../../dashboard/dashboards/fixtures/grafana-line.json",
    );
    const res = await api("POST", "/api/v1/dashboards/import/grafana", {
      token: token.operator,
      body: JSON.parse(readFileSync(file, "utf8")) as unknown,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ uid: "assembly-line", version: 1 });
    expect(res.body.dashboard.panels).toHaveLength(5);
    expect(res.body.warnings).toContain(
      'panels[4].panels[1] "Downtime by reason" (piechart): panel type not supported, left out',
    );
    const notDashboard = await api("POST", "/api/v1/dashboards/import/grafana", {
      token: token.operator,
      body: { panels: [] },
    });
    expect([notDashboard.status, notDashboard.body.code, notDashboard.body.error]).toEqual([
      400,
      "LINEOPS_ERR_DASHBOARD_INVALID",
      "not a Grafana dashboard: title is missing",
    ]);
  });

  it("answers a variable's values from the TSDB, and names a bad variable query", async () => {
    const res = await api("GET", "/api/v1/dashboards/press/variables/station/values", {
      token: token.viewer,
    });
    expect(res.body).toEqual({ values: ["1", "10", "2"] });
    await api("PUT", "/api/v1/dashboards/badvar", {
      token: token.operator,
      body: {
        dashboard: { uid: "badvar", title: "b", variables: [{ name: "x", type: "query", query: "up" }] },
      },
    });
    const bad = await api("GET", "/api/v1/dashboards/badvar/variables/x/values", { token: token.viewer });
    expect([bad.status, bad.body.code]).toEqual([400, "LINEOPS_ERR_DASHBOARD_INVALID"]);
    expect(bad.body.error).toMatch(/expected label_names\(\), label_values/);
    const missing = await api("GET", "/api/v1/dashboards/press/variables/nope/values", {
      token: token.viewer,
    });
    expect([missing.status, missing.body.error]).toEqual([404, "dashboard press has no variable nope"]);
  });

  it("deletes a dashboard, then answers 404 for it", async () => {
    expect((await api("DELETE", "/api/v1/dashboards/press", { token: token.operator })).status).toBe(204);
    const gone = await api("GET", "/api/v1/dashboards/press", { token: token.viewer });
    expect([gone.status, gone.body.code]).toEqual([404, "LINEOPS_ERR_DASHBOARD_NOT_FOUND"]);
  });
});
