// lineops against the real Prometheus and node_exporter from Debian (scripts/system-deps.sh):
// (a) Prometheus remote-writes into lineops and the same samples come back from lineops's API;
// (b) lineops scrapes a real node_exporter and ingests every series; (c) lineops scrapes
// Prometheus's own /metrics.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { parseExposition } from "../../monitoring/scrape/parser.js";
import {
  freeLoopbackPort,
  selfScrapeRemoteWriteConfig,
  startNodeExporter,
  startPrometheus,
} from "../../monitoring/test-support/prometheus.js";
import { openDb } from "../../store/db.js";
import { TokenRepository } from "../../store/tokens.js";
import { tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";

type Running = { url: string; stop(): Promise<void> | void };

let lineops: Lineops;
let token = "";
let prometheus: Running & { port: number };
let nodeExporter: Running;

const api = async <T>(base: string, p: string, auth?: string): Promise<T> => {
  const res = await fetch(`${base}${p}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") {
    throw new Error(`${p}: ${res.status} ${body.error}`);
  }
  return body.data;
};

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];
type Vector = { metric: Record<string, string>; value: [number, string] }[];

/** The result of a PromQL query against a Prometheus-compatible API. */
const query = async <T>(base: string, p: string, auth?: string): Promise<T> =>
  (await api<{ result: T }>(base, p, auth)).result;

/** An instant query against lineops, now. */
const ours = (expr: string) =>
  query<Vector>(lineops.url, `/api/v1/query?query=${encodeURIComponent(expr)}`, token);

beforeAll(async () => {
  nodeExporter = await startNodeExporter();
  const dir = tempDir("lineops-prom-");
  const dataDir = path.join(dir, "data");
  // Prometheus needs lineops's address and a token in its config, and lineops needs Prometheus's
  // address in its own: fix lineops's port and mint its token up front.
  const db = openDb(dataDir);
  token = new TokenRepository(db).create("prometheus", "operator").token;
  db.close();
  const lineopsPort = await freeLoopbackPort();
  prometheus = await startPrometheus({
    configYaml: selfScrapeRemoteWriteConfig(
      `http://127.0.0.1:${lineopsPort}/api/v1/write`,
      `    authorization: { credentials: ${token} }
    queue_config: { batch_send_deadline: 1s, max_samples_per_send: 5000 }
`,
    ),
  });
  const cfg = path.join(dir, "lineops.yaml");
  writeFileSync(
    cfg,
    `monitoring: { host: { enabled: false }, scrapeInterval: 1s, scrapeTimeout: 1s }
scrape_configs:
  - job_name: node-exporter
    static_configs: [{ targets: ["${new URL(nodeExporter.url).host}"] }]
  - job_name: prometheus-self
    static_configs: [{ targets: ["${new URL(prometheus.url).host}"] }]
`,
  );
  lineops = await startLineops({
    configFile: cfg,
    dataDir,
    port: lineopsPort,
    logger: pino({ level: "silent" }),
  });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await nodeExporter?.stop();
  await lineops?.stop();
});

describe("with the real Prometheus", () => {
  it("(a) ingests Prometheus's remote write: the same samples come back from lineops's API", async () => {
    await waitFor(
      async () => (await ours('up{job="prometheus"}')).length > 0 || undefined,
      30_000,
      "remote-written samples in lineops",
    );
    // Compare a closed window that starts once samples arrive: wait until lineops holds a sample
    // after the window's end for every compared series (remote write batches up to 1 s behind and
    // keeps each series in order), so both sides have the window complete.
    const end = Math.ceil(Date.now() / 1000) + 5;
    await waitFor(
      async () => {
        const latest = await ours(
          'min(timestamp({job="prometheus",__name__=~"up|scrape_duration_seconds|prometheus_http_requests_total"}))',
        );
        return Number(latest[0]?.value[1] ?? 0) > end || undefined;
      },
      30_000,
      "remote-written samples after the compared window",
    );
    // Values that change every scrape, and the raw sample timestamps, must be identical.
    for (const expr of [
      'up{job="prometheus"}',
      'timestamp(scrape_duration_seconds{job="prometheus"})',
      'scrape_duration_seconds{job="prometheus"}',
      'sum(prometheus_http_requests_total{job="prometheus"})',
    ]) {
      const q = new URLSearchParams({ query: expr, start: String(end - 5), end: String(end), step: "1" });
      const theirs = await query<Matrix>(prometheus.url, `/api/v1/query_range?${q}`);
      const mine = await query<Matrix>(lineops.url, `/api/v1/query_range?${q}`, token);
      expect(theirs.length, expr).toBe(1);
      expect(theirs[0]?.values.length, expr).toBeGreaterThanOrEqual(4);
      expect(mine, expr).toEqual(theirs);
    }
  }, 60_000);

  it("(b) scrapes a real node_exporter and ingests every series it exposes", async () => {
    const body = await (await fetch(`${nodeExporter.url}/metrics`)).text();
    const names = new Set<string>();
    parseExposition(body, "text", {
      sample: (series) => {
        names.add(series.replace(/\{.*$/, ""));
      },
    });
    expect(names.size).toBeGreaterThan(50);
    await waitFor(
      async () => {
        const r = await ours('count by (__name__) ({job="node-exporter"})');
        const got = new Set(r.map((s) => s.metric.__name__));
        const missing = [...names].filter((n) => !got.has(n));
        return missing.length === 0 ? true : undefined;
      },
      20_000,
      "every node_exporter metric in lineops",
    );
    const up = await ours('up{job="node-exporter"}');
    expect(up[0]?.value[1]).toBe("1");
  });

  it("(c) scrapes Prometheus's own /metrics", async () => {
    await waitFor(
      async () => (await ours('prometheus_build_info{job="prometheus-self"}')).length === 1 || undefined,
      20_000,
      "Prometheus's metrics scraped by lineops",
    );
    const targets = await api<{ activeTargets: { scrapePool: string; health: string }[] }>(
      lineops.url,
      "/api/v1/targets",
      token,
    );
    expect(targets.activeTargets.find((t) => t.scrapePool === "prometheus-self")?.health).toBe("up");
  });
});
