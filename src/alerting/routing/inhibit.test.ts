import { describe, expect, it } from "vitest";
import { parseYaml } from "../../config/load.js";
import { inhibitRuleSchema } from "../config/schema.js";
import { Inhibitor, type InhibitingAlert, type InhibitRule } from "./inhibit.js";
import { parseMatchers } from "./matchers.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const rule = (source: string, target: string, equal: string[] = []): InhibitRule => ({
  sourceMatchers: parseMatchers(source),
  targetMatchers: parseMatchers(target),
  equal,
});
const firing = (labels: Record<string, string>): InhibitingAlert => ({ labels, endsAt: NOW + 3600_000 });
const resolved = (labels: Record<string, string>): InhibitingAlert => ({ labels, endsAt: NOW - 1000 });

describe("equal labels (Alertmanager's TestInhibitRuleHasEqual)", () => {
  it.each<[string, InhibitingAlert[], string[], Record<string, string>, boolean]>([
    ["no source alerts", [], [], { a: "b" }, false],
    ["no equal labels: any source alert inhibits", [{ labels: {} }], [], { a: "b" }, true],
    [
      "matching but already resolved",
      [resolved({ a: "b", b: "f" }), resolved({ a: "b", b: "c" })],
      ["a", "b"],
      { a: "b", b: "c" },
      false,
    ],
    [
      "matching and unresolved",
      [resolved({ a: "b", c: "d" }), firing({ a: "b", c: "f" })],
      ["a"],
      { a: "b" },
      true,
    ],
    [
      "equal label does not match",
      [resolved({ a: "c", c: "d" }), firing({ a: "c", c: "f" })],
      ["a"],
      { a: "b" },
      false,
    ],
    ["absent on both sides counts as equal", [firing({ x: "1" })], ["cluster"], { a: "b" }, true],
    ["empty equals absent", [firing({ cluster: "" })], ["cluster"], { a: "b" }, true],
    ["absent differs from a value", [firing({ x: "1" })], ["cluster"], { a: "b", cluster: "eu" }, false],
    ["an alert without endsAt is firing", [{ labels: { a: "b" } }], ["a"], { a: "b" }, true],
    ["endsAt exactly now is resolved", [{ labels: { a: "b" }, endsAt: NOW }], ["a"], { a: "b" }, false],
  ])("%s", (_name, alerts, equal, target, want) => {
    // Sources carry kind="src" and targets never do, so only the equal labels decide (as upstream's
    // hasEqual test, which passes excludeTwoSidedMatch=false).
    const sources = alerts.map((a) => ({ ...a, labels: { ...a.labels, kind: "src" } }));
    const ih = new Inhibitor([rule('{kind="src"}', '{kind!="src"}', equal)], sources);
    expect(ih.isInhibited(target, NOW)).toBe(want);
  });
});

describe("rules (Alertmanager's TestInhibitRuleMatches)", () => {
  const ih = new Inhibitor(
    [rule('{s1="1"}', '{t1="1"}', ["e"]), rule('{s2="1"}', '{t2="1"}', ["e"])],
    [
      firing({ s1: "1", t1: "2", e: "1" }), // source of rule 1 only
      firing({ s2: "1", t2: "1", e: "1" }), // source and target of rule 2
    ],
  );
  it.each<[Record<string, string>, boolean]>([
    [{ t1: "1", e: "1" }, true],
    [{ t2: "1", e: "1" }, true],
    [{ t1: "1", t3: "1", e: "1" }, true],
    [{ t1: "1", t2: "1", e: "1" }, true],
    [{ t1: "0", e: "1" }, false],
    // Source and target of rule 1, inhibited: its source matches only rule 1's source matchers.
    [{ s1: "1", t1: "1", e: "1" }, true],
    // Source and target of rule 2, not inhibited: its source is also a target.
    [{ s2: "1", t2: "1", e: "1" }, false],
    [{ t1: "1", e: "0" }, false],
  ])("%j inhibited: %s", (target, want) => {
    expect(ih.isInhibited(target, NOW)).toBe(want);
  });

  it("does not let an alert inhibit itself", () => {
    const self = { alertname: "InstanceDown", severity: "critical", instance: "a" };
    const only = new Inhibitor(
      [rule('{severity="critical"}', '{alertname="InstanceDown"}', ["instance"])],
      [firing(self)],
    );
    expect(only.isInhibited(self, NOW)).toBe(false);
  });

  it("names the inhibiting alert and follows setAlerts", () => {
    const ih2 = new Inhibitor([rule('{alertname="LineDown"}', '{severity="warning"}', ["line"])]);
    const target = { alertname: "StationSlow", severity: "warning", line: "l1" };
    expect(ih2.inhibitedBy(target, NOW)).toBeUndefined();
    ih2.setAlerts([firing({ alertname: "LineDown", line: "l1" })]);
    expect(ih2.inhibitedBy(target, NOW)).toEqual({ alertname: "LineDown", line: "l1" });
    ih2.setAlerts([firing({ alertname: "LineDown", line: "l2" })]);
    expect(ih2.isInhibited(target, NOW)).toBe(false);
    ih2.setAlerts([]);
    expect(ih2.isInhibited(target, NOW)).toBe(false);
  });
});

describe("rules from the config", () => {
  it.each([
    [
      "source_matchers / target_matchers",
      "source_matchers: ['severity=\"critical\"']\ntarget_matchers: ['severity=~\"warning|info\"']\nequal: [cluster]\n",
    ],
    [
      "the older source_match / target_match_re",
      "source_match: {severity: critical}\ntarget_match_re: {severity: 'warning|info'}\nequal: [cluster]\n",
    ],
  ])("%s", (_name, yaml) => {
    const r = parseYaml(yaml, "inhibit.yml", inhibitRuleSchema);
    const ih = new Inhibitor(
      [r],
      [firing({ alertname: "ClusterDown", severity: "critical", cluster: "eu" })],
    );
    expect(ih.isInhibited({ alertname: "Slow", severity: "warning", cluster: "eu" }, NOW)).toBe(true);
    expect(ih.isInhibited({ alertname: "Slow", severity: "warningx", cluster: "eu" }, NOW)).toBe(false);
    expect(ih.isInhibited({ alertname: "Slow", severity: "info", cluster: "us" }, NOW)).toBe(false);
    expect(ih.isInhibited({ alertname: "Other", severity: "critical", cluster: "eu" }, NOW)).toBe(false);
  });
});
