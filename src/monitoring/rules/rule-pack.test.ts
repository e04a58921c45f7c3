// The default rule pack (examples/rules/): (a) Prometheus's own tools accept it and evaluate every
// rule as its promtool test suites expect, and (b) its rules fire in lineops on the REAL sample
// line when faults are injected through the services' front doors, with the pack's windows and
// `for` durations scaled down so the test runs in seconds.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { STATION_ROUTING_HEADER } from "../../../line/index.js";
import type { Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir, twoStationLineYaml } from "../../test-support/line.js";
import { startSettledLineops } from "../../test-support/lineops.js";
import { waitFor } from "../../test-support/wait.js";
import { PACKAGE_ROOT } from "../../version.js";
import { promtoolBinary } from "../test-support/prometheus.js";
import { PACK, RULES_DIR, scaledPackFile } from "./test-support/scaled-rule-pack.js";

function promtool(...args: string[]): string {
  return execFileSync(promtoolBinary(), args, { cwd: RULES_DIR, encoding: "utf8", stdio: "pipe" });
}

type RuleFile = {
  groups: {
    name: string;
    rules: {
      alert?: string;
      record?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
};

describe("the default rule pack, by Prometheus's own tools", () => {
  it("passes promtool check rules", () => {
    const out = promtool("check", "rules", ...PACK);
    expect(out).toMatch(/line\.rules\.yml[\s\S]*SUCCESS: 15 rules found/);
    expect(out).toMatch(/lineops\.rules\.yml[\s\S]*SUCCESS: 8 rules found/);
  });

  it("passes its promtool test suites, which fire every alert of the pack", () => {
    for (const file of PACK) {
      const tests = file.replace(/\.yml$/, ".test.yml");
      expect(promtool("test", "rules", tests)).toContain("SUCCESS");
      // Every alerting rule of the file is asserted on at least once, firing.
      const fired = new Set(
        [
          ...readFileSync(path.join(RULES_DIR, tests), "utf8").matchAll(
            /alertname: (\w+)\n\s+exp_alerts:\n\s+- /g,
          ),
        ].map((m) => m[1]),
      );
      const alerts = (parseYaml(readFileSync(path.join(RULES_DIR, file), "utf8")) as RuleFile).groups.flatMap(
        (g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])),
      );
      expect(alerts.filter((a) => !fired.has(a))).toEqual([]);
    }
  });

  it("gives every alert a severity, a summary, a description and a runbook that exists", () => {
    for (const file of PACK) {
      const pack = parseYaml(readFileSync(path.join(RULES_DIR, file), "utf8")) as RuleFile;
      for (const rule of pack.groups.flatMap((g) => g.rules).filter((r) => r.alert)) {
        expect(["critical", "warning"], `${rule.alert} severity`).toContain(rule.labels?.severity);
        expect(rule.annotations?.summary, `${rule.alert} summary`).toMatch(/\{\{/);
        expect(rule.annotations?.description, `${rule.alert} description`).toMatch(/\{\{/);
        const runbook = rule.annotations?.runbook_url ?? "";
        expect(runbook, `${rule.alert} runbook`).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
        expect(() => readFileSync(path.join(PACKAGE_ROOT, runbook)), `${runbook} exists`).not.toThrow();
      }
    }
  });

  it("is what the demo's lineops.yaml loads", () => {
    const demo = parseYaml(readFileSync(path.join(PACKAGE_ROOT, "examples", "lineops.yaml"), "utf8")) as {
      rule_files?: string[];
    };
    // ... followed by OEE's recording rules (src/dashboard/analytics/oee-rules.test.ts tests those)
    // and the infrastructure rules (src/infrastructure/health/rule-pack.test.ts).
    expect(demo.rule_files).toEqual(
      [...PACK, "oee.rules.yml", "infrastructure.rules.yml"].map((f) => `rules/${f}`),
    );
  });
});

describe("the default rule pack, on the real line", () => {
  let lineops: Lineops;
  let token = "";
  const api = injectApi(() => lineops);

  beforeAll(async () => {
    const dir = tempDir("lineops-rule-pack-");
    for (const file of PACK) {
      writeFileSync(path.join(dir, file), scaledPackFile(file));
    }
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `rule_files: [${PACK.join(", ")}]
monitoring:
  scrapeInterval: 1s
  scrapeTimeout: 900ms
  evaluationInterval: 500ms
  host: { enabled: false }
traffic:
  ratePerSecond: 20
  service: line-controller
`,
    );
    const lineFile = path.join(dir, "line.yaml");
    writeFileSync(lineFile, twoStationLineYaml("rule-pack-line"));
    lineops = await startSettledLineops(dir, lineFile, {
      configFile: path.join(dir, "lineops.yaml"),
      traffic: true,
    });
    token = lineops.tokens.create("rule-pack", "admin").token;
  }, 60_000);

  afterAll(async () => {
    await lineops?.stop();
  });

  const frontDoor = (service: string) => lineops.deployment.service(service).status.url ?? "";

  async function injectFault(service: string, type: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${frontDoor(service)}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ type }),
    });
    expect(res.status, `${type} on ${service}`).toBeLessThan(300);
  }

  const query = async (q: string) =>
    (await api("GET", `/api/v1/query?query=${encodeURIComponent(q)}`, { token })).body.data?.result as
      { metric: Record<string, string>; value: [number, string] }[] | undefined;

  it("fires PLCDisconnected, StationJammed/Faulted, ScrapRatioHigh, InstanceCrashed and the error and latency burns", async () => {
    // Before any fault: the line is healthy, traffic flows through the front doors, and the crash
    // counter is scraped at 0 (an increase needs a sample before the crash).
    await waitFor(
      async () =>
        (await query('lineops_instance_crashes_total{service="station-controller"} == 0'))?.length === 1,
      20_000,
      "the crash counter at 0",
      250,
    );
    await waitFor(
      async () =>
        (await query('service:router_request_errors:ratio_rate5m{service="line-controller"} == 0'))?.length,
      20_000,
      "healthy traffic through line-controller's front door",
      250,
    );
    // A line that just started may have missed a scrape (an instance scraped before it listened):
    // the healthy baseline is no alert at all, pending or firing.
    await waitFor(
      async () => {
        const alerts = (await api("GET", "/api/v1/alerts", { token })).body.data.alerts as unknown[];
        return alerts.length === 0;
      },
      15_000,
      "a line without alerts before the faults",
      250,
    );

    // Faults through the front doors, as an operator's test would send them.
    await injectFault("station-controller", "crash", { [STATION_ROUTING_HEADER]: "2" });
    await injectFault("station-controller", "jam", { [STATION_ROUTING_HEADER]: "1" });
    await injectFault("line-controller", "slow");
    await injectFault("plc-gateway", "plc-disconnect");

    // Alerts seen firing at least once (InstanceCrashed lasts only the scaled 4 s window).
    type Alert = { labels: Record<string, string>; annotations: Record<string, string>; state: string };
    const seen = new Map<string, Alert>();
    const expected = [
      "PLCDisconnected",
      "StationJammed",
      "StationFaulted",
      "ScrapRatioHigh",
      "InstanceCrashed",
      "ErrorBudgetBurn",
      "LatencyBudgetBurn",
    ];
    await waitFor(
      async () => {
        const alerts = (await api("GET", "/api/v1/alerts", { token })).body.data.alerts as Alert[];
        for (const a of alerts.filter((x) => x.state === "firing")) {
          seen.set(
            `${a.labels.alertname}/${a.labels.service ?? a.labels.job ?? ""}/${a.labels.station ?? ""}`,
            a,
          );
        }
        const names = new Set([...seen.values()].map((a) => a.labels.alertname));
        return expected.every((e) => names.has(e));
      },
      30_000,
      `alerts ${expected.join(", ")} firing (seen: ${[...seen.keys()].join(", ")})`,
      200,
    );
    const find = (name: string, where: Record<string, string> = {}) =>
      [...seen.values()].find(
        (a) => a.labels.alertname === name && Object.entries(where).every(([k, v]) => a.labels[k] === v),
      );
    expect(find("PLCDisconnected", { job: "plc-gateway" })).toMatchObject({
      labels: { severity: "critical" },
      annotations: { runbook_url: "docs/runbooks/plc-disconnected.md" },
    });
    expect(find("StationJammed", { station: "1" })?.annotations.summary).toBe("Station 1 is jammed");
    expect(find("StationJammed", { station: "2" })).toBeUndefined();
    // Station 2 is not jammed but loses its PLC link: faulted, and every cycle it aborts is scrap.
    expect(find("StationFaulted", { station: "2" })?.annotations.summary).toBe("Station 2 is faulted");
    expect(find("ScrapRatioHigh", { station: "2" })?.annotations.summary).toMatch(
      /^Station 2 scraps \d+(\.\d+)?% of its units$/,
    );
    expect(find("InstanceCrashed", { service: "station-controller" })?.annotations.summary).toBe(
      "An instance of station-controller crashed",
    );
    expect(find("ErrorBudgetBurn", { service: "station-controller" })?.labels.slo).toBe("availability");
    expect(find("LatencyBudgetBurn", { service: "line-controller" })?.annotations.summary).toMatch(
      /^line-controller burns its latency budget fast \(\d+(\.\d+)?% of requests slower than 250 ms\)$/,
    );
  }, 60_000);
});
