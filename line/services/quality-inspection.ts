// quality-inspection: inspects each finished unit and fails about 2 % of them, the line's
// first-pass-yield signal (inspections_total{result}).
import { Counter } from "prom-client";
import { asObject, requireString } from "../lib/body.js";
import { readRate } from "../lib/config.js";
import { runMain, startService } from "../lib/server.js";

const DEFAULT_FAIL_RATE = 0.02;

runMain(() =>
  startService({
    name: "quality-inspection",
    setup: ({ env, metrics }) => {
      const failRate = readRate(env, "QUALITY_FAIL_RATE", DEFAULT_FAIL_RATE);
      const inspections = new Counter({
        name: "inspections_total",
        help: "Units inspected, by result (pass, fail)",
        labelNames: ["result"],
        registers: [metrics.registry],
      });
      // Both series exist from the start so a yield ratio never divides by a missing series.
      inspections.inc({ result: "pass" }, 0);
      inspections.inc({ result: "fail" }, 0);
      return {
        routes: [
          {
            method: "POST",
            path: "/inspect",
            work: true,
            handler: async ({ body }) => {
              const input = asObject(await body());
              const unitId = requireString(input, "unitId");
              const station = requireString(input, "station");
              const pass = Math.random() >= failRate;
              inspections.inc({ result: pass ? "pass" : "fail" });
              return { json: { unitId, station, pass } };
            },
          },
        ],
      };
    },
  }),
);
