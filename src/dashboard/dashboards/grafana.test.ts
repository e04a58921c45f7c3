// Importing Grafana dashboard JSON: a realistic export (rows, a collapsed row, old and new panel
// types, thresholds in Grafana's colours, data source and query variables) and the refusals.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GrafanaImportError, importGrafanaDashboard } from "./grafana.js";
import { dashboardSchema } from "./model.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", name), "utf8"));

describe("importGrafanaDashboard", () => {
  it("imports a Grafana export's supported panels, variables, time and refresh, and names what it left out", () => {
    const { dashboard, warnings } = importGrafanaDashboard(fixture("grafana-line.json"));
    expect(dashboard).toMatchObject({
      uid: "assembly-line",
      title: "Assembly line",
      description: "Throughput and health of an assembly line",
      tags: ["line", "production"],
      time: { from: "now-12h", to: "now" },
      refresh: "30s",
    });
    expect(dashboard.panels.map((p) => [p.id, p.type, p.title, p.grid])).toEqual([
      [2, "timeseries", "Units per second", { x: 0, y: 1, w: 12, h: 8 }],
      [3, "stat", "Scrap ratio", { x: 12, y: 1, w: 6, h: 8 }],
      // A duplicate id gets the next free one.
      [4, "gauge", "OEE", { x: 18, y: 1, w: 6, h: 8 }],
      // Panels of a collapsed row are imported with their own positions.
      [11, "table", "Targets", { x: 0, y: 10, w: 24, h: 6 }],
      [13, "timeseries", "Errors", { x: 12, y: 16, w: 12, h: 6 }],
    ]);
    const [units, scrap, oee] = dashboard.panels;
    expect(units?.queries).toEqual([
      {
        expr: 'sum by (station) (rate(units_produced_total{line="$line", station=~"$station"}[$__rate_interval]))',
        legend: "station {{station}}",
        instant: false,
      },
    ]);
    expect(units?.thresholds).toEqual([
      { value: null, color: "green" },
      { value: 80, color: "#ed8128" },
      { value: 95, color: "red" },
    ]);
    expect(units?.min).toBe(0);
    expect(scrap).toMatchObject({ unit: "percentunit", reduce: "mean" });
    expect(oee).toMatchObject({ unit: "percentunit", max: 1, decimals: 1, reduce: "lastNotNull" });
    expect(oee?.queries[0]?.instant).toBe(true);
    expect(dashboard.variables).toEqual([
      {
        name: "line",
        label: "Line",
        type: "query",
        query: "label_values(units_produced_total, line)",
        multi: false,
        includeAll: false,
        default: "assembly-line-1",
      },
      {
        name: "station",
        type: "query",
        query: 'label_values(units_produced_total{line="$line"}, station)',
        regex: "/^(\\d+)$/",
        multi: true,
        includeAll: true,
        default: ["$__all"],
      },
      { name: "window", type: "custom", query: "5m,15m,1h", multi: false, includeAll: false, default: "5m" },
    ]);
    expect(warnings).toEqual([
      'templating.list[4] "filters": variable type "adhoc" not supported, left out',
      'panels[4].panels[1] "Downtime by reason" (piechart): panel type not supported, left out',
      'panels[4].panels[2] "Errors" (timeseries): targets[0] is not a Prometheus query (data source loki), left out',
      'panels[4].panels[2] "Errors" (timeseries): no Prometheus query, imported empty',
      "annotations: 1 annotation queries left out (lineops annotates deployments and incidents itself)",
    ]);
  });

  it("takes Grafana's API envelope {dashboard, meta} and derives a uid when Grafana's is not usable", () => {
    const { dashboard, warnings } = importGrafanaDashboard({
      meta: { slug: "x" },
      dashboard: { title: "Café — Line 2 / Press", uid: "has spaces and more than forty characters in it" },
    });
    expect(dashboard.uid).toBe("caf-line-2-press");
    expect(warnings[0]).toMatch(/is not a valid lineops uid: using caf-line-2-press/);
  });

  it("lays out pre-gridPos (schemaVersion < 16) rows one under the other", () => {
    const { dashboard } = importGrafanaDashboard({
      title: "old",
      rows: [
        { panels: [{ id: 1, type: "graph", span: 6, targets: [{ expr: "up" }] }] },
        { panels: [{ id: 2, type: "graph", span: 12, targets: [{ expr: "up" }] }] },
      ],
    });
    expect(dashboard.panels.map((p) => p.grid)).toEqual([
      { x: 0, y: 0, w: 12, h: 8 },
      { x: 0, y: 8, w: 24, h: 8 },
    ]);
  });

  it("refuses what is not a dashboard, naming why", () => {
    expect(() => importGrafanaDashboard([])).toThrow(GrafanaImportError);
    expect(() => importGrafanaDashboard({ panels: [] })).toThrow(/title is missing/);
    expect(() => importGrafanaDashboard("{}")).toThrow(/expected a JSON object/);
  });

  it("never throws anything but GrafanaImportError, and what it returns always passes the model", () => {
    const panel = fc.record(
      {
        id: fc.oneof(fc.integer(), fc.double(), fc.string()),
        type: fc.constantFrom("graph", "timeseries", "stat", "row", "gauge", "text", "table", 7),
        title: fc.oneof(fc.string(), fc.integer()),
        gridPos: fc.record({ x: fc.integer(), y: fc.integer(), w: fc.integer(), h: fc.double() }),
        targets: fc.array(fc.record({ expr: fc.oneof(fc.string(), fc.constant(null)), hide: fc.boolean() })),
        fieldConfig: fc.record({
          defaults: fc.record({
            unit: fc.string(),
            decimals: fc.integer(),
            thresholds: fc.record({
              steps: fc.array(fc.record({ color: fc.string(), value: fc.anything() })),
            }),
          }),
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            title: fc.oneof(fc.string(), fc.constant("t")),
            uid: fc.string(),
            panels: fc.array(panel, { maxLength: 5 }),
            templating: fc.record({
              list: fc.array(
                fc.record({
                  name: fc.string(),
                  type: fc.string(),
                  query: fc.anything(),
                  current: fc.anything(),
                }),
                { maxLength: 3 },
              ),
            }),
          },
          { requiredKeys: [] },
        ),
        (input) => {
          try {
            const { dashboard } = importGrafanaDashboard(input);
            expect(dashboardSchema.safeParse(dashboard).success).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(GrafanaImportError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
