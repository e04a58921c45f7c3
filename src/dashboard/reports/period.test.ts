import { describe, expect, it } from "vitest";
import { ShiftCalendar } from "../analytics/index.js";
import { dueRuns, nextRun, reportSpan, scheduleSpecSchema, type ScheduleSpec } from "./period.js";

const calendar = new ShiftCalendar({
  timezone: "Europe/Berlin",
  calendar: [
    { name: "early", windows: ["Mon..Fri 06:00-14:00"], breaks: ["Mon..Fri 10:00-10:30"] },
    { name: "late", windows: ["Mon..Fri 14:00-22:00"], breaks: [] },
  ],
});
const iso = (t: number) => new Date(t).toISOString();
// Wednesday 2026-03-04 12:00 Berlin (UTC+1).
const WED_NOON = Date.parse("2026-03-04T11:00:00Z");

describe("report periods on the line's wall clock", () => {
  it("a daily 06:00 schedule covers 06:00 to 06:00, local", () => {
    const spec: ScheduleSpec = { name: "d", period: "day", at: "06:00", formats: ["csv"] };
    const runs = dueRuns(spec, calendar, WED_NOON - 2 * 86_400_000, WED_NOON);
    expect(runs.map((r) => [iso(r.from), iso(r.to)])).toEqual([
      ["2026-03-02T05:00:00.000Z", "2026-03-03T05:00:00.000Z"],
      ["2026-03-03T05:00:00.000Z", "2026-03-04T05:00:00.000Z"],
    ]);
    expect(iso(nextRun(spec, calendar, WED_NOON)!.due)).toBe("2026-03-05T05:00:00.000Z");
  });

  it("across the spring DST change a day report is 23 hours", () => {
    const spec: ScheduleSpec = { name: "d", period: "day", at: "06:00", formats: ["csv"] };
    // Berlin moves to UTC+2 on Sunday 2026-03-29.
    const run = nextRun(spec, calendar, Date.parse("2026-03-29T12:00:00Z") - 86_400_000)!;
    expect(iso(run.due)).toBe("2026-03-29T04:00:00.000Z");
    expect((run.to - run.from) / 3_600_000).toBe(23);
  });

  it("a weekly Monday schedule is due on Mondays and covers the week before", () => {
    const spec: ScheduleSpec = { name: "w", period: "week", weekday: "Mon", at: "06:00", formats: ["html"] };
    const run = nextRun(spec, calendar, WED_NOON)!;
    expect([iso(run.from), iso(run.due)]).toEqual(["2026-03-02T05:00:00.000Z", "2026-03-09T05:00:00.000Z"]);
  });

  it("a shift schedule is due at each end of the shift; without a shift, at every shift's end", () => {
    const early: ScheduleSpec = { name: "s", period: "shift", shift: "early", formats: ["html"] };
    expect(iso(nextRun(early, calendar, WED_NOON)!.due)).toBe("2026-03-04T13:00:00.000Z");
    const any: ScheduleSpec = { name: "s", period: "shift", formats: ["html"] };
    const ends = dueRuns(any, calendar, WED_NOON, WED_NOON + 86_400_000).map((r) => [r.shift, iso(r.due)]);
    expect(ends).toEqual([
      ["early", "2026-03-04T13:00:00.000Z"],
      ["late", "2026-03-04T21:00:00.000Z"],
    ]);
  });

  it("a report without a range covers the last complete period", () => {
    expect(iso(reportSpan(calendar, { period: "day" }, WED_NOON).from)).toBe("2026-03-02T23:00:00.000Z");
    const shift = reportSpan(calendar, { period: "shift", shift: "late" }, WED_NOON);
    expect([shift.shift, iso(shift.from), iso(shift.to)]).toEqual([
      "late",
      "2026-03-03T13:00:00.000Z",
      "2026-03-03T21:00:00.000Z",
    ]);
    expect(iso(reportSpan(calendar, { period: "week" }, WED_NOON).from)).toBe("2026-02-22T23:00:00.000Z");
  });

  it("refuses an unknown shift and a range too long, naming the field", () => {
    expect(() => reportSpan(calendar, { period: "shift", shift: "night" }, WED_NOON)).toThrow(
      /^shift: unknown shift "night"/,
    );
    expect(() =>
      reportSpan(calendar, { period: "week", fromMs: 0, toMs: 40 * 86_400_000 }, WED_NOON),
    ).toThrow(/^from: the range is longer than 31 days/);
    expect(() => reportSpan(calendar, { period: "day", fromMs: 5, toMs: 5 }, WED_NOON)).toThrow(/^to: /);
    const bad = scheduleSpecSchema.safeParse({ name: "x", period: "day", at: "25:00", formats: ["doc"] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["at", "formats.0"]);
  });
});
