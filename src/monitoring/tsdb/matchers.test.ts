import { describe, expect, it } from "vitest";
import type { Labels, Matcher } from "../model.js";
import { Engine, toPrometheusJson } from "../promql/engine.js";
import { PromqlErrors } from "../promql/errors.js";
import { TsdbErrors } from "./errors.js";
import { Head } from "./head.js";
import { tmpDir } from "./test-support/tmp.js";
import { Tsdb } from "./tsdb.js";

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

  it("selects with RE2 flags and classes on the head index", () => {
    expect(select(h, [m("job", "=~", "(?i)API")])).toEqual([series[0], series[3], series[4]]);
    expect(select(h, [m("instance", "=~", "[[:alpha:]]")])).toEqual([series[0], series[1], series[2]]);
  });

  it("rejects an invalid regex with a coded error", () => {
    expect(() => select(h, [m("job", "=~", "(")])).toThrow(
      expect.objectContaining({ code: TsdbErrors.invalidMatcher.code }),
    );
  });
});

// P5/P6: these ran on MemoryStorage only, and the TSDB compiled regexes its own way: `(?i)` answered
// 400 and POSIX classes matched nothing. Now the real TSDB through the real PromQL engine.
describe("RE2 matchers on the TSDB through PromQL", () => {
  const jobs = ["node", "line-controller", "db", "plc_gateway"];
  function tsdbWithJobs(): Tsdb {
    const db = Tsdb.open(tmpDir());
    const app = db.appender();
    for (const job of jobs) {
      app.append({ __name__: "up", job }, 1000, 1);
    }
    app.commit();
    return db;
  }
  async function jobsOf(db: Tsdb, query: string): Promise<string[]> {
    const res = toPrometheusJson(await new Engine({}).instantQuery(db, query, 1000));
    const rows = res.result as { metric: Labels }[];
    return rows.map((r) => r.metric.job ?? "").sort();
  }

  it.each([
    ['up{job=~"(?i)node"}', ["node"]],
    ['up{job=~"(?i)NODE|DB"}', ["db", "node"]],
    ['up{job=~"(?i:LINE)-.*"}', ["line-controller"]],
    ['up{job=~"[[:alpha:]]+"}', ["db", "node"]],
    ['up{job=~"[[:alpha:]_]+"}', ["db", "node", "plc_gateway"]],
    ["up{job=~`\\p{L}+-\\p{L}+`}", ["line-controller"]], // backticks: PromQL raw string
    ["up{job=~`\\Qline-\\E.*`}", ["line-controller"]],
    ['up{job=~"(?P<first>[a-z]+)_.*"}', ["plc_gateway"]],
    ['up{job!~"(?i)NODE|db"}', ["line-controller", "plc_gateway"]],
    ['up{job=~"(.*){7}X"}', []],
  ])("%s selects %j", async (query, want) => {
    const db = tsdbWithJobs();
    try {
      expect(await jobsOf(db, query)).toEqual(want);
    } finally {
      db.close();
    }
  });

  it("answers P5's ReDoS selector within budget (37 s on the demo with JavaScript's engine)", async () => {
    const db = Tsdb.open(tmpDir());
    const app = db.appender();
    for (const station of ["a", "b", "c"]) {
      app.append({ __name__: `line_controller_http_request_duration_seconds_${station}`, station }, 1000, 1);
    }
    app.commit();
    try {
      const start = performance.now();
      expect(await jobsOf(db, '{__name__=~"(.*){7}X"}')).toEqual([]);
      // Generous for a shared machine; backtracking needs several seconds per 50-character name.
      expect(performance.now() - start).toBeLessThan(2000);
    } finally {
      db.close();
    }
  });

  it("rejects JavaScript-only syntax as a parse error naming the pattern", async () => {
    const db = tsdbWithJobs();
    try {
      await expect(new Engine({}).instantQuery(db, 'up{job=~"no(?=de)"}', 1000)).rejects.toMatchObject({
        code: PromqlErrors.parse.code,
        message: expect.stringContaining('"no(?=de)"'),
      });
    } finally {
      db.close();
    }
  });
});
