// End to end against the real Prometheus (Debian's, or PROMETHEUS_BIN): it scrapes itself every second
// and remote-writes to a receiver in this test that decodes with our decoder; what arrives must equal,
// sample for sample, what Prometheus's own query API returns for the same series and times.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineopsError } from "../../errors.js";
import type { Labels } from "../model.js";
import { waitFor } from "../../test-support/wait.js";
import {
  selfScrapeRemoteWriteConfig,
  startPrometheus,
  type RunningPrometheus,
} from "../test-support/prometheus.js";
import { SampleCollector } from "../test-support/sample-collector.js";
import { ingestWriteRequest } from "./ingest.js";
import { decodeWriteRequest, type MetricMetadata } from "./write-request.js";

const store = new SampleCollector();
const requests: { headers: IncomingHttpHeaders; samples: number; metadata: MetricMetadata[] }[] = [];
const failures: string[] = [];
let server: Server;
let prom: RunningPrometheus;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/api/v1/write") {
        res.writeHead(404).end();
        return;
      }
      try {
        const decoded = decodeWriteRequest(Buffer.concat(chunks));
        ingestWriteRequest(decoded, store.appender());
        requests.push({ headers: req.headers, samples: decoded.samples, metadata: decoded.metadata });
        res.writeHead(204).end();
      } catch (err) {
        failures.push(String(err));
        res.writeHead(err instanceof LineopsError ? err.httpStatus : 500).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const rx = (server.address() as AddressInfo).port;
  prom = await startPrometheus({
    configYaml: selfScrapeRemoteWriteConfig(
      `http://127.0.0.1:${rx}/api/v1/write`,
      `    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
    metadata_config: { send: true, send_interval: 1s }
`,
    ),
  });
}, 40_000);

afterAll(async () => {
  await prom?.stop();
  await new Promise((r) => server?.close(r));
});

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

async function query<T>(path: string): Promise<T> {
  const res = await fetch(`${prom.url}${path}`);
  const body = (await res.json()) as { status: string; data: { result: T }; error?: string };
  if (body.status !== "success") {
    throw new Error(`${path}: ${res.status} ${body.error}`);
  }
  return body.data.result;
}

describe(`remote write from the real Prometheus`, () => {
  it("sends snappy protobuf with the remote write 1.0 headers", async () => {
    await waitFor(() => requests.length > 0 || undefined, 20_000, "a first remote-write request");
    const h = requests[0]!.headers;
    expect(h["content-encoding"]).toBe("snappy");
    expect(h["content-type"]).toBe("application/x-protobuf");
    expect(h["x-prometheus-remote-write-version"]).toBe("0.1.0");
    expect(h["user-agent"]).toMatch(new RegExp(`^Prometheus/${prom.version.replaceAll(".", "\\.")}`));
  });

  it("delivers samples equal in value and timestamp to Prometheus's own query results", async () => {
    const selectors: Labels[] = [
      { __name__: "up", job: "prometheus" },
      { __name__: "prometheus_build_info" },
    ];
    await waitFor(
      () => selectors.every((sel) => (store.find(sel)[0]?.ts.length ?? 0) >= 3) || undefined,
      25_000,
      "3 samples of up and prometheus_build_info",
    );
    for (const sel of selectors) {
      const [ours] = store.find(sel);
      const last = ours!.ts.at(-1)!;
      const first = ours!.ts[0]!;
      const matchers = Object.entries(sel)
        .filter(([k]) => k !== "__name__")
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
      const q = `${sel.__name__!}{${matchers}}`;
      // Raw samples through a range selector: exact timestamps.
      const raw = await query<Matrix>(
        `/api/v1/query?query=${encodeURIComponent(`${q}[10m]`)}&time=${(last / 1000).toFixed(3)}`,
      );
      expect(raw).toHaveLength(1);
      expect(raw[0]!.metric).toEqual(ours!.labels);
      const theirs = new Map(raw[0]!.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]));
      ours!.ts.forEach((t, i) => expect([t, theirs.get(t)]).toEqual([t, ours!.vs[i]]));
      const inRange = [...theirs.keys()].filter((t) => t >= first && t <= last);
      expect(inRange).toEqual(ours!.ts);
      // And query_range evaluated exactly at two of the received timestamps.
      for (const t of [first, last]) {
        const s = (t / 1000).toFixed(3);
        const m = await query<Matrix>(
          `/api/v1/query_range?query=${encodeURIComponent(q)}&start=${s}&end=${s}&step=1`,
        );
        expect(m[0]!.values).toEqual([[t / 1000, String(ours!.vs[ours!.ts.indexOf(t)])]]);
      }
    }
    expect(failures).toEqual([]);
  });

  it("sends metadata that decodes to the families it scrapes", async () => {
    const meta = await waitFor(
      () => requests.flatMap((r) => r.metadata).find((m) => m.metricFamilyName === "prometheus_build_info"),
      20_000,
      "metadata for prometheus_build_info",
    );
    expect(meta.type).toBe("gauge");
    expect(meta.help).toMatch(/build/i);
  });
});
