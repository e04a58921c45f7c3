import { describe, expect, it } from "vitest";
import type { Labels, Matcher } from "../model.js";
import { TsdbErrors } from "./errors.js";
import { Head } from "./head.js";

function headWith(series: Labels[]): Head {
  const h = new Head(7200_000);
  for (const s of series) {
    h.getOrCreate(s);
  }
  return h;
}

const series: Labels[] = [
  { __name__: "up", job: "api", instance: "a" },
  { __name__: "up", job: "db", instance: "b" },
  { __name__: "up", instance: "c" }, // no job label
  { __name__: "http_requests_total", job: "api", path: "/x" },
  { __name__: "http_requests_total", job: "api", path: "/y" },
];

function select(h: Head, ms: Matcher[]): Labels[] {
  return [...h.selectSlots(ms)].map((s) => h.labelsOf(s));
}

const m = (name: string, type: Matcher["type"], value: string): Matcher => ({ name, type, value });

describe("index matchers", () => {
  const h = headWith(series);

  it("selects by equality and inequality", () => {
    expect(select(h, [m("__name__", "=", "up"), m("job", "=", "api")])).toEqual([series[0]]);
    expect(select(h, [m("__name__", "=", "up"), m("job", "!=", "api")])).toEqual([series[1], series[2]]);
  });

  it("treats a matcher that matches the empty string as selecting series without the label", () => {
    expect(select(h, [m("__name__", "=", "up"), m("job", "=", "")])).toEqual([series[2]]);
    expect(select(h, [m("__name__", "=", "up"), m("job", "=~", "db|")])).toEqual([series[1], series[2]]);
    expect(select(h, [m("__name__", "=", "up"), m("job", "!~", ".+")])).toEqual([series[2]]);
    expect(select(h, [m("__name__", "=", "up"), m("job", "=~", ".*")])).toHaveLength(3);
    expect(select(h, [m("__name__", "=", "up"), m("job", "!=", "")])).toEqual([series[0], series[1]]);
  });

  it("anchors regexes fully and handles the fast paths", () => {
    expect(select(h, [m("__name__", "=~", "u")])).toEqual([]);
    expect(select(h, [m("__name__", "=~", "u.*")])).toHaveLength(3);
    expect(select(h, [m("__name__", "=~", ".+")])).toHaveLength(5);
    expect(select(h, [m("__name__", "=~", "up|http_requests_total"), m("path", "=~", "/[x]")])).toEqual([
      series[3],
    ]);
    expect(select(h, [m("__name__", "!~", "up"), m("path", "!~", "/x")])).toEqual([series[4]]);
    expect(select(h, [m("instance", "=~", "(a|c)")])).toEqual([series[0], series[2]]);
  });

  it("rejects an invalid regex with a coded error", () => {
    expect(() => select(h, [m("job", "=~", "(")])).toThrow(
      expect.objectContaining({ code: TsdbErrors.invalidMatcher.code }),
    );
  });
});
