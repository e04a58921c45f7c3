// Alertmanager itself as the oracle: Debian's amtool (scripts/system-deps.sh installs it) checks the
// same configs and routes the same alerts, and lineops must agree. Debian ships Alertmanager 0.25,
// which predates the webhook `timeout` field, so the golden file is checked without that line.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../config/errors.js";
import { parseAlertingConfig, routeTreeOf } from "../config/load.js";
import { routesFor } from "./route-tree.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "amtool-oracle-"));
const golden = readFileSync(path.join(here, "../config/fixtures/alertmanager.yml"), "utf8")
  .split("\n")
  .filter((l) => !/^\s*timeout:/.test(l))
  .join("\n");

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** amtool's receivers for an alert, in route order. */
function amtoolReceivers(file: string, labels: Record<string, string>): string[] {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const out = execFileSync("amtool", ["config", "routes", "test", `--config.file=${file}`, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 20_000,
  });
  return out.trim().split(",");
}

/** Whether amtool check-config accepts the file. */
function amtoolAccepts(file: string): boolean {
  try {
    execFileSync("amtool", ["check-config", file], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

function lineopsAccepts(text: string): boolean {
  try {
    parseAlertingConfig(text);
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return false;
  }
}

describe("amtool agrees", () => {
  const goldenFile = write("golden.yml", golden);
  const tree = routeTreeOf(parseAlertingConfig(golden));

  it.each<Record<string, string>>([
    { alertname: "LineDown", severity: "page", line: "l1", service: "plc-1" },
    { alertname: "StationJammed", severity: "warning", line: "l1", service: "station-3" },
    { alertname: "ScrapeFailed", team: "platform" },
    { alertname: "RuleEvaluationFailed", team: "platform", severity: "page" },
    { alertname: "ScrapeFailedX", team: "platform-x" },
    { alertname: "Other" },
  ])("routes %j to the same receivers", (labels) => {
    expect(routesFor(tree, labels).map((r) => r.opts.receiver)).toEqual(amtoolReceivers(goldenFile, labels));
  });

  const base = "receivers:\n  - name: r\n  - name: x\n";
  it.each<[string, string]>([
    ["the golden file", golden],
    ["an undefined receiver", `route:\n  receiver: r\n  routes:\n    - receiver: nobody\n${base}`],
    ["a duplicate receiver", `route:\n  receiver: r\n${base}  - name: x\n`],
    ["root matchers", `route:\n  receiver: r\n  matchers: ['a=b']\n${base}`],
    ["no root receiver", `route:\n  group_by: [a]\n${base}`],
    ["continue on the root", `route:\n  receiver: r\n  continue: true\n${base}`],
    [
      "an undefined time interval",
      `route:\n  receiver: r\n  routes:\n    - mute_time_intervals: [w]\n${base}`,
    ],
    ["'...' with labels", `route:\n  receiver: r\n  group_by: ['...', a]\n${base}`],
    ["a zero group_interval", `route:\n  receiver: r\n  group_interval: 0s\n${base}`],
    ["an unknown field", `route:\n  receiver: r\n  reciever: x\n${base}`],
    [
      "a wrapping weekday range",
      `route:\n  receiver: r\n${base}time_intervals:\n  - name: w\n    time_intervals:\n      - weekdays: ['saturday:sunday']\n`,
    ],
    [
      "negative days of month",
      `route:\n  receiver: r\n${base}time_intervals:\n  - name: w\n    time_intervals:\n      - days_of_month: ['-3:-1', '1:-1']\n`,
    ],
    ["an unparseable matcher", `route:\n  receiver: r\n  routes:\n    - matchers: ['a']\n${base}`],
    [
      "equal in an inhibit rule",
      `route:\n  receiver: r\n${base}inhibit_rules:\n  - source_matchers: [a=b]\n    equal: [c]\n`,
    ],
  ])("accepts or refuses %s alike", (name, text) => {
    const file = write(`${name.replace(/\W+/g, "-")}.yml`, text);
    expect(lineopsAccepts(text)).toBe(amtoolAccepts(file));
  });
});
