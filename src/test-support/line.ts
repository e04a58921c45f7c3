// Test fixtures: temporary data dirs and small line files that run the compiled sample line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../version.js";

export function tempDir(prefix = "lineops-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * One service of the compiled sample line as a line.yaml list item (run `npm run build` first;
 * pretest does). `extra` holds more keys, each line indented by four spaces.
 */
export function sampleService(
  name: string,
  opts: { version?: string; extra?: string; readinessPath?: string } = {},
): string {
  return `  - name: ${name}
    version: ${opts.version ?? "1.0.0"}
    command: node
    args: [dist/line/services/${name}.js]
    cwd: ${PACKAGE_ROOT}
    readiness: { type: http, path: ${opts.readinessPath ?? "/readyz"}, interval: 200ms, timeout: 1s }
${opts.extra ?? ""}`;
}

/**
 * The sample line's core as line.yaml text: plc-gateway, station-controller on stations 1 and 2,
 * line-controller. `station` adds lines to the station-controller (e.g. an ideal cycle time).
 */
export function twoStationLineYaml(lineName: string, opts: { station?: string } = {}): string {
  return `line:
  name: ${lineName}
services:
${sampleService("plc-gateway")}${sampleService("station-controller", {
    extra: `    stations: ["1", "2"]\n${opts.station ?? ""}    dependsOn: [plc-gateway]\n`,
  })}${sampleService("line-controller", {
    extra: '    env: { STATION_COUNT: "2" }\n    dependsOn: [station-controller]\n',
  })}`;
}

/** A two-service line from the compiled sample line. */
export function smallLine(dir: string, extra = ""): string {
  const file = path.join(dir, "line.yaml");
  writeFileSync(
    file,
    `line:
  name: test-line
services:
${sampleService("plc-gateway")}${sampleService("quality-inspection", { extra: "    dependsOn: [plc-gateway]\n" })}${extra}`,
  );
  return file;
}
