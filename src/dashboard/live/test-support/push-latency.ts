// The live push delay with many distinct subscriptions, measured on a real lineops: it scrapes itself
// every second as `jobs` + 1 scrape jobs (a line of services: one commit per target and interval),
// reads its host and evaluates a recording rule group every second (rules commit with no target:
// they may change anything), while one stream holds `subscriptions` distinct dashboard-like queries
// (1 h at 600 px). Reports the delay from each commit to the write of the
// push it caused (lineops_live_push_delay_seconds' samples: LiveService.recentDelays) and how many
// evaluations ran. Repeatable, not a test: run it before and after a change and compare.
//
//   npm run build:server && npx tsx src/dashboard/live/test-support/push-latency.ts [seconds] [subscriptions] [jobs] [--all-names]
import { writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { pino } from "pino";
import { startLineops } from "../../../main.js";
import { tempDir } from "../../../test-support/line.js";
import { waitFor } from "../../../test-support/wait.js";
import { SseClient } from "./sse-client.js";

/** Dashboard-like queries over lineops's own series: each a distinct cache entry. */
export const QUERIES = [
  'up{job="lineops"}',
  "sum by (job) (rate(lineops_http_requests_total[1m]))",
  "lineops_nodejs_heap_size_used_bytes / lineops_nodejs_heap_size_total_bytes",
  "rate(lineops_process_cpu_seconds_total[1m])",
  "sum(scrape_samples_scraped)",
  "max by (job) (scrape_duration_seconds)",
  'count({job="lineops"})',
  'count({job="node"})',
  "lineops:heap_ratio",
  "sum by (job) (up)",
  "avg(rate(lineops_http_request_duration_seconds_sum[1m]))",
  "sum(lineops_nodejs_eventloop_lag_seconds)",
];

export type LatencyReport = {
  byNames: boolean;
  subscriptions: number;
  jobs: number;
  seconds: number;
  pushes: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  evaluations: number;
};

export async function measurePushLatency(
  seconds = 30,
  subscriptions = 10,
  jobs = 8,
  /** false: every commit of a target wakes every query selecting it, whatever its metric names (the old way). */
  byNames = true,
): Promise<LatencyReport> {
  const dir = tempDir("lineops-push-latency-");
  const port = await freePort();
  const cfg = path.join(dir, "lineops.yaml");
  writeFileSync(
    path.join(dir, "rules.yml"),
    [
      "groups:",
      "  - name: dashboard",
      "    interval: 1s",
      "    rules:",
      "      - record: lineops:heap_ratio",
      "        expr: lineops_nodejs_heap_size_used_bytes / lineops_nodejs_heap_size_total_bytes",
      "",
    ].join("\n"),
  );
  writeFileSync(
    cfg,
    [
      "monitoring: { scrapeInterval: 1s, scrapeTimeout: 900ms, evaluationInterval: 1s, host: { enabled: true } }",
      "rule_files: [rules.yml]",
      "scrape_configs:",
      ...Array.from({ length: jobs }, (_, i) => [
        `  - job_name: svc${i}`,
        `    static_configs: [{ targets: ["127.0.0.1:${port}"] }]`,
      ]).flat(),
      "",
    ].join("\n"),
  );
  const lineops = await startLineops({
    dataDir: dir,
    port,
    configFile: cfg,
    logger: pino({ level: "silent" }),
  });
  const client: { c?: SseClient } = {};
  try {
    await lineops.settled;
    await waitFor(
      async () => {
        const v = await lineops.monitoring.querier.instant('up{job="lineops"}', Date.now());
        return v.type === "vector" && v.samples.length > 0;
      },
      20_000,
      "lineops's first scrape of itself",
    );
    if (!byNames) {
      // The comparison's "before": the options are read on every commit.
      (lineops.dashboard.live.queries.options as { namesOf?: unknown }).namesOf = undefined;
    }
    const token = lineops.tokens.create("latency", "viewer").token;
    const c = await SseClient.open(`${lineops.url}/api/v1/live?topics=query`, {
      authorization: `Bearer ${token}`,
    });
    client.c = c;
    const hello = JSON.parse((await c.next((e) => e.event === "hello")).data) as { stream: string };
    const res = await fetch(`${lineops.url}/api/v1/live/subscriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        stream: hello.stream,
        subscriptions: QUERIES.slice(0, subscriptions).map((query, i) => ({
          id: `p${i}`,
          query,
          range: 3600,
          width: 600,
        })),
      }),
    });
    if (res.status !== 201) {
      throw new Error(`subscribing: ${res.status} ${await res.text()}`);
    }
    // The first answers and a few seconds of warm-up are not what a steady dashboard sees.
    await new Promise((r) => setTimeout(r, 3000));
    const live = lineops.dashboard.live;
    const from = live.recentDelays.length;
    const evaluationsBefore = totalEvaluations();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const delays = live.recentDelays.slice(from).sort((a, b) => a - b);
    const q = (p: number) =>
      Math.round((delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] ?? NaN) * 1000);
    return {
      byNames,
      subscriptions,
      jobs,
      seconds,
      pushes: delays.length,
      p50Ms: q(0.5),
      p90Ms: q(0.9),
      p99Ms: q(0.99),
      maxMs: Math.round((delays.at(-1) ?? NaN) * 1000),
      evaluations: totalEvaluations() - evaluationsBefore,
    };
  } finally {
    client.c?.close();
    await lineops.stop();
  }

  function totalEvaluations(): number {
    return lineops.dashboard.live.queries.totalEvaluations;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 30);
  const subscriptions = Number(process.argv[3] ?? 10);
  const jobs = Number(process.argv[4] ?? 8);
  const byNames = process.argv[5] !== "--all-names";
  measurePushLatency(seconds, subscriptions, jobs, byNames).then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
