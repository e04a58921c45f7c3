// Bad deployment specs in line.yaml are rejected at load with file:line:col, before anything runs.
import { describe, expect, it } from "vitest";
import { configErrorOf } from "../config/test-support/config-error.js";
import { parseLine } from "./line.js";

const svc = (extra: string) => `services:
  - name: station-controller
    version: 1.0.0
    command: node
    stations: ["1", "2"]
${extra}`;

const problems = (text: string) => configErrorOf(() => parseLine(text, "line.yaml")).message;

describe("deployment specs in line.yaml", () => {
  it("rejects an unknown strategy type", () => {
    expect(problems(svc("    strategy: { type: yolo }\n"))).toMatch(
      /^line\.yaml:6:\d+: services\[0\]\.strategy\.type: /,
    );
  });

  it("rejects a weight over 100", () => {
    expect(problems(svc("    strategy: { type: canary, steps: [{ setWeight: 150 }] }\n"))).toMatch(
      /line\.yaml:6:\d+: services\[0\]\.strategy\.steps\[0\]/,
    );
  });

  it("rejects an analysis referring to an unknown template", () => {
    expect(
      problems(svc("    strategy: { type: canary, steps: [{ analysis: { templates: [error-rate] } }] }\n")),
    ).toMatch(
      /services\[0\]\.strategy\.steps\[0\]\.analysis\.templates\[0\]: unknown analysis template "error-rate"/,
    );
  });

  it("rejects a station the service does not run", () => {
    expect(problems(svc('    strategy: { type: canary, steps: [{ setStations: ["9"] }] }\n'))).toMatch(
      /setStations: station 9 is not one of the service's stations \(1, 2\)/,
    );
  });

  it("rejects a malformed deploy window and time zone with their position", () => {
    const msg = problems(svc('    gates: { windows: ["Mun..Fri 06:00-07:00"], timezone: "Mars/Olympus" }\n'));
    expect(msg).toMatch(/services\[0\]\.gates\.windows\[0\]: .*unknown weekday "Mun"/);
    expect(msg).toMatch(/services\[0\]\.gates\.timezone: /);
  });

  it("accepts a full canary with analysis and gates", () => {
    const line = parseLine(
      `analysisTemplates:
  - name: errors
    metrics: [{ name: e, query: "sum(up)", successCondition: "result > 0" }]
gates: { windows: ["Mon..Fri 05:45-06:15"], timezone: Europe/Berlin }
${svc('    strategy: { type: canary, steps: [{ setStations: ["2"] }, { analysis: { templates: [errors] } }, { pause: {} }] }\n')}`,
      "line.yaml",
    );
    expect(line.services[0]?.strategy.type).toBe("canary");
  });

  it("checks version constraints between services", () => {
    const line = (plc: string, requires: string, deps = "[plc-gateway]") => `services:
  - { name: plc-gateway, version: "${plc}", command: node }
  - name: line-controller
    version: 1.1.0
    command: node
    dependsOn: ${deps}
    requires: { plc-gateway: "${requires}" }
`;
    expect(problems(line("1.0.0", ">=1.1"))).toMatch(
      /line\.yaml:7:\d+: services\[1\]\.requires\.plc-gateway: line-controller 1\.1\.0 needs plc-gateway >=1\.1, but this line deploys plc-gateway 1\.0\.0/,
    );
    expect(problems(line("1.1.0", ">=1.1", "[]"))).toMatch(/must also be in dependsOn/);
    expect(problems(line("1.1.0", "~1"))).toMatch(/invalid version constraint/);
    expect(parseLine(line("1.1.0", ">=1.1"), "line.yaml").services[1]?.requires).toEqual({
      "plc-gateway": ">=1.1",
    });
  });
});
