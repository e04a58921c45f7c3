// The series OEE's recording rules (examples/rules/oee.rules.yml) need from lineops's own
// configuration, on lineops's /metrics (job="lineops") so they are scraped and stored as any other:
// the shift calendar as 1/0 per shift, the stations of the line and their ideal cycle times.
// PromQL cannot read a calendar; a series written from it at every scrape can be.
import { Gauge, type Registry } from "prom-client";
import type { ShiftCalendar } from "./shift-calendar.js";

/** A station of the line and, when line.yaml declares one, its ideal cycle time in seconds. */
export type OeeStation = { station: string; service: string; idealCycleSeconds?: number };

export type OeeSource = {
  line(): string;
  calendar(): ShiftCalendar;
  stations(): OeeStation[];
};

export const SHIFT_PLANNED_METRIC = "lineops_shift_planned";
export const STATION_INFO_METRIC = "lineops_station_info";
export const IDEAL_CYCLE_METRIC = "lineops_station_ideal_cycle_seconds";
export const TARGET_RATE_METRIC = "lineops_line_target_units_per_hour";

/**
 * Registers lineops_shift_planned, lineops_station_info, lineops_station_ideal_cycle_seconds and,
 * while lineops.yaml sets shifts.targetUnitsPerHour, lineops_line_target_units_per_hour.
 */
export function registerOeeSeries(registry: Registry, source: OeeSource, now: () => number = Date.now): void {
  const registers = [registry];
  new Gauge({
    name: SHIFT_PLANNED_METRIC,
    help: "1 while the shift is in planned production time (on shift and not on a break), else 0; from lineops.yaml's shift calendar.",
    labelNames: ["line", "shift"] as const,
    registers,
    collect() {
      // Reset first: a shift removed from the calendar (reload) must stop being reported.
      this.reset();
      const line = source.line();
      for (const { shift, planned } of source.calendar().plannedAt(now())) {
        this.set({ line, shift }, planned ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: STATION_INFO_METRIC,
    help: "Always 1: a station of the line (line.yaml stations:), the roster OEE rules count stations by.",
    labelNames: ["line", "station", "service"] as const,
    registers,
    collect() {
      this.reset();
      const line = source.line();
      for (const s of source.stations()) {
        this.set({ line, station: s.station, service: s.service }, 1);
      }
    },
  });
  new Gauge({
    name: IDEAL_CYCLE_METRIC,
    help: "The station's ideal cycle time in seconds (line.yaml idealCycleTime): OEE's performance yardstick.",
    labelNames: ["line", "station"] as const,
    registers,
    collect() {
      this.reset();
      const line = source.line();
      for (const s of source.stations()) {
        if (s.idealCycleSeconds !== undefined) {
          this.set({ line, station: s.station }, s.idealCycleSeconds);
        }
      }
    },
  });
  new Gauge({
    name: TARGET_RATE_METRIC,
    help: "The line's target throughput in good units per hour of planned time (lineops.yaml shifts.targetUnitsPerHour): what the line overview draws throughput against.",
    labelNames: ["line"] as const,
    registers,
    collect() {
      // Reset first: a target removed on reload must stop being reported, not stay at its last value.
      this.reset();
      const target = source.calendar().targetUnitsPerHour;
      if (target !== undefined) {
        this.set({ line: source.line() }, target);
      }
    },
  });
}

/** What stationsOf reads of the deployment engine: the services and their line.yaml specs. */
export type StationSpecs = {
  status(): { name: string }[];
  service(name: string): {
    spec: { stations?: string[]; idealCycleTime?: number; idealCycleTimes?: Record<string, number> };
  };
};

/** The line's stations (services with stations:) with their ideal cycle times (ms in line.yaml). */
export function stationsOf(line: StationSpecs): OeeStation[] {
  const out: OeeStation[] = [];
  for (const { name } of line.status()) {
    const spec = line.service(name).spec;
    for (const station of spec.stations ?? []) {
      const ms = spec.idealCycleTimes?.[station] ?? spec.idealCycleTime;
      out.push(
        ms === undefined
          ? { station, service: name }
          : { station, service: name, idealCycleSeconds: ms / 1000 },
      );
    }
  }
  return out;
}
