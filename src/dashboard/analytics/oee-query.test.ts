// The analytics queries on PromQL over stored series (the in-memory storage of the PromQL tests):
// the hand-computed case through the same path as the API — a station up 50 of 60 planned minutes,
// 45 units at a 60 s ideal cycle, 43 good: A = 0.8333, P = 0.9, Q = 0.9556, OEE = 0.7167.
import { describe, expect, it } from "vitest";
import { Engine } from "../../monitoring/promql/engine.js";
import { MemoryStorage } from "../../monitoring/promql/test-support/memory-storage.js";
import { promqlQuerier } from "../../monitoring/query.js";
import { queryDowntime, queryOee, type AnalyticsScope } from "./oee-query.js";
import { ShiftCalendar } from "./shift-calendar.js";

const T0 = Date.parse("2026-03-02T00:00:00Z");
const HOUR = 3_600_000;
const STEPS = 240; // one hour at 15 s
/** Sample k sits mid-step, never on a range boundary. */
const at = (k: number) => T0 + k * 15_000 + 7_500;

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  const app = s.appender();
  const put = (labels: Record<string, string>, value: (k: number) => number) => {
    for (let k = 0; k < STEPS; k++) {
      app.append(labels, at(k), value(k));
    }
  };
  const line = { line: "L" };
  const self = { job: "lineops", instance: "lo:9470", ...line };
  put({ __name__: "line:lineops_shift_planned:max", ...line }, () => 1);
  put({ __name__: "lineops_station_info", ...self, station: "1", service: "station-controller" }, () => 1);
  put({ __name__: "lineops_station_ideal_cycle_seconds", ...self, station: "1" }, () => 60);
  // Up for the first 50 minutes (200 samples), then jammed 6 and faulted 4 minutes.
  put({ __name__: "station:oee_running_planned:bool", ...line, station: "1" }, (k) => (k < 200 ? 1 : 0));
  put(
    { __name__: "station_reason:oee_downtime_planned:bool", ...line, station: "1", reason: "jammed" },
    (k) => (k >= 200 && k < 224 ? 1 : 0),
  );
  put(
    { __name__: "station_reason:oee_downtime_planned:bool", ...line, station: "1", reason: "faulted" },
    (k) => (k >= 224 ? 1 : 0),
  );
  put(
    { __name__: "station_reason:oee_downtime_planned:bool", ...line, station: "1", reason: "offline" },
    () => 0,
  );
  // Counters rising evenly to 43 good and 2 scrapped units over the hour (increase() extrapolates
  // from the first and last sample to the range's ends: exactly these totals).
  const inst = { job: "station-controller", instance: "127.0.0.1:4001", station: "1" };
  put({ __name__: "units_produced_total", ...inst }, (k) => ((at(k) - T0) / HOUR) * 43);
  put({ __name__: "units_scrapped_total", ...inst }, (k) => ((at(k) - T0) / HOUR) * 2);
  app.commit();
  return s;
}

const scope = (): AnalyticsScope => ({
  line: "L",
  calendar: new ShiftCalendar({
    timezone: "UTC",
    calendar: [{ name: "all-day", windows: ["00:00-24:00"], breaks: [] }],
  }),
  querier: promqlQuerier(new Engine({}), storage()),
});

describe("queryOee over stored series", () => {
  it("gives the hand-computed factors for the station and the line", async () => {
    const r = await queryOee(scope(), { fromMs: T0, toMs: T0 + HOUR, by: "day" });
    expect(r.buckets).toHaveLength(1);
    const st = r.buckets[0]!.stations[0]!;
    expect(st.station).toBe("1");
    expect(st.plannedSeconds).toBe(3600);
    expect(st.runSeconds).toBeCloseTo(3000, 6);
    expect(st.totalUnits).toBeCloseTo(45, 6);
    expect(st.goodUnits).toBeCloseTo(43, 6);
    expect(st.availability).toBeCloseTo(0.8333, 4);
    expect(st.performance).toBeCloseTo(0.9, 4);
    expect(st.quality).toBeCloseTo(0.9556, 4);
    expect(st.oee).toBeCloseTo(0.7167, 4);
    // One station: the line is that station, and the range's total is its only bucket.
    expect(r.buckets[0]!.line.oee).toBeCloseTo(0.7167, 4);
    expect(r.total.line.oee).toBeCloseTo(0.7167, 4);
  });

  it("filters by station and answers an unknown one with no stations", async () => {
    const r = await queryOee(scope(), { fromMs: T0, toMs: T0 + HOUR, by: "shift", station: "9" });
    expect(r.buckets[0]?.stations).toEqual([]);
    expect(r.buckets[0]?.shift).toBe("all-day");
    expect(r.total.line.availability).toBeNull();
  });
});

describe("queryDowntime over stored series", () => {
  it("ranks the reasons with their planned-time durations and the cumulative share", async () => {
    const r = await queryDowntime(scope(), { fromMs: T0, toMs: T0 + HOUR, by: "reason" });
    expect(r.plannedSeconds).toBe(3600);
    expect(r.items.map((i) => i.reason)).toEqual(["jammed", "faulted"]);
    expect(r.items[0]!.seconds).toBeCloseTo(360, 6);
    expect(r.items[1]!.seconds).toBeCloseTo(240, 6);
    expect(r.items.map((i) => i.cumulativeShare)).toEqual([0.6, 1]);
    expect(r.downtimeSeconds).toBeCloseTo(600, 6);
  });
});
