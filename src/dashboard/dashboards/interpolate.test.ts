// Grafana's variable syntax and the Prometheus data source's escaping, from Grafana's documented
// examples (docs/sources/dashboards/variables/variable-syntax and the Prometheus template docs).
import { describe, expect, it } from "vitest";
import { builtinVariables, formatInterval, interpolate, legendOf } from "./interpolate.js";

const vars = {
  line: { value: "assembly-line-1", multi: false },
  host: { value: ["host1", "host2"], multi: true },
  dotted: { value: ["10.0.0.1"], multi: true },
  quote: { value: "it's \\ here", multi: false },
};

describe("interpolate", () => {
  it("replaces $var, ${var} and [[var]]", () => {
    expect(interpolate('up{line="$line"}', vars)).toBe('up{line="assembly-line-1"}');
    expect(interpolate('up{line="${line}"}', vars)).toBe('up{line="assembly-line-1"}');
    expect(interpolate('up{line="[[line]]"}', vars)).toBe('up{line="assembly-line-1"}');
  });

  it("joins multi-value selections as a regex alternation with every value regex-escaped", () => {
    expect(interpolate('up{instance=~"$host"}', vars)).toBe('up{instance=~"(host1|host2)"}');
    // One value needs no group; its dots are escaped twice: once for the regex, once for the PromQL string.
    expect(interpolate('up{instance=~"$dotted"}', vars)).toBe('up{instance=~"10\\\\.0\\\\.0\\\\.1"}');
  });

  it("escapes single values for a PromQL string only", () => {
    expect(interpolate("x{a='$quote'}", vars)).toBe("x{a='it\\\\'s \\\\ here'}");
  });

  it("applies ${var:format}", () => {
    expect(interpolate("${host:csv}", vars)).toBe("host1,host2");
    expect(interpolate("${host:pipe}", vars)).toBe("host1|host2");
    expect(interpolate("${host:json}", vars)).toBe('["host1","host2"]');
    expect(interpolate("${host:glob}", vars)).toBe("{host1,host2}");
    expect(interpolate("${dotted:regex}", vars)).toBe("10\\.0\\.0\\.1");
    expect(interpolate("${host:singlequote}", vars)).toBe("'host1','host2'");
    expect(interpolate("${line:raw}", vars)).toBe("assembly-line-1");
  });

  it("leaves unknown variables as written and never reads inherited properties", () => {
    expect(interpolate("rate(x[$window]) $toString ${constructor}", vars)).toBe(
      "rate(x[$window]) $toString ${constructor}",
    );
  });

  it("fills the built-in interval variables as Grafana defines them", () => {
    const b = builtinVariables({ rangeMs: 3_600_000, intervalMs: 15_000, scrapeIntervalMs: 15_000 });
    expect(b).toEqual({
      __interval: "15s",
      __interval_ms: "15000",
      // max($__interval + scrape interval, 4 × scrape interval)
      __rate_interval: "1m",
      __range: "3600s",
      __range_s: "3600",
      __range_ms: "3600000",
    });
    expect(interpolate("rate(x[$__rate_interval]) [$__interval_ms]", vars, b)).toBe("rate(x[1m]) [15000]");
    expect(
      builtinVariables({ rangeMs: 86_400_000, intervalMs: 120_000, scrapeIntervalMs: 15_000 })
        .__rate_interval,
    ).toBe("135s");
  });

  it("formats intervals in the largest whole unit", () => {
    expect([500, 1000, 90_000, 120_000, 7_200_000, 86_400_000, 1500].map(formatInterval)).toEqual([
      "500ms",
      "1s",
      "90s",
      "2m",
      "2h",
      "1d",
      "2s",
    ]);
  });
});

describe("legendOf", () => {
  it("fills {{label}} placeholders and names the series when there is no format", () => {
    const labels = { __name__: "up", job: "line", instance: "a:1" };
    expect(legendOf("{{ job }} on {{instance}} {{missing}}", labels)).toBe("line on a:1 ");
    expect(legendOf(undefined, labels)).toBe('up{job="line", instance="a:1"}');
    expect(legendOf("", {})).toBe("{}");
  });
});
