// A target whose samples the TSDB refuses says so: health stays "up" (the scrape worked, and `up`
// is 1 as in Prometheus) but lastError names what was dropped and why, with counts by reason.
// Fails on the code before: lastError stayed "" and nothing counted the drops.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_AHEAD_MS, Tsdb } from "../tsdb/tsdb.js";
import { tmpDir } from "../tsdb/test-support/tmp.js";
import { ScrapeLoop } from "./loop.js";
import type { ScrapeRejections } from "./ingest.js";
import type { ScrapeTarget } from "./target.js";

const NOW = 1_800_000_000_000;
let body = "";
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.close();
});

const target = (): ScrapeTarget => ({
  key: "t",
  job: "mes",
  url: `http://127.0.0.1:${port}/metrics`,
  labels: { job: "mes", instance: `127.0.0.1:${port}` },
  discoveredLabels: {},
  intervalMs: 5000,
  timeoutMs: 2000,
  honorLabels: false,
  honorTimestamps: true,
  sampleLimit: 0,
  bodySizeLimitBytes: 1 << 20,
  metricRelabel: [],
});

describe("scrape health when the storage refuses samples", () => {
  it.each([
    {
      name: "an exporter timestamp beyond now + 10 min",
      body: `orders_open 3\norders_due 7 ${NOW + MAX_AHEAD_MS + 1}\n`,
      reason: "too_far_in_future",
      text: /1 of 2 samples rejected by the storage \(1 too far in future\).*orders_due/,
    },
    {
      name: "an exporter timestamp before the head's min valid time",
      body: `orders_open 3\norders_due 7 ${NOW - 24 * 3600_000}\n`,
      reason: "out_of_bounds",
      text: /1 of 2 samples rejected by the storage \(1 out of bounds\).*orders_due/,
    },
    { name: "nothing refused", body: "orders_open 3\norders_due 7\n", reason: undefined, text: /^$/ },
  ])("$name", async ({ body: b, reason, text }) => {
    body = b;
    const db = Tsdb.open(tmpDir(), { autoCompact: false, walFlushIntervalMs: 0, now: () => NOW });
    // A block ending an hour ago: the head refuses anything before it (Prometheus's out of bounds).
    const app = db.appender();
    app.append({ __name__: "seed" }, NOW - 4 * 3600_000, 1);
    app.append({ __name__: "seed" }, NOW - 3600_000, 1);
    app.commit();
    db.compact();
    const seen: ScrapeRejections[] = [];
    const loop = new ScrapeLoop(target(), db, pino({ level: "silent" }), {
      rejected: (_t, r) => seen.push(r),
    });
    await loop.scrapeOnce(NOW);
    const h = loop.health();
    expect(h.health).toBe("up");
    expect(h.lastError).toMatch(text);
    expect(h.samplesRejected).toBe(reason ? 1 : 0);
    expect(h.samplesRejectedByReason).toEqual(reason ? { [reason]: 1 } : {});
    expect(seen).toHaveLength(reason ? 1 : 0);
    const q = db.querier();
    expect(q.select([{ name: "__name__", type: "=", value: "orders_open" }], 0, Infinity)).toHaveLength(1);
    expect(q.select([{ name: "__name__", type: "=", value: "up" }], 0, Infinity)).toHaveLength(1);
    db.close();
  });
});
