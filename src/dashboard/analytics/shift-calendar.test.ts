import { describe, expect, it } from "vitest";
import { ShiftCalendar, subtractIntervals, unionIntervals } from "./shift-calendar.js";

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

const threeShifts = new ShiftCalendar({
  timezone: "UTC",
  calendar: [
    { name: "early", windows: ["Mon..Fri 06:00-14:00"], breaks: ["Mon..Fri 10:00-10:30"] },
    { name: "late", windows: ["Mon..Fri 14:00-22:00"], breaks: [] },
    { name: "night", windows: ["Mon..Fri 22:00-06:00"], breaks: ["02:00-02:15"] },
  ],
});

describe("ShiftCalendar", () => {
  it("knows which shift is planned, and that a break is not", () => {
    // 2026-03-02 is a Monday.
    expect(threeShifts.plannedAt(at("2026-03-02T07:00:00Z"))).toEqual([
      { shift: "early", planned: true },
      { shift: "late", planned: false },
      { shift: "night", planned: false },
    ]);
    expect(threeShifts.plannedAt(at("2026-03-02T10:10:00Z")).some((s) => s.planned)).toBe(false);
    // Friday's night shift runs into Saturday morning; Saturday's own does not start.
    expect(threeShifts.plannedAt(at("2026-03-07T05:00:00Z"))[2]).toEqual({ shift: "night", planned: true });
    expect(threeShifts.plannedAt(at("2026-03-07T23:00:00Z")).some((s) => s.planned)).toBe(false);
  });

  it("lists a day's shift occurrences with their planned time (the shift minus its breaks)", () => {
    const occ = threeShifts.occurrences(at("2026-03-02T00:00:00Z"), at("2026-03-03T00:00:00Z"));
    expect(
      occ.map((o) => [
        o.shift,
        new Date(o.start).toISOString(),
        new Date(o.end).toISOString(),
        o.plannedMs / H,
      ]),
    ).toEqual([
      // Sunday's night shift does not run (Mon..Fri): Monday starts with the early shift.
      ["early", "2026-03-02T06:00:00.000Z", "2026-03-02T14:00:00.000Z", 7.5],
      ["late", "2026-03-02T14:00:00.000Z", "2026-03-02T22:00:00.000Z", 8],
      // Clipped to the range: two of its hours fall on the day asked for.
      ["night", "2026-03-02T22:00:00.000Z", "2026-03-03T00:00:00.000Z", 2],
    ]);
    expect(threeShifts.plannedMs(at("2026-03-02T00:00:00Z"), at("2026-03-09T00:00:00Z")) / H).toBe(
      // 5 early × 7.5 + 5 late × 8 + 5 nights × 7.75 (Mon..Fri nights, each with its 15 min break)
      5 * 7.5 + 5 * 8 + 5 * 7.75,
    );
  });

  it("cuts days at local midnight, 23 and 25 hours long across DST", () => {
    const berlin = new ShiftCalendar({
      timezone: "Europe/Berlin",
      calendar: [{ name: "all-day", windows: ["00:00-24:00"], breaks: [] }],
    });
    // 2026-03-29 (spring forward) and 03-30, each from its local midnight.
    const days = berlin.days(at("2026-03-28T23:00:00Z"), at("2026-03-30T22:00:00Z"));
    expect(days.map(([s, e]) => (e - s) / H)).toEqual([23, 24]);
    expect(new Date(days[1]![0]).toISOString()).toBe("2026-03-29T22:00:00.000Z");
    // A shift around the clock is an occurrence per day, not one stretch.
    expect(
      berlin
        .occurrences(at("2026-10-24T22:00:00Z"), at("2026-10-26T23:00:00Z"))
        .map((o) => (o.end - o.start) / H),
    ).toEqual([25, 24]);
  });
});

describe("interval arithmetic", () => {
  it("subtracts breaks and merges overlapping shifts", () => {
    expect(
      subtractIntervals(
        [[0, 100]],
        [
          [10, 20],
          [90, 120],
        ],
      ),
    ).toEqual([
      [0, 10],
      [20, 90],
    ]);
    expect(subtractIntervals([[0, 100]], [[-5, 200]])).toEqual([]);
    expect(
      unionIntervals([
        [[0, 10]],
        [
          [5, 20],
          [30, 40],
        ],
      ]),
    ).toEqual([
      [0, 20],
      [30, 40],
    ]);
  });
});
