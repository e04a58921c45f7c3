// The infrastructure rules of the default rule pack (examples/rules/infrastructure.rules.yml):
// (a) Prometheus's own promtool accepts them and fires every alert as their test suite expects,
// every alert has a severity, texts and a runbook that exists, the demo loads them; (b) lineops
// loads them and evaluates every rule on real host series without an error.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startLineops, type Lineops } from "../../main.js";
import { promtoolBinary } from "../../monitoring/test-support/prometheus.js";
import { tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";
import { PACKAGE_ROOT } from "../../version.js";

const RULES_DIR = path.join(PACKAGE_ROOT, "examples", "rules");
const RULES = "infrastructure.rules.yml";
const ALERTS = [
  "HostCpuSaturated",
  "HostMemoryPressure",
  "HostDiskAlmostFull",
  "HostNetworkErrors",
  "InstanceRestartingOften",
];

type RuleFile = {
  groups: {
    name: string;
    rules: { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];
  }[];
};

function promtool(...args: string[]): string {
  return execFileSync(promtoolBinary(), args, { cwd: RULES_DIR, encoding: "utf8", stdio: "pipe" });
}

describe("the infrastructure rules, by Prometheus's own tools", () => {
  const pack = parseYaml(readFileSync(path.join(RULES_DIR, RULES), "utf8")) as RuleFile;
  const alerts = pack.groups.flatMap((g) => g.rules).filter((r) => r.alert);

  it("pass promtool check rules and their test suite, which fires every alert", () => {
    expect(promtool("check", "rules", RULES)).toMatch(/SUCCESS: 5 rules found/);
    expect(promtool("test", "rules", "infrastructure.rules.test.yml")).toContain("SUCCESS");
    expect(alerts.map((a) => a.alert)).toEqual(ALERTS);
    const tests = readFileSync(path.join(RULES_DIR, "infrastructure.rules.test.yml"), "utf8");
    const fired = new Set([...tests.matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- /g)].map((m) => m[1]));
    expect(ALERTS.filter((a) => !fired.has(a))).toEqual([]);
  });

  it("give every alert a severity, a summary, a description and a runbook that exists", () => {
    for (const rule of alerts) {
      expect(["critical", "warning"], `${rule.alert} severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, `${rule.alert} summary`).toMatch(/\{\{/);
      expect(rule.annotations?.description, `${rule.alert} description`).toMatch(/\{\{/);
      const runbook = rule.annotations?.runbook_url ?? "";
      expect(runbook, `${rule.alert} runbook`).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      expect(() => readFileSync(path.join(PACKAGE_ROOT, runbook)), `${runbook} exists`).not.toThrow();
    }
  });

  it("are loaded by the demo's lineops.yaml", () => {
    const demo = parseYaml(readFileSync(path.join(PACKAGE_ROOT, "examples", "lineops.yaml"), "utf8")) as {
      rule_files?: string[];
    };
    expect(demo.rule_files).toContain(`rules/${RULES}`);
  });
});

describe("the infrastructure rules in lineops", () => {
  let lineops: Lineops;

  beforeAll(async () => {
    const dir = tempDir("lineops-infra-rules-");
    // The pack as shipped, evaluated every 500 ms instead of every 15-30 s.
    const rules = readFileSync(path.join(RULES_DIR, RULES), "utf8").replace(
      /^(\s+)interval: \S+$/gm,
      "$1interval: 500ms",
    );
    writeFileSync(path.join(dir, RULES), rules);
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `rule_files: [${RULES}]\nmonitoring: { host: { enabled: true, interval: 300ms } }\n`,
    );
    lineops = await startLineops({
      dataDir: path.join(dir, "data"),
      port: 0,
      configFile: path.join(dir, "lineops.yaml"),
      logger: pino({ level: "silent" }),
    });
    await lineops.settled;
  }, 30_000);

  afterAll(async () => {
    await lineops?.stop();
  });

  it("evaluates every rule on this host's series without an error", async () => {
    type Rule = { name: string; health: string; lastError?: string; lastEvaluation: string };
    const rules = await waitFor(() => {
      const groups = lineops.monitoring.rulesJson().groups as { rules: Rule[] }[];
      const all = groups.flatMap((g) => g.rules);
      return all.length === ALERTS.length && all.every((r) => r.health !== "unknown") ? all : undefined;
    }, 15_000);
    expect(rules.map((r) => [r.name, r.health, r.lastError ?? ""])).toEqual(ALERTS.map((a) => [a, "ok", ""]));
  });
});
