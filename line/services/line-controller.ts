// line-controller: the line's front door. POST /work-orders sends a unit through a station
// (round-robin, routed by lineops via x-lineops-station), quality inspection and the MES report.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Counter, Gauge } from "prom-client";
import { asObject, optionalString, requireString } from "../lib/body.js";
import { DependencyError } from "../lib/client.js";
import { readInt } from "../lib/config.js";
import { HttpError, badRequest } from "../lib/http-error.js";
import { setOneHot } from "../lib/metrics.js";
import { runMain, startService } from "../lib/server.js";
import { STATION_ROUTING_HEADER } from "../index.js";

const LINE_STATES = ["running", "changeover", "stopped"] as const;
type LineState = (typeof LINE_STATES)[number];
const WORK_ORDER_RESULTS = ["completed", "rejected", "scrapped", "failed"] as const;
/** 1.2.0-faulty: share of work orders answered 5xx, and the latency it adds to every one. */
const FAULTY_ERROR_RATE = 0.2;
const FAULTY_EXTRA_LATENCY_MS = 200;

runMain(() =>
  startService({
    name: "line-controller",
    setup: ({ env, profile, metrics, dependency, log }) => {
      const stationCount = readInt(env, "STATION_COUNT", 4, { min: 1, max: 64 });
      const stations = dependency("station-controller", "STATION_CONTROLLER_URL", 3_000);
      const quality = dependency("quality-inspection", "QUALITY_INSPECTION_URL");
      const mes = dependency("mes-connector", "MES_CONNECTOR_URL");
      const registers = [metrics.registry];
      const inProgress = new Gauge({
        name: "work_orders_in_progress",
        help: "Work orders currently moving through the line",
        registers,
      });
      const workOrders = new Counter({
        name: "work_orders_total",
        help: "Work orders finished, by result (completed, rejected, scrapped, failed)",
        labelNames: ["result"],
        registers,
      });
      for (const result of WORK_ORDER_RESULTS) {
        workOrders.inc({ result }, 0);
      }
      let lineState: LineState = "running";
      new Gauge({
        name: "line_state",
        help: "One-hot line state (running, changeover, stopped)",
        labelNames: ["state"],
        registers,
        collect() {
          setOneHot(this, LINE_STATES, lineState);
        },
      });

      let nextStation = 0;
      const pickStation = () => {
        nextStation = (nextStation % stationCount) + 1;
        return String(nextStation);
      };

      const runWorkOrder = async (workOrderId: string) => {
        const station = pickStation();
        const unit = asRecord(
          await stations.post("/process", { workOrderId }, { [STATION_ROUTING_HEADER]: station }),
          stations.name,
        );
        // Standalone (no station wired) the line still answers, with a locally minted unit.
        const unitId = typeof unit?.unitId === "string" ? unit.unitId : `U-${station}-local-${randomUUID()}`;
        const unitStation = typeof unit?.station === "string" ? unit.station : station;
        let result: (typeof WORK_ORDER_RESULTS)[number];
        if (unit?.scrapped === true) {
          result = "scrapped";
        } else {
          const inspection = asRecord(
            await quality.post("/inspect", { unitId, station: unitStation }),
            quality.name,
          );
          result = inspection?.pass === false ? "rejected" : "completed";
        }
        await mes.post("/reports", { workOrderId, unitId, station: unitStation, result });
        return {
          workOrderId,
          unitId,
          station: unitStation,
          cycleTimeMs: typeof unit?.cycleTimeMs === "number" ? unit.cycleTimeMs : 0,
          result,
        };
      };

      return {
        info: () => ({ lineState, stationCount }),
        routes: [
          {
            method: "POST",
            path: "/work-orders",
            work: true,
            handler: async ({ body }) => {
              const input = asObject(await body());
              const workOrderId = optionalString(input, "workOrderId") ?? `WO-${randomUUID()}`;
              inProgress.inc();
              try {
                if (profile.faulty) {
                  await sleep(FAULTY_EXTRA_LATENCY_MS);
                  if (Math.random() < FAULTY_ERROR_RATE) {
                    throw new HttpError(
                      500,
                      "simulated_defect",
                      "work order lost by a defect in this release",
                    );
                  }
                }
                if (lineState !== "running") {
                  throw new HttpError(
                    409,
                    "line_not_running",
                    `line is in ${lineState}, not accepting work orders`,
                    {
                      lineState,
                    },
                  );
                }
                const done = await runWorkOrder(workOrderId);
                workOrders.inc({ result: done.result });
                return { status: 201, json: done };
              } catch (err) {
                if (!(err instanceof HttpError) || err.status >= 500) {
                  workOrders.inc({ result: "failed" });
                }
                throw err;
              } finally {
                inProgress.dec();
              }
            },
          },
          { method: "GET", path: "/line/state", handler: () => ({ json: { state: lineState } }) },
          {
            method: "POST",
            path: "/line/state",
            handler: async ({ body }) => {
              const state = requireString(asObject(await body()), "state");
              if (!(LINE_STATES as readonly string[]).includes(state)) {
                throw badRequest(`unknown line state "${state}"; expected one of ${LINE_STATES.join(", ")}`);
              }
              if (state !== lineState) {
                log.info("line state changed", { from: lineState, to: state });
              }
              lineState = state as LineState;
              return { json: { state: lineState } };
            },
          },
        ],
      };
    },
  }),
);

/** A dependency's JSON answer as a record; a non-object answer is a broken dependency, not our 500. */
function asRecord(value: unknown, dependencyName: string): Record<string, unknown> | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DependencyError(
      dependencyName,
      "http_error",
      `${dependencyName} answered with a non-object body`,
    );
  }
  return value as Record<string, unknown>;
}
