// The scrape loop against real HTTP targets, recording what it appends.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isStaleNaN, labelsKey, type Appender, type Labels, type Querier, type Storage } from "../model.js";
import { tmpDir } from "../tsdb/test-support/tmp.js";
import { MAX_AHEAD_MS, Tsdb } from "../tsdb/tsdb.js";
import type { ScrapeRejections } from "./ingest.js";
import { ScrapeLoop } from "./loop.js";
import { compileRelabel } from "./relabel.js";
import type { ScrapeTarget } from "./target.js";

type Sample = { labels: Labels; t: number; v: number };

/** Records committed samples; a rolled-back batch leaves no trace. */
class RecordingStorage implements Storage {
  committed: Sample[] = [];
  appender(): Appender {
    const batch: Sample[] = [];
    return {
      append: (labels, t, v) => {
        batch.push({ labels, t, v });
      },
      commit: () => {
        this.committed.push(...batch);
      },
      rollback: () => {
        batch.length = 0;
      },
    };
  }
  querier(): Querier {
    throw new Error("not used");
  }
  latest(name: string, match: Labels = {}): Sample | undefined {
    return this.committed
      .filter((s) => s.labels.__name__ === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
      .at(-1);
  }
}

let body = "";
let gzip = false;
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    const headers: Record<string, string> = { "content-type": "text/plain; version=0.0.4" };
    // Some exporters compress whatever the client asked; the loop must cope (and cap the output).
    if (gzip) {
      headers["content-encoding"] = "gzip";
      res.writeHead(200, headers).end(gzipSync(body));
      return;
    }
    res.writeHead(200, headers).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.close();
});

const target = (over: Partial<ScrapeTarget> = {}): ScrapeTarget => ({
  key: "t",
  job: "plc-gateway",
  url: `http://127.0.0.1:${port}/metrics`,
  labels: { job: "plc-gateway", instance: `127.0.0.1:${port}` },
  discoveredLabels: {},
  intervalMs: 5000,
  timeoutMs: 2000,
  honorLabels: false,
  honorTimestamps: true,
  sampleLimit: 0,
  bodySizeLimitBytes: 1 << 20,
  metricRelabel: [],
  ...over,
});
const logger = pino({ level: "silent" });

describe("scrape loop", () => {
  it("appends samples with the target's labels and the synthetic series", async () => {
    body = '# TYPE plc_reads_total counter\nplc_reads_total{station="1"} 42\nplc_connected 1\n';
    const storage = new RecordingStorage();
    const loop = new ScrapeLoop(target(), storage, logger);
    await loop.scrapeOnce(1000);
    expect(storage.latest("plc_reads_total")).toEqual({
      labels: {
        __name__: "plc_reads_total",
        station: "1",
        job: "plc-gateway",
        instance: `127.0.0.1:${port}`,
      },
      t: 1000,
      v: 42,
    });
    expect(storage.latest("up")?.v).toBe(1);
    expect(storage.latest("scrape_samples_scraped")?.v).toBe(2);
    expect(storage.latest("scrape_series_added")?.v).toBe(2);
    expect(loop.metadata.get("plc_reads_total")?.type).toBe("counter");
    expect(loop.health().health).toBe("up");
  });

  it("marks a series that disappears stale, and a failed scrape's series too", async () => {
    const storage = new RecordingStorage();
    const loop = new ScrapeLoop(target(), storage, logger);
    body = "a 1\nb 2\n";
    await loop.scrapeOnce(1000);
    body = "a 3\n";
    await loop.scrapeOnce(2000);
    expect(isStaleNaN(storage.latest("b")?.v ?? 0)).toBe(true);
    expect(storage.latest("b")?.t).toBe(2000);
    body = "a 4\nthis line is not valid{\n";
    await loop.scrapeOnce(3000);
    expect(loop.health()).toMatchObject({ health: "down", lastError: expect.stringMatching(/line 2/) });
    expect(isStaleNaN(storage.latest("a")?.v ?? 0)).toBe(true);
    expect(storage.latest("up")).toMatchObject({ t: 3000, v: 0 });
    expect(storage.committed.some((s) => s.labels.__name__ === "a" && s.v === 4)).toBe(false);
  });

  it("follows series that move, appear and repeat between scrapes, marking only vanished ones stale", async () => {
    const storage = new RecordingStorage();
    const loop = new ScrapeLoop(target(), storage, logger);
    body = 'a{x="1"} 1\na{x="2"} 2\nb 3\nc 4\n';
    await loop.scrapeOnce(1000);
    body = 'c 14\nnew 15\na{x="2"} 12\nb 13\nb 99\n';
    await loop.scrapeOnce(2000);
    const at2000 = storage.committed.filter((s) => s.t === 2000 && !s.labels.__name__?.startsWith("scrape_"));
    const values = new Map(at2000.map((s) => [labelsKey(s.labels), s.v]));
    const key = (name: string, x?: string) =>
      labelsKey({ __name__: name, ...(x ? { x } : {}), job: "plc-gateway", instance: `127.0.0.1:${port}` });
    expect(values.get(key("c"))).toBe(14);
    expect(values.get(key("new"))).toBe(15);
    expect(values.get(key("a", "2"))).toBe(12);
    expect(values.get(key("b"))).toBe(13); // a repeated series keeps its first sample
    expect(isStaleNaN(values.get(key("a", "1")) ?? 0)).toBe(true);
    expect(at2000.filter((s) => isStaleNaN(s.v))).toHaveLength(1);
    expect(storage.latest("scrape_samples_scraped")?.v).toBe(5);
    expect(storage.latest("scrape_samples_post_metric_relabeling")?.v).toBe(4);
    expect(storage.latest("scrape_series_added")?.v).toBe(1);
  });

  it("fails a scrape over the sample limit with the reason, keeping nothing of it", async () => {
    body = Array.from({ length: 20 }, (_, i) => `series_${i} ${i}`).join("\n") + "\n";
    const storage = new RecordingStorage();
    const loop = new ScrapeLoop(target({ sampleLimit: 10 }), storage, logger);
    await loop.scrapeOnce(1000);
    expect(loop.health().lastError).toMatch(/sample_limit exceeded/);
    expect(storage.committed.filter((s) => s.labels.__name__?.startsWith("series_"))).toEqual([]);
    expect(storage.latest("up")?.v).toBe(0);
  });

  it("fails an oversized body, plain or gzip-bombed", async () => {
    body = `big ${"1".repeat(10)}\n`.repeat(20_000);
    const storage = new RecordingStorage();
    const loop = new ScrapeLoop(target({ bodySizeLimitBytes: 64 * 1024 }), storage, logger);
    await loop.scrapeOnce(1000);
    expect(loop.health().lastError).toMatch(/body size limit exceeded/);
    gzip = true;
    try {
      await loop.scrapeOnce(2000);
      expect(loop.health().lastError).toMatch(/body size limit exceeded .*uncompressed/);
      body = "ok_metric 1\n";
      await loop.scrapeOnce(3000);
      expect(loop.health().health).toBe("up");
      expect(storage.latest("ok_metric")?.v).toBe(1);
    } finally {
      gzip = false;
    }
  });

  it("keeps a conflicting scraped label as exported_<name> unless honor_labels", async () => {
    body = 'm{job="upstream"} 1\n';
    const storage = new RecordingStorage();
    await new ScrapeLoop(target(), storage, logger).scrapeOnce(1000);
    expect(storage.latest("m")?.labels).toMatchObject({ job: "plc-gateway", exported_job: "upstream" });
    const honoring = new RecordingStorage();
    await new ScrapeLoop(target({ honorLabels: true }), honoring, logger).scrapeOnce(1000);
    expect(honoring.latest("m")?.labels.job).toBe("upstream");
  });

  it("applies metric_relabel_configs", async () => {
    body = "go_goroutines 10\nplc_connected 1\n";
    const storage = new RecordingStorage();
    const metricRelabel = compileRelabel([
      { source_labels: ["__name__"], separator: ";", regex: "go_.*", replacement: "$1", action: "drop" },
    ]);
    await new ScrapeLoop(target({ metricRelabel }), storage, logger).scrapeOnce(1000);
    expect(storage.latest("go_goroutines")).toBeUndefined();
    expect(storage.latest("plc_connected")?.v).toBe(1);
    expect(storage.latest("scrape_samples_post_metric_relabeling")?.v).toBe(1);
  });

  it("reports an unreachable target as down with the reason", async () => {
    const storage = new RecordingStorage();
    const loop = new ScrapeLoop(target({ url: "http://127.0.0.1:1/metrics" }), storage, logger);
    await loop.scrapeOnce(1000);
    expect(loop.health()).toMatchObject({ health: "down", lastError: expect.stringMatching(/ECONNREFUSED/) });
  });

  it("marks everything stale when its target goes away", async () => {
    body = "x 1\n";
    const storage = new RecordingStorage();
    const loop = new ScrapeLoop(target(), storage, logger);
    await loop.scrapeOnce(Date.now());
    await loop.stop(true);
    expect(isStaleNaN(storage.latest("x")?.v ?? 0)).toBe(true);
    expect(isStaleNaN(storage.latest("up")?.v ?? 0)).toBe(true);
    expect(new Set(storage.committed.map((s) => labelsKey(s.labels))).size).toBe(6);
  });

  it("starts on its own offset, then on the slot grid, one interval apart", async () => {
    const times: number[] = [];
    class Probe extends ScrapeLoop {
      override scrapeOnce(startMs?: number): Promise<void> {
        times.push(startMs ?? -1);
        return Promise.resolve();
      }
    }
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    try {
      const loop = new Probe(target({ key: "slot-probe", intervalMs: 5000 }), new RecordingStorage(), logger);
      loop.start(400);
      vi.advanceTimersByTime(4 * 5000);
      await loop.stop(false);
      vi.advanceTimersByTime(3 * 5000);
    } finally {
      vi.useRealTimers();
    }
    expect(times).toHaveLength(4);
    const [first, second, ...rest] = times as [number, number, ...number[]];
    expect((second % 5000) % 400).toBe(0);
    expect(second - first).toBe(5000 - ((first % 5000) % 400));
    expect(rest.map((t, i) => t - (i === 0 ? second : rest[i - 1]!))).toEqual([5000, 5000]);
  });
});

// A target whose samples the TSDB refuses says so: health stays "up" (the scrape worked, and `up`
// is 1 as in Prometheus) but lastError names what was dropped and why, with counts by reason.
// Fails on the code before: lastError stayed "" and nothing counted the drops.
const NOW = 1_800_000_000_000;

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
    const loop = new ScrapeLoop(target(), db, logger, {
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
