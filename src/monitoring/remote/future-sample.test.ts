// The P5 finding end to end, on a real lineops and its TSDB in a temp dir: one remote-write sample
// at t = 8.64e15 ms used to be accepted (204); compaction then cut the head, retention deleted every
// block and every later scrape was dropped while the target said "up", surviving a restart.
// Fails on the code before the bounds at its first assertion (204, not 400).
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { tempDir } from "../../test-support/line.js";
import { Tsdb } from "../tsdb/tsdb.js";
import { encodeWriteRequest } from "./write-request-encode.js";

const H = 3600_000;
let running: Lineops | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(dataDir: string): Promise<{ lineops: Lineops; operator: string }> {
  running = await startLineops({ dataDir, port: 0, logger: pino({ level: "silent" }) });
  return { lineops: running, operator: running.tokens.create(`t${Date.now()}`, "operator").token };
}

async function call(lineops: Lineops, token: string, url: string, init: RequestInit = {}) {
  const res = await fetch(`${lineops.url}${url}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
  return { status: res.status, text: await res.text() };
}

/** The time of the newest sample of `query` at or before now (5 min lookback), if any. */
async function newest(lineops: Lineops, token: string, query: string): Promise<number | undefined> {
  const q = new URLSearchParams({ query: `timestamp(${query})`, time: String(Date.now() / 1000) });
  const r = await call(lineops, token, `/api/v1/query?${q}`);
  const body = JSON.parse(r.text) as { data: { result: { value: [number, string] }[] } };
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Math.round(Number(v) * 1000);
}

/** Scrapes every target now and returns lineops's own target as the targets API shows it. */
async function scrapeSelf(lineops: Lineops, token: string) {
  await lineops.monitoring.scrape.scrapeAll();
  const r = await call(lineops, token, "/api/v1/targets");
  const body = JSON.parse(r.text) as {
    data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
  };
  return body.data.activeTargets.find((t) => t.labels.job === "lineops");
}

function metric(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("one far-future remote-write sample does not stop monitoring", () => {
  it("refuses it with 400, stores the rest, and scrapes keep landing through compaction and retention", async () => {
    const dataDir = tempDir();
    const { lineops, operator } = await start(dataDir);
    const now = Date.now();
    const w = await call(lineops, operator, "/api/v1/write", {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
      body: encodeWriteRequest([
        { labels: { __name__: "line_rate", job: "mes" }, samples: { ts: [now - 1000], vs: [1] } },
        { labels: { __name__: "line_rate", job: "skewed" }, samples: { ts: [8.64e15], vs: [1] } },
      ]),
    });
    expect(w.status).toBe(400);
    expect(JSON.parse(w.text)).toMatchObject({ status: "error", errorType: "bad_data" });
    expect(w.text).toMatch(/1 sample\(s\) of 1 series rejected by the storage \(1 too far in future\)/);
    expect(w.text).toContain("the other 1 sample(s) were stored");
    expect(w.text).toContain("t=8640000000000000");
    expect(w.text).toContain('\\"job\\":\\"skewed\\"');
    expect(await newest(lineops, operator, 'line_rate{job="mes"}')).toBe(now - 1000);

    await lineops.monitoring.storage.compactAsync(); // compaction, then retention
    const before = Date.now();
    const self = await scrapeSelf(lineops, operator);
    expect(self).toMatchObject({ health: "up", lastError: "" });
    expect(await newest(lineops, operator, 'up{job="lineops"}')).toBeGreaterThanOrEqual(before - 1000);
    expect(await newest(lineops, operator, 'line_rate{job="mes"}')).toBe(now - 1000);

    const m = (await call(lineops, operator, "/metrics")).text;
    expect(metric(m, "lineops_tsdb_too_far_in_future_samples_total")).toBe(1);
    expect(m).toContain(
      'lineops_ingest_rejected_samples_total{source="remote_write",reason="too_far_in_future"} 1',
    );
  });

  it("repairs a future-dated block left by an older lineops on restart, and ingests at once", async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const now = Date.now();
    await call(first.lineops, first.operator, "/api/v1/write", {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
      body: encodeWriteRequest([
        { labels: { __name__: "line_rate", job: "mes" }, samples: { ts: [now - 60_000], vs: [1] } },
      ]),
    });
    await first.lineops.stop();
    running = undefined;

    // What the old code left: 3 h of samples 2 days ahead, cut into blocks (written here under a
    // clock 2 days ahead, the only way the current code accepts them).
    const future = now + 2 * 24 * H;
    const old = Tsdb.open(path.join(dataDir, "tsdb"), { autoCompact: false, now: () => future + 3 * H });
    const app = old.appender();
    for (let t = future; t <= future + 3 * H; t += 60_000) {
      app.append({ __name__: "line_rate", job: "skewed" }, t, 1);
    }
    app.commit();
    old.compact();
    expect(old.blocks().some((b) => b.minTime > now + H)).toBe(true);
    old.close();

    const { lineops, operator } = await start(dataDir);
    const m = (await call(lineops, operator, "/metrics")).text;
    expect(metric(m, "lineops_tsdb_quarantined_blocks")).toBeGreaterThan(0);
    expect(lineops.monitoring.storage.repaired.blocks[0]?.movedTo).toContain(
      path.join(dataDir, "tsdb", "quarantine"),
    );
    const before = Date.now();
    const self = await scrapeSelf(lineops, operator);
    expect(self).toMatchObject({ health: "up", lastError: "" });
    expect(await newest(lineops, operator, 'up{job="lineops"}')).toBeGreaterThanOrEqual(before - 1000);
    expect(await newest(lineops, operator, 'line_rate{job="mes"}')).toBe(now - 60_000);
    expect(await newest(lineops, operator, 'line_rate{job="skewed"}')).toBeUndefined();
  });
});
