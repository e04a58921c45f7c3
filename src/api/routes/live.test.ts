// Live updates through the real server: a real HTTP client (node's fetch, streaming) reads the
// Server-Sent Events stream while lineops scrapes itself, deployments are published on the bus and
// lineops stops. What the dashboard's browser sees, minus the browser.
import { writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { SseClient } from "../../dashboard/live/test-support/sse-client.js";
import { parseSse } from "../../dashboard/live/test-support/sink.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";

let lineops: Lineops;
let viewer = "";
let other = "";
const clients: SseClient[] = [];
const api = injectApi(() => lineops);

beforeAll(async () => {
  const dir = tempDir("lineops-live-");
  const cfg = path.join(dir, "lineops.yaml");
  // lineops scrapes itself every 500 ms: the commits that drive the query pushes.
  writeFileSync(
    cfg,
    "monitoring: { scrapeInterval: 500ms, scrapeTimeout: 400ms, host: { enabled: false } }\n",
  );
  lineops = await startLineops({ dataDir: dir, port: 0, configFile: cfg, logger: pino({ level: "silent" }) });
  await lineops.settled;
  // The first self-scrape: charts of lineops's own series have data from here on.
  await waitFor(
    async () => {
      const v = await lineops.monitoring.querier.instant('up{job="lineops"}', Date.now());
      return v.type === "vector" && v.samples.length > 0;
    },
    20_000,
    "lineops's first scrape of itself",
  );
  viewer = lineops.tokens.create("screen", "viewer").token;
  other = lineops.tokens.create("other", "viewer").token;
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await lineops?.stop();
});

const open = async (query = "", headers: Record<string, string> = {}, token = viewer) => {
  const c = await SseClient.open(`${lineops.url}/api/v1/live${query}`, {
    authorization: `Bearer ${token}`,
    ...headers,
  });
  clients.push(c);
  return c;
};
const helloOf = async (c: SseClient) =>
  JSON.parse((await c.next((e) => e.event === "hello")).data) as { stream: string; lastEventId: string };
const subscribe = (body: Record<string, unknown>, token = viewer) =>
  api("POST", "/api/v1/live/subscriptions", { token, body });

type QueryEvent = {
  id: string;
  reset: boolean;
  step: number;
  result: { metric: Record<string, string>; values: [number, string][] }[];
  head: { metric: Record<string, string>; value: [number, string] }[];
};

describe("GET /api/v1/live", () => {
  it("is an event stream that starts with a hello naming the stream", async () => {
    const c = await open();
    expect(c.status).toBe(200);
    const hello = await helloOf(c);
    expect(hello.stream).toMatch(/^[A-Za-z0-9_-]{16}$/);
    c.close();
  });

  it("answers 401 without a token and 400 for an unknown topic, in the error envelope", async () => {
    const anonymous = await SseClient.open(`${lineops.url}/api/v1/live`, {});
    expect(anonymous.status).toBe(401);
    const bad = await open("?topics=deployment,weather");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.errorBody)).toMatchObject({ status: "error", code: "LINEOPS_ERR_BAD_REQUEST" });
    expect(JSON.parse(bad.errorBody).error).toMatch(/unknown topic "weather"/);
  });

  it("pushes deployment events with ids, and replays the missed ones after Last-Event-ID", async () => {
    const c = await open("?topics=deployment");
    await helloOf(c);
    lineops.bus.emit("deployment.started", { id: "d-1", service: "press", at: 1 });
    const first = await c.next((e) => e.event === "deployment");
    expect(JSON.parse(first.data)).toMatchObject({ kind: "started", id: "d-1", service: "press" });
    expect(first.id).toMatch(/^[0-9a-z]+-\d+$/);
    c.close();
    await waitFor(() => lineops.dashboard.live.hub.size === 0, 5000, "the closed stream to be forgotten");
    lineops.bus.emit("deployment.event", {
      id: "d-1",
      service: "press",
      kind: "setWeight",
      message: "weight 50",
      at: 2,
    });
    lineops.bus.emit("deployment.finished", { id: "d-1", service: "press", phase: "succeeded", at: 3 });
    const again = await open("?topics=deployment", { "last-event-id": first.id! });
    await helloOf(again);
    const replayed = await again.next((e) => e.event === "deployment" && e.data.includes('"finished"'));
    const kinds = again.events
      .filter((e) => e.event === "deployment")
      .map((e) => (JSON.parse(e.data) as { kind: string }).kind);
    expect(kinds).toEqual(["event.setWeight", "finished"]);
    expect(replayed.id).not.toBe(first.id);
    again.close();
  });

  it("pushes instance state changes from the bus", async () => {
    const c = await open("?topics=instance");
    await helloOf(c);
    lineops.bus.emit("instance", {
      type: "unready",
      at: 5,
      instance: {
        id: "press-1",
        service: "press",
        revision: "1",
        version: "1.0.0",
        state: "unready",
        host: "127.0.0.1",
        port: 1,
      } as never,
    });
    const e = await c.next((x) => x.event === "instance");
    expect(JSON.parse(e.data)).toEqual({
      type: "unready",
      at: 5,
      instance: { id: "press-1", service: "press", revision: "1", version: "1.0.0", state: "unready" },
    });
    c.close();
  });
});

describe("query subscriptions", () => {
  it("push new points after each scrape, at most `width` per series, with the delay measured", async () => {
    const c = await open("?topics=query");
    const { stream } = await helloOf(c);
    const res = await subscribe({ stream, id: "up", query: 'up{job="lineops"}', range: 120, width: 50 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ status: "success", data: { stream, id: "up", step: 5, shared: false } });
    const before = lineops.dashboard.live.recentDelays.length;
    // Five pushes after the first answer: each follows a self-scrape's commit.
    let seen = 0;
    for (let i = 0; i < 6; i++) {
      await c.next((e) => e.event === "query", 10_000, seen);
      seen = c.events.findIndex((e, k) => k >= seen && e.event === "query") + 1;
    }
    const pushes = c.events.filter((e) => e.event === "query").map((e) => JSON.parse(e.data) as QueryEvent);
    expect(pushes[0]!.reset).toBe(true);
    for (const p of pushes) {
      expect(p.id).toBe("up");
      expect(p.result.every((s) => s.values.length + p.head.length <= 50)).toBe(true);
      expect(p.head[0]?.value[1]).toBe("1");
    }
    const heads = pushes.map((p) => p.head[0]!.value[0]);
    expect(heads).toEqual([...heads].sort((a, b) => a - b));
    expect(new Set(heads).size).toBe(heads.length);
    const delays = lineops.dashboard.live.recentDelays.slice(before);
    expect(delays.length).toBeGreaterThanOrEqual(5);
    const sorted = [...delays].sort((a, b) => a - b);
    console.info(
      `scrape commit → SSE write over ${sorted.length} pushes: p50 ${(sorted[Math.floor(sorted.length / 2)]! * 1000).toFixed(1)} ms, max ${(sorted.at(-1)! * 1000).toFixed(1)} ms`,
    );
    const metrics = await fetch(`${lineops.url}/metrics`).then((r) => r.text());
    const count = /^lineops_live_push_delay_seconds_count (\d+)/m.exec(metrics);
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(5);
    expect(metrics).toMatch(/^lineops_live_streams [1-9]\d*$/m);
    c.close();
  });

  it("shares one evaluation between two browsers asking the same chart", async () => {
    await waitFor(() => lineops.dashboard.live.hub.size === 0, 5000, "earlier tests' streams to be gone");
    const a = await open("?topics=query");
    const b = await open("?topics=query", {}, other);
    const sa = (await helloOf(a)).stream;
    const sb = (await helloOf(b)).stream;
    const query = 'scrape_samples_scraped{job="lineops"}';
    expect((await subscribe({ stream: sa, id: "s", query, range: 60, step: 5 })).body.data.shared).toBe(
      false,
    );
    expect(
      (await subscribe({ stream: sb, id: "t", query, range: 60, step: 5 }, other)).body.data.shared,
    ).toBe(true);
    expect(lineops.dashboard.live.queries.size).toBe(1);
    await b.next((e) => e.event === "query");
    a.close();
    b.close();
  });

  it("refuses a subscription on someone else's stream, and unsubscribes with DELETE", async () => {
    const c = await open("?topics=query");
    const { stream } = await helloOf(c);
    const foreign = await subscribe({ stream, id: "x", query: "up", range: 60, width: 100 }, other);
    expect([foreign.status, foreign.body.code]).toEqual([404, "LINEOPS_ERR_STREAM_NOT_FOUND"]);
    expect((await subscribe({ stream, id: "x", query: "up", range: 60, width: 100 })).status).toBe(201);
    const wrongOwner = await api("DELETE", `/api/v1/live/subscriptions/${stream}/x`, { token: other });
    expect(wrongOwner.status).toBe(404);
    expect((await api("DELETE", `/api/v1/live/subscriptions/${stream}/x`, { token: viewer })).status).toBe(
      204,
    );
    const twice = await api("DELETE", `/api/v1/live/subscriptions/${stream}/x`, { token: viewer });
    expect([twice.status, twice.body.code]).toEqual([404, "LINEOPS_ERR_SUBSCRIPTION_NOT_FOUND"]);
    c.close();
  });

  it.each([
    [
      "a query that does not parse",
      { query: "rate(", range: 60, width: 100 },
      400,
      "LINEOPS_ERR_BAD_SUBSCRIPTION",
    ],
    ["neither step nor width", { query: "up", range: 60 }, 400, "LINEOPS_ERR_INVALID_FIELD"],
    [
      "an unknown field",
      { query: "up", range: 60, width: 100, colour: "red" },
      400,
      "LINEOPS_ERR_INVALID_FIELD",
    ],
    ["a width of 5 px", { query: "up", range: 60, width: 5 }, 400, "LINEOPS_ERR_INVALID_FIELD"],
    ["a negative range", { query: "up", range: -1, width: 100 }, 400, "LINEOPS_ERR_INVALID_FIELD"],
  ])("refuses %s", async (_what, body, status, code) => {
    const c = await open("?topics=query");
    const { stream } = await helloOf(c);
    const res = await subscribe({ stream, id: "bad", ...body });
    expect([res.status, res.body.code]).toEqual([status, code]);
    c.close();
  });
});

describe("batched subscriptions and ranges (a page's charts in one request)", () => {
  it("subscribes a page's charts in one request, and swaps them (unsubscribe + subscribe) in another", async () => {
    const c = await open("?topics=query");
    const { stream } = await helloOf(c);
    const subscriptions = ["a", "b", "c"].map((id, i) => ({
      id,
      query: `up{job="lineops"} * ${i + 1}`,
      range: 120,
      width: 60,
    }));
    const res = await subscribe({ stream, subscriptions });
    expect(res.status).toBe(201);
    expect(res.body.data.subscriptions.map((s: { id: string; step: number }) => [s.id, s.step])).toEqual([
      ["a", 5],
      ["b", 5],
      ["c", 5],
    ]);
    await waitFor(
      () => new Set(c.events.filter((e) => e.event === "query").map((e) => JSON.parse(e.data).id)).size === 3,
      10_000,
      "a push for each of the three charts",
    );
    const swap = await subscribe({
      stream,
      unsubscribe: ["a", "b", "gone-already"],
      subscriptions: [{ id: "d", query: 'up{job="lineops"}', range: 60, step: 5 }],
    });
    expect(swap.status).toBe(201);
    expect(swap.body.data.unsubscribed).toBe(2);
    expect(swap.body.data.subscriptions).toEqual([{ id: "d", step: 5, shared: false }]);
    c.close();
  });

  it("refuses the whole batch, naming the index at fault, and bounds its size", async () => {
    const c = await open("?topics=query");
    const { stream } = await helloOf(c);
    const bad = await subscribe({
      stream,
      subscriptions: [
        { id: "ok", query: "up", range: 60, width: 100 },
        { id: "broken", query: "rate(", range: 60, width: 100 },
      ],
    });
    expect([bad.status, bad.body.code]).toEqual([400, "LINEOPS_ERR_BAD_SUBSCRIPTION"]);
    expect(bad.body.error).toContain('subscriptions[1] (id "broken")');
    const shape = await subscribe({
      stream,
      subscriptions: [
        { id: "ok", query: "up", range: 60, width: 100 },
        { id: "x", query: "up", range: 0 },
      ],
    });
    expect([shape.status, shape.body.code]).toEqual([400, "LINEOPS_ERR_INVALID_FIELD"]);
    expect(shape.body.error).toContain("body.subscriptions.1.range");
    const many = Array.from({ length: 65 }, (_, i) => ({ id: `p${i}`, query: "up", range: 60, width: 100 }));
    const tooMany = await subscribe({ stream, subscriptions: many });
    expect([tooMany.status, tooMany.body.code]).toEqual([400, "LINEOPS_ERR_INVALID_FIELD"]);
    // Nothing of a refused batch was subscribed: the next page's 64 charts fit the stream's limit.
    const fits = await subscribe({ stream, subscriptions: many.slice(0, 64) });
    expect(fits.status).toBe(201);
    const over = await subscribe({
      stream,
      subscriptions: [{ id: "one-more", query: "up", range: 60, width: 100 }],
    });
    expect([over.status, over.body.code]).toEqual([429, "LINEOPS_ERR_TOO_MANY_SUBSCRIPTIONS"]);
    c.close();
  });

  it("answers a page's past ranges in one request: width-capped, identical queries once, one failure its own", async () => {
    const end = Date.now() / 1000;
    const q = { query: 'up{job="lineops"}', start: end - 60, end, width: 12 };
    const res = await api("POST", "/api/v1/live/query_range", {
      token: viewer,
      body: { queries: [q, q, { ...q, query: 'label_replace(up, "x", "$1", "nope", "(")' }] },
    });
    expect(res.status).toBe(200);
    const [a, b, failed] = res.body.data.results;
    expect(a.status).toBe("success");
    expect(a.step).toBe(10);
    expect(a.data.result[0].values.length).toBeLessThanOrEqual(12);
    expect(b).toEqual(a);
    expect(failed.status).toBe("error");
    expect(failed.error).toBeTruthy();
    const bad = await api("POST", "/api/v1/live/query_range", {
      token: viewer,
      body: { queries: [q, { ...q, query: "sum(" }] },
    });
    expect([bad.status, bad.body.code]).toEqual([400, "LINEOPS_ERR_BAD_SUBSCRIPTION"]);
    expect(bad.body.error).toContain("queries[1]");
    const backwards = await api("POST", "/api/v1/live/query_range", {
      token: viewer,
      body: { queries: [{ ...q, start: end, end: end - 60 }] },
    });
    expect(backwards.body.error).toContain("queries[0]: end must not be before start");
    const anonymous = await api("POST", "/api/v1/live/query_range", { body: { queries: [q] } });
    expect(anonymous.status).toBe(401);
  });
});

describe("backpressure", () => {
  it("drops a client that stops reading, with a final event saying why", async () => {
    const url = new URL(lineops.url);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: "/api/v1/live?topics=deployment",
          headers: { authorization: `Bearer ${viewer}` },
        },
        resolve,
      );
      req.on("error", reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.pause(); // the client stops reading: the kernel's buffers fill, then lineops's
    const dropped = lineops.dashboard.live.hub.droppedSlow;
    const big = "x".repeat(64 * 1024);
    await waitFor(
      () => {
        for (let i = 0; i < 16; i++) {
          lineops.bus.emit("deployment.event", { id: "d", service: "s", kind: "flood", message: big, at: i });
        }
        return lineops.dashboard.live.hub.droppedSlow > dropped;
      },
      20_000,
      "the slow client to be dropped",
    );
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.resume();
    await new Promise((resolve) => res.on("end", resolve));
    const events = parseSse(Buffer.concat(chunks).toString());
    const last = events.at(-1)!;
    expect(last.event).toBe("closed");
    expect(JSON.parse(last.data)).toMatchObject({ reason: "slow_client" });
  });
});

describe("shutdown", () => {
  it("ends open streams with a final event: an open dashboard never keeps lineops from stopping", async () => {
    // A lineops of its own: the connections earlier tests left to the server are not this test's
    // subject (see the report on connections that never send a request).
    const dir = tempDir("lineops-live-stop-");
    const own = await startLineops({ dataDir: dir, port: 0, logger: pino({ level: "silent" }) });
    const token = own.tokens.create("wall", "viewer").token;
    const c = await SseClient.open(`${own.url}/api/v1/live`, { authorization: `Bearer ${token}` });
    clients.push(c);
    await helloOf(c);
    await own.stop();
    await c.ended(10_000);
    const last = c.events.at(-1)!;
    expect(last.event).toBe("closed");
    expect(JSON.parse(last.data)).toMatchObject({ reason: "shutdown" });
  });
});
