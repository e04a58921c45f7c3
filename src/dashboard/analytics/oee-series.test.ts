import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerOeeSeries, stationsOf, type OeeStation } from "./oee-series.js";
import { ShiftCalendar } from "./shift-calendar.js";

const calendar = new ShiftCalendar({
  timezone: "UTC",
  calendar: [
    { name: "early", windows: ["06:00-14:00"], breaks: ["10:00-10:30"] },
    { name: "late", windows: ["14:00-22:00"], breaks: [] },
  ],
});

describe("the OEE series on lineops's /metrics", () => {
  it("writes the calendar as 1/0 per shift at scrape time, the roster and the ideal cycle times", async () => {
    const registry = new Registry();
    let now = Date.parse("2026-03-02T07:00:00Z");
    let stations: OeeStation[] = [
      { station: "1", service: "station-controller", idealCycleSeconds: 0.03 },
      { station: "2", service: "station-controller" },
    ];
    registerOeeSeries(
      registry,
      { line: () => "L", calendar: () => calendar, stations: () => stations },
      () => now,
    );
    const text = await registry.metrics();
    expect(text).toContain('lineops_shift_planned{line="L",shift="early"} 1');
    expect(text).toContain('lineops_shift_planned{line="L",shift="late"} 0');
    expect(text).toContain('lineops_station_info{line="L",station="2",service="station-controller"} 1');
    expect(text).toContain('lineops_station_ideal_cycle_seconds{line="L",station="1"} 0.03');
    expect(text).not.toContain('lineops_station_ideal_cycle_seconds{line="L",station="2"}');

    // On a break nothing is planned; a station removed from line.yaml is no longer reported.
    now = Date.parse("2026-03-02T10:15:00Z");
    stations = stations.slice(0, 1);
    const later = await registry.metrics();
    expect(later).toContain('lineops_shift_planned{line="L",shift="early"} 0');
    expect(later).not.toContain('station="2"');
  });

  it("writes the line's target throughput while lineops.yaml sets one, and drops it when a reload removes it", async () => {
    const registry = new Registry();
    const withTarget = new ShiftCalendar({
      timezone: "UTC",
      targetUnitsPerHour: 6000,
      calendar: [{ name: "all-day", windows: ["00:00-24:00"], breaks: [] }],
    });
    let current = withTarget;
    registerOeeSeries(registry, { line: () => "L", calendar: () => current, stations: () => [] });
    expect(await registry.metrics()).toContain('lineops_line_target_units_per_hour{line="L"} 6000');
    current = calendar; // reloaded without a target
    expect(await registry.metrics()).not.toMatch(/^lineops_line_target_units_per_hour\{/m);
  });

  it("reads the stations and their ideal cycle times (ms in line.yaml) from the line's specs", () => {
    const specs = {
      "station-controller": { stations: ["1", "2"], idealCycleTime: 30, idealCycleTimes: { "2": 45 } },
      "plc-gateway": {},
    } as Record<
      string,
      { stations?: string[]; idealCycleTime?: number; idealCycleTimes?: Record<string, number> }
    >;
    expect(
      stationsOf({
        status: () => Object.keys(specs).map((name) => ({ name })),
        service: (name) => ({ spec: specs[name] ?? {} }),
      }),
    ).toEqual([
      { station: "1", service: "station-controller", idealCycleSeconds: 0.03 },
      { station: "2", service: "station-controller", idealCycleSeconds: 0.045 },
    ]);
  });
});
