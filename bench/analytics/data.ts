// The analytics benchmark's data set: N days of a line's station metrics at 15 s, as lineops would
// hold them after running that long with examples/rules/oee.rules.yml: the stations' raw series
// (station_state one-hot, units counters), lineops's calendar and roster series, and the series the
// OEE rules record (written here as the rules would have, from the same simulated states).
// OpenMetrics text with timestamps, the input of `lineops tsdb import`. Deterministic per seed.
import { closeSync, openSync } from "node:fs";
import type { ShiftsConfig } from "../../src/config/shifts-schema.js";
import { ShiftCalendar } from "../../src/dashboard/analytics/shift-calendar.js";
import { prng } from "../../src/test-support/prng.js";
import { Out } from "../common/out.js";

export const STEP_MS = 15_000;
export const LINE = "line";
export const IDEAL_CYCLE_S = 60;

/** The plant's calendar: three shifts Monday to Friday with a break each (the bench's lineops.yaml too). */
export const SHIFTS: ShiftsConfig = {
  timezone: "Europe/Berlin",
  calendar: [
    { name: "early", windows: ["Mon..Fri 06:00-14:00"], breaks: ["Mon..Fri 10:00-10:30"] },
    { name: "late", windows: ["Mon..Fri 14:00-22:00"], breaks: ["Mon..Fri 18:00-18:30"] },
    { name: "night", windows: ["Mon..Fri 22:00-06:00"], breaks: ["02:00-02:30"] },
  ],
};

const STATES = ["idle", "running", "jammed", "faulted"] as const;
/** 0 idle, 1 running, 2 jammed, 3 faulted, 4 offline (no state reported). */
type State = 0 | 1 | 2 | 3 | 4;

export type Generated = { samples: number; series: number; bytes: number; minT: number; maxT: number };

/**
 * A station's day: running most of planned time, with jams (minutes), faults (tens of minutes) and
 * a rare crash (offline for a few minutes); idle outside planned time and between work orders.
 */
function simulate(steps: number, planned: Uint8Array, seed: number): Uint8Array {
  const rnd = prng(seed);
  const s = new Uint8Array(steps);
  let stop: State = 0;
  let left = 0;
  for (let k = 0; k < steps; k++) {
    if (left > 0) {
      s[k] = stop;
      left--;
      continue;
    }
    const r = rnd();
    // Per 15 s step: a jam every ~2.5 h, a fault every ~20 h, a crash every ~5 days of planned time.
    if (planned[k] && r < 0.0017) {
      stop = 2;
      left = 4 + Math.floor(rnd() * 36);
    } else if (planned[k] && r < 0.0017 + 0.0002) {
      stop = 3;
      left = 40 + Math.floor(rnd() * 120);
    } else if (r < 0.0017 + 0.0002 + 0.00005) {
      stop = 4;
      left = 4 + Math.floor(rnd() * 20);
    } else {
      s[k] = planned[k] && rnd() < 0.85 ? 1 : 0;
      continue;
    }
    s[k] = stop;
  }
  return s;
}

export function generateLineData(
  file: string,
  opts: { days: number; stations: number; endMs: number; onProgress?: (what: string) => void },
): Generated {
  const steps = Math.floor((opts.days * 86_400_000) / STEP_MS);
  // Half a second off the step grid: no sample on a query boundary.
  const ts = Array.from({ length: steps }, (_, k) => opts.endMs - (steps - 1 - k) * STEP_MS - 500);
  const tStr = ts.map((t) => String(t / 1000));
  const calendar = new ShiftCalendar(SHIFTS);
  const shiftPlanned = calendar.shiftNames.map(() => new Uint8Array(steps));
  const anyPlanned = new Uint8Array(steps);
  for (let k = 0; k < steps; k++) {
    calendar.plannedAt(ts[k] as number).forEach((p, i) => {
      if (p.planned) {
        (shiftPlanned[i] as Uint8Array)[k] = 1;
        anyPlanned[k] = 1;
      }
    });
  }
  opts.onProgress?.("calendar");
  const stations = Array.from({ length: opts.stations }, (_, i) => ({
    id: String(i + 1),
    state: simulate(steps, anyPlanned, 7000 + i),
  }));
  const fd = openSync(file, "w");
  const out = new Out(fd);
  let samples = 0;
  let series = 0;
  const write = (name: string, labels: string, value: (k: number) => number | undefined) => {
    const head = `${name}{${labels}} `;
    for (let k = 0; k < steps; k++) {
      const v = value(k);
      if (v !== undefined) {
        out.push(`${head}${v} ${tStr[k]}\n`);
        samples++;
      }
    }
    series++;
  };
  const self = `job="lineops",instance="127.0.0.1:9470",line="${LINE}"`;
  try {
    out.push("# TYPE lineops_shift_planned gauge\n");
    calendar.shiftNames.forEach((shift, i) =>
      write("lineops_shift_planned", `${self},shift="${shift}"`, (k) => (shiftPlanned[i] as Uint8Array)[k]),
    );
    out.push("# TYPE lineops_station_info gauge\n");
    for (const st of stations) {
      write("lineops_station_info", `${self},station="${st.id}",service="station-controller"`, () => 1);
    }
    out.push("# TYPE lineops_station_ideal_cycle_seconds gauge\n");
    for (const st of stations) {
      write("lineops_station_ideal_cycle_seconds", `${self},station="${st.id}"`, () => IDEAL_CYCLE_S);
    }
    opts.onProgress?.("lineops series");
    out.push("# TYPE station_state gauge\n");
    for (const st of stations) {
      const inst = `job="station-controller",instance="127.0.0.1:${4100 + Number(st.id)}",station="${st.id}"`;
      STATES.forEach((name, i) =>
        write("station_state", `${inst},state="${name}"`, (k) => {
          const s = st.state[k] as State;
          return s === 4 ? undefined : s === i ? 1 : 0;
        }),
      );
    }
    // Counters: a unit about every 65 s of running, 2 % scrapped; a crash resets them.
    for (const [metric, share] of [
      ["units_produced_total", 0.98],
      ["units_scrapped_total", 0.02],
    ] as const) {
      out.push(`# TYPE ${metric.replace(/_total$/, "")} counter\n`);
      for (const st of stations) {
        const inst = `job="station-controller",instance="127.0.0.1:${4100 + Number(st.id)}",station="${st.id}"`;
        let v = 0;
        write(metric, inst, (k) => {
          const s = st.state[k] as State;
          if (s === 4) {
            v = 0;
            return undefined;
          }
          v += s === 1 ? (share * STEP_MS) / 65_000 : 0;
          return Math.round(v * 1000) / 1000;
        });
      }
    }
    opts.onProgress?.("station series");
    // What oee.rules.yml records every 15 s from the series above.
    write("line:lineops_shift_planned:max", `line="${LINE}"`, (k) => anyPlanned[k]);
    for (const st of stations) {
      const running = (k: number) => (st.state[k] === 0 || st.state[k] === 1 ? 1 : 0);
      write("station:oee_running:bool", `line="${LINE}",station="${st.id}"`, running);
      write(
        "station:oee_running_planned:bool",
        `line="${LINE}",station="${st.id}"`,
        (k) => running(k) * (anyPlanned[k] as number),
      );
      for (const [reason, code] of [
        ["jammed", 2],
        ["faulted", 3],
        ["offline", 4],
      ] as const) {
        write(
          "station_reason:oee_downtime_planned:bool",
          `line="${LINE}",station="${st.id}",reason="${reason}"`,
          (k) => (st.state[k] === code ? 1 : 0) * (anyPlanned[k] as number),
        );
      }
    }
    // Front-door requests of three services (SLOs and the report read them): 5 per second, 0.05 %
    // answered 5xx, and one bad hour of 5 % errors a week before the end for line-controller.
    out.push("# TYPE lineops_router_requests counter\n");
    const badHour = steps - (7 * 86_400_000) / STEP_MS;
    for (const service of ["line-controller", "mes-connector", "station-controller"]) {
      for (const code of ["200", "503"]) {
        let v = 0;
        write(
          "lineops_router_requests_total",
          `${self},service="${service}",group="stable",revision="r1",code="${code}"`,
          (k) => {
            const burst = service === "line-controller" && k >= badHour && k < badHour + 240;
            const errorShare = burst ? 0.05 : 0.0005;
            v += (STEP_MS / 1000) * 5 * (code === "503" ? errorShare : 1 - errorShare);
            return Math.round(v * 1000) / 1000;
          },
        );
      }
    }
    opts.onProgress?.("front-door series");
    out.push("# EOF\n");
    out.flush();
  } finally {
    closeSync(fd);
  }
  return { samples, series, bytes: out.bytes, minT: ts[0] as number, maxT: ts[steps - 1] as number };
}
