import { describe, expect, it } from "vitest";
import { configErrorOf } from "./test-support/config-error.js";
import { parseYaml } from "./load.js";
import { lineSchema } from "./line-schema.js";
import { configSchema } from "./schema.js";

const issuesOf = (fn: () => unknown) => configErrorOf(fn).issues;

describe("shifts in lineops.yaml", () => {
  it("defaults to one shift around the clock in UTC", () => {
    const c = parseYaml("", "lineops.yaml", configSchema);
    expect(c.shifts).toEqual({
      timezone: "UTC",
      calendar: [{ name: "all-day", windows: ["00:00-24:00"], breaks: [] }],
    });
  });

  it("reports a bad window, time zone and duplicate shift at file:line:col", () => {
    const text = [
      "shifts:",
      "  timezone: Mars/Olympus",
      "  calendar:",
      "    - name: early",
      '      windows: ["Mon..Fry 06:00-14:00"]',
      "    - name: early",
      '      windows: ["14:00-22:00"]',
      '      breaks: ["18:00-18:70"]',
      "",
    ].join("\n");
    const issues = issuesOf(() => parseYaml(text, "lineops.yaml", configSchema));
    expect(issues).toEqual([
      expect.objectContaining({
        line: 2,
        col: 13,
        path: "shifts.timezone",
        message: expect.stringMatching(/unknown time zone "Mars\/Olympus"/),
      }),
      expect.objectContaining({
        line: 5,
        col: 17,
        path: "shifts.calendar[0].windows[0]",
        message: expect.stringMatching(/unknown weekday "Fry"/),
      }),
      expect.objectContaining({
        line: 6,
        col: 13,
        path: "shifts.calendar[1].name",
        message: 'duplicate shift "early"',
      }),
      // The window's own column follows: 18:70 is wrong at its 10th character.
      expect.objectContaining({
        line: 8,
        col: 16,
        path: "shifts.calendar[1].breaks[0]",
        message: "1:10: minute 70 out of range 0..59",
      }),
    ]);
  });
});

describe("ideal cycle times in line.yaml", () => {
  const line = (extra: string) =>
    `services:\n  - name: station-controller\n    version: 1.0.0\n    command: node\n${extra}`;

  it("parses a service-wide ideal cycle time and per-station overrides, in ms", () => {
    const l = parseYaml(
      line('    stations: ["1", "2"]\n    idealCycleTime: 30ms\n    idealCycleTimes: { "2": 1m }\n'),
      "line.yaml",
      lineSchema,
    );
    expect(l.services[0]).toMatchObject({ idealCycleTime: 30, idealCycleTimes: { "2": 60_000 } });
  });

  it("refuses one on a service without stations, for an unknown station, or of zero", () => {
    expect(issuesOf(() => parseYaml(line("    idealCycleTime: 30ms\n"), "line.yaml", lineSchema))).toEqual([
      expect.objectContaining({
        line: 5,
        path: "services[0].idealCycleTime",
        message: "idealCycleTime needs a service that runs per station (stations:)",
      }),
    ]);
    const issues = issuesOf(() =>
      parseYaml(
        line('    stations: ["1"]\n    idealCycleTime: 0s\n    idealCycleTimes: { "9": 1s }\n'),
        "line.yaml",
        lineSchema,
      ),
    );
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [6, "services[0].idealCycleTime", "an ideal cycle time must be above 0"],
      [7, "services[0].idealCycleTimes.9", "station 9 is not one of the service's stations (1)"],
    ]);
  });
});
