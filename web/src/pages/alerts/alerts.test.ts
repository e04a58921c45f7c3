// The Alerts page's pure parts: Alertmanager matcher syntax, the URL filters and what they ask
// the API, and which rule alerts a filter keeps.
import { describe, expect, it } from "vitest";
import { groupsPath } from "./api.js";
import {
  keepRuleAlert,
  literalRegex,
  NO_FILTERS,
  plan,
  readFilters,
  writeFilters,
  type Filters,
} from "./filters.js";
import {
  formatMatcher,
  fromApiMatcher,
  matches,
  matchersFromLabels,
  parseMatchers,
  toApiMatcher,
  type ParsedMatcher,
} from "./matchers.js";

function ok(text: string): ParsedMatcher[] {
  const r = parseMatchers(text);
  if ("error" in r) {
    throw new Error(r.error);
  }
  return r.matchers;
}

describe("matchers", () => {
  it("reads lists with or without braces, quoted or bare, with escapes and commas inside quotes", () => {
    expect(ok('{alertname="StationJammed", station=~"press-.*"}')).toEqual([
      { name: "alertname", op: "=", value: "StationJammed" },
      { name: "station", op: "=~", value: "press-.*" },
    ]);
    expect(ok("severity!=info\nteam!~ops|qa")).toEqual([
      { name: "severity", op: "!=", value: "info" },
      { name: "team", op: "!~", value: "ops|qa" },
    ]);
    expect(ok('msg="a, \\"b\\"\\\\"')).toEqual([{ name: "msg", op: "=", value: 'a, "b"\\' }]);
    expect(ok("  ")).toEqual([]);
  });

  it("names the part at fault", () => {
    expect(parseMatchers('alertname="x", nope')).toEqual({
      error: expect.stringContaining('"nope" is not a matcher') as string,
    });
    expect(parseMatchers('a=~"("')).toEqual({
      error: expect.stringContaining("regular expression does not parse") as string,
    });
    expect(parseMatchers('a="\\q"')).toEqual({ error: expect.stringContaining("bad escape") as string });
  });

  it("matches as Alertmanager: missing labels are empty, regexes anchored", () => {
    const labels = { alertname: "StationJammed", station: "press-1" };
    expect(matches(labels, ok('station=~"press-.*"'))).toBe(true);
    expect(matches(labels, ok('station=~"press"'))).toBe(false);
    expect(matches(labels, ok('team=""'))).toBe(true);
    expect(matches(labels, ok('team!~".+"'))).toBe(true);
    expect(matches(labels, ok('alertname!="StationJammed"'))).toBe(false);
  });

  it("pre-fills a silence from labels, alertname first, and round-trips through the API's shape", () => {
    const text = matchersFromLabels({ severity: "warning", alertname: "X", "odd-name": 'q"' });
    expect(text).toBe('alertname="X"\n"odd-name"="q\\""\nseverity="warning"');
    const back = ok(text);
    expect(back.map(toApiMatcher).map(fromApiMatcher)).toEqual(back);
    expect(toApiMatcher({ name: "a", op: "!~", value: "b" })).toEqual({
      name: "a",
      value: "b",
      isRegex: true,
      isEqual: false,
    });
    expect(formatMatcher({ name: "a", op: "=~", value: "x.*" })).toBe('a=~"x.*"');
  });
});

describe("filters", () => {
  it("round-trip through the URL, unknown states dropped", () => {
    const f: Filters = {
      matchers: 'a="b"',
      state: "firing",
      severity: "critical",
      receiver: "pager",
      expired: true,
    };
    expect(readFilters(new URL(`http://x${writeFilters(f)}`).searchParams)).toEqual(f);
    expect(writeFilters(NO_FILTERS)).toBe("/alerts");
    expect(readFilters(new URLSearchParams("state=bogus")).state).toBe("");
  });

  it("ask the groups API with one filter per matcher, severity as a matcher, the receiver as a literal regex", () => {
    const p = plan({ ...NO_FILTERS, matchers: 'a="b", c=~"d.*"', severity: "critical", receiver: "pager.1" });
    if ("error" in p || p.groups === undefined) {
      throw new Error("expected a groups query");
    }
    const url = new URL(`http://x${groupsPath(p.groups)}`);
    expect(url.searchParams.getAll("filter")).toEqual(['a="b"', 'c=~"d.*"', 'severity="critical"']);
    expect(url.searchParams.get("receiver")).toBe("pager\\.1");
    expect(url.searchParams.get("active")).toBe("true");
    expect(plan({ ...NO_FILTERS, state: "pending" })).toEqual({ matchers: [], groups: undefined });
    const suppressed = plan({ ...NO_FILTERS, state: "suppressed" });
    expect("error" in suppressed ? undefined : suppressed.groups).toMatchObject({
      active: false,
      silenced: true,
      inhibited: true,
    });
    expect(plan({ ...NO_FILTERS, matchers: "nope" })).toEqual({ error: expect.any(String) as string });
    expect(literalRegex("a.b*(c)")).toBe("a\\.b\\*\\(c\\)");
  });

  it("keep rule alerts by state, dispatch and matchers", () => {
    const a = { labels: { alertname: "X", severity: "warning" }, state: "firing" as const };
    const active = { state: "active" as const, silencedBy: [] };
    const suppressed = { state: "suppressed" as const, silencedBy: ["s1"] };
    expect(keepRuleAlert(a, active, NO_FILTERS, [])).toBe(true);
    expect(keepRuleAlert(a, active, { ...NO_FILTERS, state: "firing" }, [])).toBe(true);
    expect(keepRuleAlert(a, suppressed, { ...NO_FILTERS, state: "firing" }, [])).toBe(false);
    expect(keepRuleAlert(a, suppressed, { ...NO_FILTERS, state: "suppressed" }, [])).toBe(true);
    expect(keepRuleAlert(a, undefined, { ...NO_FILTERS, state: "pending" }, [])).toBe(false);
    expect(keepRuleAlert(a, undefined, { ...NO_FILTERS, receiver: "pager" }, [])).toBe(false);
    expect(keepRuleAlert(a, active, NO_FILTERS, ok('severity="critical"'))).toBe(false);
  });
});
