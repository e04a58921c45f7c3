// mes-connector: stands in for the manufacturing execution system. It records completed units
// (POST /reports) and hands out a small queue of pending work orders (GET /work-orders).
import { randomUUID } from "node:crypto";
import { Counter } from "prom-client";
import { asObject, optionalString, requireString } from "../lib/body.js";
import { runMain, startService } from "../lib/server.js";

/** Recent reports kept in memory; older ones are dropped so a long soak run stays bounded. */
const MAX_REPORTS = 1_000;
const PRODUCTS = ["gearbox-A", "gearbox-B", "pump-housing"];

type Report = {
  reportId: string;
  workOrderId: string;
  unitId: string;
  station: string;
  result: string;
  receivedAt: string;
};

runMain(() =>
  startService({
    name: "mes-connector",
    setup: ({ metrics }) => {
      const reportsTotal = new Counter({
        name: "mes_reports_total",
        help: "Unit reports recorded, by result (completed, rejected, scrapped)",
        labelNames: ["result"],
        registers: [metrics.registry],
      });
      const reports: Report[] = [];
      let nextOrder = 1001;
      return {
        info: () => ({ reportsStored: reports.length }),
        routes: [
          {
            method: "POST",
            path: "/reports",
            work: true,
            handler: async ({ body }) => {
              const input = asObject(await body());
              const report: Report = {
                reportId: randomUUID(),
                workOrderId: requireString(input, "workOrderId"),
                unitId: requireString(input, "unitId"),
                station: requireString(input, "station"),
                result: optionalString(input, "result") ?? "completed",
                receivedAt: new Date().toISOString(),
              };
              reports.push(report);
              if (reports.length > MAX_REPORTS) {
                reports.shift();
              }
              reportsTotal.inc({ result: report.result });
              return { status: 201, json: { reportId: report.reportId } };
            },
          },
          {
            method: "GET",
            path: "/reports",
            handler: ({ url }) => {
              const workOrderId = url.searchParams.get("workOrderId");
              const matching =
                workOrderId === null ? reports : reports.filter((r) => r.workOrderId === workOrderId);
              return { json: { reports: matching.slice(-100) } };
            },
          },
          {
            method: "GET",
            path: "/work-orders",
            work: true,
            handler: () => {
              // A fresh small queue each call: the MES always has a few orders waiting.
              const queue = PRODUCTS.map((product, i) => ({
                workOrderId: `WO-${nextOrder + i}`,
                product,
                quantity: 1 + i,
              }));
              nextOrder += queue.length;
              return { json: { workOrders: queue } };
            },
          },
        ],
      };
    },
  }),
);
