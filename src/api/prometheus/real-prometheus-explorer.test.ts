// The explorer's routes side by side with the real Prometheus (Debian's, or $PROMETHEUS_BIN such as
// the 2.53.3 bench/common fetches): format_query must print exactly what Prometheus prints, and
// status/config, status/flags, status/runtimeinfo and targets/metadata must have its shapes.
// parse_query exists only in Prometheus 3.x: against 2.x its absence is checked instead.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import {
  freeLoopbackPort,
  startPrometheus,
  type RunningPrometheus,
} from "../../monitoring/test-support/prometheus.js";
import { tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";

let lineops: Lineops;
let prometheus: RunningPrometheus;
let token = "";

/** Queries whose printing Prometheus 2.x and 3.x agree on; each exercises a printer rule. */
const QUERIES = [
  "sum by() (x)",
  "sum without() (x)",
  "sum(x) by (a,b)",
  'count_values("v", x)',
  "a + on(b) group_right(c) d",
  "a - on(b) group_left d",
  "a and ignoring() b",
  "a > bool 1",
  'x{b="1",a!~"2"}',
  '{__name__="x"}',
  "x offset 90m",
  "x offset -7m",
  "x[7d]",
  "x[5m:30s] offset 1m",
  "x @ 10",
  "rate(x[5m] @ start())",
  "1e3",
  "0x10",
  "-Inf",
  "- - 1",
  "-(1)",
  "'single'",
  '"a\\tb"',
  "(1 + 2) * 3",
  'x{a="ü\\n"}',
  'histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{job="line-controller", code=~"5.."}[5m])))',
  'sum by (station) (rate(units_produced_total{line="a"}[5m])) / on (station) group_left (target) station_target_units_per_second{line="a"} * 100 > bool 95',
  'label_replace(up{job="plc-gateway",instance="127.0.0.1:9000"}, "host", "$1", "instance", "(.*):.*") or label_replace(up{job="mes"}, "host", "$1", "instance", "(.*):.*")',
  '-sum(rate(a_very_long_metric_name_that_goes_on_and_on_total{some_label="some_value",other="x"}[5m])) by (instance_label_name)',
  'max_over_time(sum(rate(a_very_long_metric_name_that_goes_on_and_on_total{some_label="some_value",other="xxxxxx"}[5m]))[1h:1m])',
  '(a_very_long_metric_name_that_goes_on_and_on_total{some_label="some_value"} + another_quite_long_metric_name_here{x="y"})',
  'abs(-a_very_long_metric_name_that_goes_on_and_on_total{some_label="some_value",other="x",yet_another_label="zz"})',
];

type Envelope = { status: string; data: unknown; error?: string };

async function ask(base: string, p: string, auth?: string): Promise<{ status: number; body: Envelope }> {
  const res = await fetch(`${base}${p}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
  const text = await res.text();
  let body: Envelope;
  try {
    body = JSON.parse(text) as Envelope;
  } catch {
    body = { status: "not json", data: text };
  }
  return { status: res.status, body };
}
const ours = (p: string) => ask(lineops.url, p, token);
const theirs = (p: string) => ask(prometheus.url, p);

/** The JSON type of each field: shapes compared without the values. */
const typesOf = (o: object) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? "null" : typeof v]));

beforeAll(async () => {
  prometheus = await startPrometheus({
    configYaml: `global: { scrape_interval: 1s }
scrape_configs:
  - job_name: self
    static_configs: [{ targets: ["127.0.0.1:{{PORT}}"] }]
`,
  });
  const dir = tempDir("lineops-prom-explorer-");
  const port = await freeLoopbackPort();
  const cfg = path.join(dir, "lineops.yaml");
  writeFileSync(
    cfg,
    `server: { port: ${port} }
monitoring: { host: { enabled: false }, scrapeInterval: 1s, scrapeTimeout: 1s }
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ["${new URL(prometheus.url).host}"] }]
`,
  );
  lineops = await startLineops({
    configFile: cfg,
    dataDir: path.join(dir, "data"),
    logger: pino({ level: "silent" }),
  });
  token = lineops.tokens.create("view", "viewer").token;
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await lineops?.stop();
});

describe(`the explorer's routes against the real Prometheus`, () => {
  it("format_query prints every query exactly as Prometheus does", async () => {
    const differ: string[] = [];
    for (const q of QUERIES) {
      const p = `/api/v1/format_query?query=${encodeURIComponent(q)}`;
      const [a, b] = [await ours(p), await theirs(p)];
      expect([q, b.status, b.body.status]).toEqual([q, 200, "success"]);
      if (a.body.data !== b.body.data) {
        differ.push(
          `${q}\n  lineops:    ${JSON.stringify(a.body.data)}\n  prometheus: ${JSON.stringify(b.body.data)}`,
        );
      }
    }
    expect(differ, `Prometheus ${prometheus.version}`).toEqual([]);
  });

  it("format_query refuses a bad query with the same status, errorType and parameter", async () => {
    const p = `/api/v1/format_query?query=${encodeURIComponent("sum(")}`;
    const [a, b] = [await ours(p), await theirs(p)];
    expect([a.status, a.body.status, (a.body as { errorType?: string }).errorType]).toEqual([
      b.status,
      b.body.status,
      (b.body as { errorType?: string }).errorType,
    ]);
    expect(a.body.error).toMatch(/^invalid parameter "query": 1:5: parse error: /);
    expect(b.body.error).toMatch(/^invalid parameter "query": 1:5: parse error: /);
  });

  it("parse_query is Prometheus 3.x's: a 2.x Prometheus has no such route", async () => {
    const p = `/api/v1/parse_query?query=${encodeURIComponent("sum(up)")}`;
    const [a, b] = [await ours(p), await theirs(p)];
    expect(a.body).toMatchObject({ status: "success", data: { type: "aggregation", op: "sum" } });
    if (prometheus.version.startsWith("2.")) {
      expect(b.status).toBe(404);
    } else {
      expect(a.body).toEqual(b.body);
    }
  });

  it("status/config, status/flags and status/runtimeinfo have Prometheus's shapes", async () => {
    const config = [await ours("/api/v1/status/config"), await theirs("/api/v1/status/config")];
    for (const c of config) {
      expect(c.body.status).toBe("success");
      expect(typesOf(c.body.data as object)).toEqual({ yaml: "string" });
    }
    for (const f of [await ours("/api/v1/status/flags"), await theirs("/api/v1/status/flags")]) {
      expect(Object.values(f.body.data as object).every((v) => typeof v === "string")).toBe(true);
    }
    const [a, b] = [await ours("/api/v1/status/runtimeinfo"), await theirs("/api/v1/status/runtimeinfo")];
    const mine = typesOf(a.body.data as object);
    // Every field Prometheus sends, with the same JSON type (3.x adds hostname and serverTime).
    for (const [k, type] of Object.entries(typesOf(b.body.data as object))) {
      expect([k, mine[k]]).toEqual([k, type]);
    }
    for (const info of [a, b]) {
      const d = info.body.data as { startTime: string; lastConfigTime: string };
      expect(Number.isFinite(Date.parse(d.startTime))).toBe(true);
      expect(d.lastConfigTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it("targets/metadata has Prometheus's entries: with and without ?metric=", async () => {
    const metric = "prometheus_build_info";
    const entries = async (ask: typeof ours, q: string) =>
      waitFor(async () => {
        const r = await ask(`/api/v1/targets/metadata${q}`);
        const data = r.body.data as Record<string, unknown>[];
        return data.length > 0 ? data : undefined;
      });
    // lineops scrapes Prometheus and Prometheus scrapes itself: the same target's metadata.
    const [a, b] = [await entries(ours, `?metric=${metric}`), await entries(theirs, `?metric=${metric}`)];
    expect(Object.keys(a[0] as object).sort()).toEqual(Object.keys(b[0] as object).sort());
    expect({ ...a[0], target: undefined }).toEqual({ ...b[0], target: undefined });
    const [all, theirAll] = [await entries(ours, ""), await entries(theirs, "?limit=1")];
    expect(Object.keys(all[0] as object).sort()).toEqual(Object.keys(theirAll[0] as object).sort());
  });
});
