// plc-gateway: stands in for the connection to the line's PLC. Stations ask it for a cycle's sensor
// reads; the plc-disconnect fault takes the connection down (plc_connected 0, reads fail, not ready).
import { Counter, Gauge } from "prom-client";
import { asObject, requireString } from "../lib/body.js";
import { readRate } from "../lib/config.js";
import { HttpError } from "../lib/http-error.js";
import { runMain, startService } from "../lib/server.js";

/** Share of cycles whose reads come back out of tolerance (the station scraps that unit). */
const DEFAULT_OUT_OF_TOLERANCE_RATE = 0.01;

runMain(() =>
  startService({
    name: "plc-gateway",
    setup: ({ env, faults, metrics }) => {
      const outOfToleranceRate = readRate(env, "PLC_OUT_OF_TOLERANCE_RATE", DEFAULT_OUT_OF_TOLERANCE_RATE);
      const registers = [metrics.registry];
      const connected = () => !faults.isActive("plc-disconnect");
      new Gauge({
        name: "plc_connected",
        help: "1 while the (simulated) PLC connection is up",
        registers,
        collect() {
          this.set(connected() ? 1 : 0);
        },
      });
      const reads = new Counter({
        name: "plc_reads_total",
        help: "Sensor read cycles served, by station",
        labelNames: ["station"],
        registers,
      });
      const plcFaults = new Counter({
        name: "plc_faults_total",
        help: "Read cycles that failed because the PLC connection was down",
        registers,
      });
      return {
        isReady: () => (connected() ? true : "PLC disconnected"),
        info: () => ({ plcConnected: connected() }),
        routes: [
          {
            method: "POST",
            path: "/plc/cycle",
            work: true,
            handler: async ({ body }) => {
              const station = requireString(asObject(await body()), "station");
              if (!connected()) {
                plcFaults.inc();
                throw new HttpError(503, "plc_disconnected", "PLC connection is down");
              }
              reads.inc({ station });
              const outOfTolerance = Math.random() < outOfToleranceRate;
              return {
                json: {
                  station,
                  readAt: new Date().toISOString(),
                  withinTolerance: !outOfTolerance,
                  reads: {
                    temperatureC: round(outOfTolerance ? 92 + Math.random() * 8 : 60 + Math.random() * 10),
                    pressureBar: round(5.8 + Math.random() * 0.4),
                    torqueNm: round(11.5 + Math.random()),
                    vibrationMmS: round(0.5 + Math.random() * 1.5),
                  },
                },
              };
            },
          },
        ],
      };
    },
  }),
);

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
