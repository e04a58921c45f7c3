// station-controller: one instance per station (STATION_ID). POST /process runs a short simulated
// machining cycle, takes the cycle's sensor reads from the PLC gateway and reports the unit.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Counter, Gauge, Histogram } from "prom-client";
import { asObject, requireString } from "../lib/body.js";
import { DependencyError } from "../lib/client.js";
import { ConfigError } from "../lib/config.js";
import type { Env } from "../lib/config.js";
import { HttpError } from "../lib/http-error.js";
import { setOneHot } from "../lib/metrics.js";
import { runMain, startService } from "../lib/server.js";

const STATION_STATES = ["idle", "running", "jammed", "faulted"] as const;
/** Nominal cycle at 1.0.0; versions scale it (1.1.0 is faster). */
const NOMINAL_CYCLE_MS = 40;
const CYCLE_JITTER_MS = 10;

function readStation(env: Env): string {
  const station = env.STATION_ID?.trim() || "1";
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(station)) {
    throw new ConfigError(`STATION_ID must be a short identifier like "1", got "${station}"`);
  }
  return station;
}

runMain(() =>
  startService({
    name: "station-controller",
    station: readStation,
    setup: ({ station = "1", profile, faults, metrics, dependency, log }) => {
      const plc = dependency("plc-gateway", "PLC_GATEWAY_URL", 1_000);
      const nominalCycleMs = Math.round(NOMINAL_CYCLE_MS * profile.cycleFactor);
      const registers = [metrics.registry];
      const produced = new Counter({
        name: "units_produced_total",
        help: "Good units this station finished",
        labelNames: ["station"],
        registers,
      });
      const scrapped = new Counter({
        name: "units_scrapped_total",
        help: "Units scrapped at this station (out-of-tolerance reads or a failed PLC cycle)",
        labelNames: ["station"],
        registers,
      });
      produced.inc({ station }, 0);
      scrapped.inc({ station }, 0);
      const cycleTime = new Histogram({
        name: "cycle_time_seconds",
        help: "Station cycle time, from start of processing to unit out",
        labelNames: ["station"],
        buckets: [0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      });

      let inProcess = 0;
      // Set when the last PLC exchange failed, cleared by the next good one: the station stays
      // "faulted" in between, as a real one would until the PLC link answers again.
      let plcFailed = false;
      const state = () => {
        if (faults.isActive("jam")) {
          return "jammed";
        }
        if (faults.isActive("plc-disconnect") || plcFailed) {
          return "faulted";
        }
        return inProcess > 0 ? "running" : "idle";
      };
      new Gauge({
        name: "station_state",
        help: "One-hot station state (idle, running, jammed, faulted)",
        labelNames: ["station", "state"],
        registers,
        collect() {
          setOneHot(this, STATION_STATES, state(), { station });
        },
      });

      return {
        info: () => ({ nominalCycleMs, state: state() }),
        onListening: () => {
          if (profile.faulty) {
            // 1.2.0-faulty crash-loops: it comes up, maybe passes readiness, then dies.
            const afterMs = 500 + Math.floor(Math.random() * 500);
            setTimeout(() => {
              log.error("simulated defect: station controller crashing", { afterMs });
              process.exit(1);
            }, afterMs);
          }
        },
        routes: [
          {
            method: "POST",
            path: "/process",
            work: true,
            handler: async ({ body }) => {
              const workOrderId = requireString(asObject(await body()), "workOrderId");
              const started = performance.now();
              inProcess++;
              try {
                await sleep(nominalCycleMs + Math.round((Math.random() * 2 - 1) * CYCLE_JITTER_MS));
                let reads: unknown;
                try {
                  if (faults.isActive("plc-disconnect")) {
                    throw new HttpError(
                      502,
                      "plc_disconnected",
                      `station ${station} lost its PLC link (injected fault)`,
                    );
                  }
                  reads = await plc.post("/plc/cycle", { station, workOrderId });
                  plcFailed = false;
                } catch (err) {
                  if (err instanceof DependencyError || err instanceof HttpError) {
                    plcFailed = true;
                    // The part in the fixture is lost when the cycle aborts.
                    scrapped.inc({ station });
                  }
                  throw err;
                }
                const outOfTolerance = isOutOfTolerance(reads);
                const cycleTimeMs = Math.round(performance.now() - started);
                cycleTime.observe({ station }, cycleTimeMs / 1000);
                (outOfTolerance ? scrapped : produced).inc({ station });
                return {
                  json: {
                    unitId: `U-${station}-${randomUUID()}`,
                    station,
                    workOrderId,
                    cycleTimeMs,
                    scrapped: outOfTolerance,
                  },
                };
              } finally {
                inProcess--;
              }
            },
          },
        ],
      };
    },
  }),
);

function isOutOfTolerance(reads: unknown): boolean {
  // Without a PLC gateway (standalone) there are no reads, and the unit is taken as good.
  return (
    typeof reads === "object" &&
    reads !== null &&
    (reads as { withinTolerance?: unknown }).withinTolerance === false
  );
}
