// The shift calendar of lineops.yaml: when the line is planned to produce. Shifts and their breaks
// are calendar windows of model/calendar.ts (the grammar of deploy windows and of Alertmanager's
// time intervals), on the line's wall clock. OEE's planned production time is the shifts minus
// their breaks (docs/oee.md).
import { z } from "zod";
import { parseWindow, type WindowSyntaxError } from "../model/calendar.js";
import { assertTimeZone } from "../model/zone.js";

/** Shift names become label values (lineops_shift_planned{shift}) and report headings. */
export const SHIFT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** A calendar window checked where it is written, so a typo is reported at its file:line:col. */
const windowText = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      parseWindow(text);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as WindowSyntaxError).message });
    }
  });

const shift = z.strictObject({
  name: z.string().regex(SHIFT_NAME_PATTERN, "must be 1-32 letters, digits, _ and - starting with a letter"),
  /** When the shift runs, e.g. "Mon..Fri 06:00-14:00"; several windows make one shift. */
  windows: z.array(windowText).min(1),
  /** Planned stops inside the shift (breaks, meetings): not planned production time. */
  breaks: z.array(windowText).default([]),
});

export const shiftsSchema = z
  .strictObject({
    /** IANA zone of the shop floor's wall clock. */
    timezone: z
      .string()
      .default("UTC")
      .superRefine((tz, ctx) => {
        try {
          assertTimeZone(tz);
        } catch {
          ctx.addIssue({
            code: "custom",
            message: `unknown time zone "${tz}" (an IANA name, e.g. Europe/Berlin)`,
          });
        }
      }),
    /**
     * The line's target throughput: good units per hour of planned production time. The line
     * overview draws throughput against it (lineops_line_target_units_per_hour on /metrics).
     */
    targetUnitsPerHour: z.number().positive().max(1e9).optional(),
    /**
     * The shifts. The default is one shift, "all-day", around the clock: every minute is planned
     * production time, so OEE works before a plant writes its calendar.
     */
    calendar: z
      .array(shift)
      .min(1)
      .default([{ name: "all-day", windows: ["00:00-24:00"], breaks: [] }]),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.calendar.forEach((sh, i) => {
      if (seen.has(sh.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["calendar", i, "name"],
          message: `duplicate shift "${sh.name}"`,
        });
      }
      seen.add(sh.name);
    });
  })
  .prefault({});

export type ShiftsConfig = z.output<typeof shiftsSchema>;
