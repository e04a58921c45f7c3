// Fuzzing of the alerting inputs a user or a client types: matcher strings (config, silences, API
// filters, amtool) and whole Alertmanager configs. Each must parse or throw its own coded error,
// within the per-case budget, and what parses must evaluate without throwing.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams, nearValid, tokenSoup, withinBudget } from "../test-support/fuzz.js";
import { parseAlertingConfig, routeTreeOf } from "./config/load.js";
import { Inhibitor } from "./routing/inhibit.js";
import { matchesAll, parseMatchers } from "./routing/matchers.js";
import { routesFor } from "./routing/route-tree.js";
import { isActive } from "./routing/time-intervals.js";

const MATCHER_TOKENS = [
  "{",
  "}",
  ",",
  "=",
  "!=",
  "=~",
  "!~",
  '"',
  "\\",
  "\\n",
  '\\"',
  "\\x",
  "\\u00e9",
  "\\U0001f642",
  "'",
  "`",
  " ",
  "\t",
  "a",
  "foo",
  "_",
  ":",
  "é",
  "🙂",
  "\uD800",
  ".*",
  "(",
  ")",
  "[",
  "]",
  "|",
  "+",
  "?",
];
const MATCHER_EXAMPLES = [
  '{foo="bar", baz!~".*quux"}',
  "foo=bar,dings!=bums",
  '{"service name"=~"a|b"}',
  'statuscode=~"5.."',
  "tricky=~~~",
  "{}",
];

describe("matcher fuzzing", () => {
  it("parses or throws LINEOPS_ERR_ALERTING_MATCHER_INVALID, and what parses can match", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          nearValid(MATCHER_EXAMPLES, MATCHER_TOKENS),
          tokenSoup(MATCHER_TOKENS),
          fc.string({ maxLength: 40 }),
        ),
        (text) => {
          const out = withinBudget(() => parseMatchers(text), ["LINEOPS_ERR_ALERTING_MATCHER_INVALID"]);
          if (out.ok) {
            expect(typeof matchesAll(out.value, { foo: "bar", a: "", "service name": "a" })).toBe("boolean");
          }
        },
      ),
      fuzzParams(3000),
    );
  });
});

const GOLDEN = readFileSync(new URL("./config/fixtures/alertmanager.yml", import.meta.url), "utf8");
const YAML_TOKENS = [
  ":",
  ": ",
  "- ",
  "\n",
  "\n  ",
  "  ",
  "[",
  "]",
  "{",
  "}",
  ",",
  "#",
  '"',
  "'",
  "~",
  "null",
  "0",
  "-1",
  "...",
  "receiver: ",
  "routes:",
  "matchers: ",
  "continue: true",
  "group_by: ",
  "'...'",
  "monday:friday",
  "-3:-1",
  "24:00",
  "Europe/Berlin",
  "=~",
  "!=",
];

describe("config fuzzing", () => {
  it("loads or throws LINEOPS_ERR_CONFIG_INVALID, and what loads routes, inhibits and mutes", () => {
    fc.assert(
      fc.property(nearValid([GOLDEN], YAML_TOKENS), (text) => {
        const out = withinBudget(() => parseAlertingConfig(text), ["LINEOPS_ERR_CONFIG_INVALID"], 400);
        if (out.ok) {
          const labels = { alertname: "LineDown", severity: "page", line: "l1", service: "plc-1" };
          expect(routesFor(routeTreeOf(out.value), labels).length).toBeGreaterThan(0);
          expect(typeof new Inhibitor(out.value.inhibit_rules, [{ labels }]).isInhibited(labels)).toBe(
            "boolean",
          );
          for (const intervals of out.value.timeIntervals.values()) {
            expect(typeof isActive(intervals, Date.parse("2026-12-31T23:30:00Z"))).toBe("boolean");
          }
        }
      }),
      fuzzParams(400),
    );
  });
});
