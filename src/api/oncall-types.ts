// Request schemas and response types of the people and on-call routes (routes/oncall.ts, the
// contact routes of routes/users.ts); `lineops oncall` and `lineops user contact` use the same types.
import { z } from "zod";
import type { OnCallNow, Override, Person, Schedule, ScheduleShift, Team } from "../alerting/index.js";

export { contactMethodsSchema as contactBody } from "../alerting/index.js";
export type { ContactMethodsInput as ContactRequest } from "../alerting/index.js";

/** An instant: RFC 3339 (2026-03-02T06:00:00+01:00) or Unix seconds, as Prometheus's API takes them. */
export const instant = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const ms = /^-?\d+(\.\d+)?$/.test(text)
      ? Number(text) * 1000
      : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)
        ? Date.parse(text)
        : NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({
        code: "custom",
        message: `invalid time ${JSON.stringify(text)}: RFC 3339 or Unix seconds`,
      });
      return z.NEVER;
    }
    return ms;
  });

const objectName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, "must be letters, digits, . _ @ - starting with a letter or digit");

const userName = z.string().min(1).max(64);

export const teamBody = z.strictObject({ name: objectName, members: z.array(userName).max(200).default([]) });
export type TeamRequest = z.input<typeof teamBody>;
export const teamMembersBody = z.strictObject({ members: z.array(userName).max(200) });
export type TeamMembersRequest = z.input<typeof teamMembersBody>;

const rotation = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("daily") }),
  z.strictObject({ type: z.literal("weekly") }),
  // `every` is checked by the schedule (a zero-length rotation is named there, with its layer).
  z.strictObject({ type: z.literal("custom"), every: z.number(), unit: z.enum(["hours", "days", "weeks"]) }),
]);

const layer = z.strictObject({
  name: z.string().min(1).max(64),
  rotation,
  rotationStart: z.string().max(10),
  handoff: z.string().max(5),
  participants: z.array(userName).max(200),
  restrictions: z.array(z.string().max(256)).max(20).optional(),
  start: instant.optional(),
  end: instant.optional(),
});

export const scheduleBody = z.strictObject({
  timezone: z.string().min(1).max(64),
  team: objectName.optional(),
  layers: z.array(layer).max(20),
});
export type ScheduleRequest = z.input<typeof scheduleBody>;

export const overrideBody = z.strictObject({ user: userName, start: instant, end: instant });
export type OverrideRequest = z.input<typeof overrideBody>;

export const overrideParams = z.object({ name: z.string(), id: z.string() });
export const atQuery = z.object({ at: instant.optional() });
export const rangeQuery = z.object({ from: instant, to: instant });

export type PersonResponse = Person;
export type TeamsResponse = { teams: Team[] };
export type TeamResponse = Team;
export type SchedulesResponse = { schedules: Schedule[] };
export type ScheduleResponse = Schedule;
export type ScheduleSaved = { schedule: Schedule; created: boolean };
export type OverrideResponse = Override;
export type ShiftsResponse = {
  schedule: string;
  timezone: string;
  from: number;
  to: number;
  shifts: ScheduleShift[];
};
export type OnCallResponse = OnCallNow;
export type OnCallAllResponse = { at: number; oncall: OnCallNow[] };
export type Removed = { removed: string };
