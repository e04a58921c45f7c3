// Service level objectives (lineops.yaml `slo`) and the operations reports' retention (`reports`).
// One availability objective per service over a rolling window, measured at the service's front
// door (docs/reports.md); services not listed get the default objective, which is the 99.9 % the
// shipped ErrorBudgetBurn alerts assume (examples/rules/line.rules.yml).
import { z } from "zod";
import { duration } from "../model/duration.js";

/** An objective in percent: 99.5 means 99.5 % of requests answered without a 5xx. */
const objective = z
  .number()
  .gt(0, "must be above 0 (percent)")
  .lt(100, "must be below 100 (percent): a 100 % objective has no error budget");

const DAY_MS = 86_400_000;

export const sloSchema = z
  .strictObject({
    /** The rolling window the objective and its error budget cover. */
    window: duration()
      .default(30 * DAY_MS)
      .refine((ms) => ms >= DAY_MS && ms <= 90 * DAY_MS, "must be between 1d and 90d"),
    /** Every service's objective unless `services` names it. */
    objective: objective.default(99.9),
    services: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a service name"),
        z.strictObject({ objective }),
      )
      .default({}),
  })
  .prefault({});

export const reportsSchema = z
  .strictObject({
    /** Generated report files older than this are deleted (with their listing). */
    retention: duration()
      .default(90 * DAY_MS)
      .refine((ms) => ms >= 3600_000, "must be at least 1h"),
    /** At most this many generated files are kept; the oldest go first. */
    max_files: z.number().int().min(1).max(10_000).default(500),
  })
  .prefault({});

export type SloConfig = z.output<typeof sloSchema>;
export type ReportsConfig = z.output<typeof reportsSchema>;
