// The outbox against real loopback HTTP receivers and a real SQLite file, with a manual clock for
// every wait: a receiver down then back gets each message exactly once; a dead channel trips its
// breaker and the fallback delivers; the rate limit holds; a restart resumes stored due times.
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../../store/db.js";
import { tempDir } from "../../../test-support/line.js";
import { ManualClock, settle } from "../../../test-support/manual-clock.js";
import { waitFor } from "../../../test-support/wait.js";
import { OutboxErrors } from "./errors.js";
import { Outbox, type OutboxOptions } from "./outbox.js";
import { KeyedReceiver, testNotification } from "./test-support/keyed-receiver.js";
import { LoopbackChannel } from "./test-support/loopback-channel.js";

const T0 = Date.UTC(2026, 0, 1);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    await c();
  }
});

async function receiver(): Promise<KeyedReceiver> {
  const r = await KeyedReceiver.start();
  cleanups.push(() => r.close());
  return r;
}

function database(dir = tempDir("lineops-outbox-")): Db {
  const db = openDb(dir);
  cleanups.push(() => {
    db.close();
  });
  return db;
}

/** An outbox with pinned jitter (factor 1: waits of exactly 1 s, 1.5 s, 2.25 s … up to 8 s). */
function outbox(
  db: Db,
  clock: ManualClock,
  options: Partial<OutboxOptions> & Pick<OutboxOptions, "channels">,
) {
  const o = new Outbox({
    db,
    clock,
    random: () => 0.5,
    backoff: { initialMs: 1000, maxMs: 8000 },
    ...options,
  });
  cleanups.push(() => o.stop(0));
  return o;
}

/** Lets the sends the worker started finish (real HTTP), then the promise callbacks after them. */
async function quiesce(o: Outbox): Promise<void> {
  await settle();
  await waitFor(() => o.inFlightCount === 0, 10_000, "sends in flight to finish");
  await settle();
}

/** Advances the manual clock in steps, letting real sends finish at each, until `done` holds. */
async function runUntil(clock: ManualClock, o: Outbox, done: () => boolean, stepMs = 500, maxMs = 600_000) {
  for (let spent = 0; spent <= maxMs; spent += stepMs) {
    await quiesce(o);
    if (done()) {
      return;
    }
    await clock.advance(stepMs);
  }
  throw new Error(`not done after ${maxMs} ms of clock time`);
}

const keys = (n: number, prefix = "n") => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = (metric?.values as { value: number; labels: Record<string, unknown> }[] | undefined)?.find(
    (v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return value?.value;
}

describe("Outbox delivery", () => {
  it("delivers every message exactly once by key to a receiver that was down and failing for a while", async () => {
    const r = await receiver();
    const clock = new ManualClock(T0);
    const registry = new Registry();
    const o = outbox(database(), clock, { channels: [new LoopbackChannel("hook", r.url)], registry });
    await r.down();
    o.start();
    o.enqueue(keys(10).map((k) => ({ channel: "hook", notification: testNotification(k) })));
    // 40 s refused, then 40 s of 503s, then back.
    await runUntil(clock, o, () => clock.now() >= T0 + 40_000);
    expect(r.requests).toEqual([]);
    await r.up();
    r.mode = "failing";
    await runUntil(clock, o, () => clock.now() >= T0 + 80_000);
    expect(r.requests.length).toBeGreaterThan(0);
    expect(r.processed).toEqual([]);
    r.mode = "up";
    await runUntil(clock, o, () => r.processed.length === 10);

    expect(new Set(r.processed)).toEqual(new Set(keys(10)));
    expect(r.duplicates()).toEqual([]); // without a crash, not even a duplicate arrival
    for (const k of keys(10)) {
      const h = o.history(k)!;
      expect(h.state).toBe("delivered");
      expect(h.receipt).toMatchObject({ key: k, channel: "hook", type: "webhook", detail: "HTTP 200" });
      expect(h.attempts.at(-1)!.outcome).toBe("delivered");
      expect(h.attempts.slice(0, -1).every((a) => a.outcome === "retry" && a.error)).toBe(true);
    }
    const attempts = keys(10).map((k) => o.history(k)!.attempts.length);
    expect(attempts.reduce((a, b) => a + b)).toBeGreaterThan(10);
    expect(o.historyForIncident("inc-1").map((h) => h.key)).toEqual(keys(10));
    expect(await metricValue(registry, "lineops_notifications_sent_total", { channel: "hook" })).toBe(10);
    expect(
      await metricValue(registry, "lineops_notifications_retries_total", { channel: "hook" }),
    ).toBeGreaterThan(0);
    expect(await metricValue(registry, "lineops_notifications_queue_depth", { channel: "hook" })).toBe(0);
    expect(await metricValue(registry, "lineops_notifications_breaker_state", { channel: "hook" })).toBe(0);
  });

  it("trips the breaker of a channel that keeps failing, delivers through the fallback, and probes after the cool-down", async () => {
    const primary = await receiver();
    const backup = await receiver();
    primary.mode = "failing";
    const clock = new ManualClock(T0);
    const registry = new Registry();
    const o = outbox(database(), clock, {
      channels: [new LoopbackChannel("primary", primary.url), new LoopbackChannel("backup", backup.url)],
      policies: { primary: { fallback: "backup", breaker: { failureThreshold: 3, coolDownMs: 60_000 } } },
      registry,
    });
    o.start();
    o.enqueue(
      keys(5).map((k) => ({ channel: "primary", notification: testNotification(k), incidentId: "inc-9" })),
    );
    await runUntil(clock, o, () => backup.processed.length === 5);

    expect(o.breakerStates().get("primary")).toBe("open");
    expect(await metricValue(registry, "lineops_notifications_breaker_state", { channel: "primary" })).toBe(
      1,
    );
    // Each message was tried once; after the breaker opened nothing more went to the dead channel.
    expect(primary.requests.map((x) => x.key).sort()).toEqual(keys(5));
    expect(backup.processed.sort()).toEqual(keys(5).map((k) => `${k}>backup`));
    expect(backup.duplicates()).toEqual([]);
    for (const k of keys(5)) {
      const h = o.history(k)!;
      expect(h).toMatchObject({ state: "fell_back", fallbackKey: `${k}>backup` });
      expect(h.lastError).toMatch(/HTTP 503|circuit open/);
      expect(o.history(`${k}>backup`)).toMatchObject({
        state: "delivered",
        fallbackOf: k,
        incidentId: "inc-9",
      });
    }
    expect(o.historyForIncident("inc-9")).toHaveLength(10);
    expect(await metricValue(registry, "lineops_notifications_fallbacks_total", { channel: "primary" })).toBe(
      5,
    );

    // The channel comes back: after the cool-down one probe goes to it, and its success closes the breaker.
    primary.mode = "up";
    await clock.advance(60_000);
    expect(o.breakerStates().get("primary")).toBe("half-open");
    o.enqueue({ channel: "primary", notification: testNotification("after") });
    await runUntil(clock, o, () => primary.processed.includes("after"));
    expect(o.breakerStates().get("primary")).toBe("closed");
    expect(o.history("after")).toMatchObject({ state: "delivered" });
  });

  it("holds messages for an open breaker without a fallback and sends them after a successful probe", async () => {
    const r = await receiver();
    r.mode = "failing";
    const clock = new ManualClock(T0);
    const o = outbox(database(), clock, {
      channels: [new LoopbackChannel("hook", r.url)],
      policies: { hook: { breaker: { failureThreshold: 2, coolDownMs: 30_000 } } },
      concurrency: 1,
    });
    o.start();
    o.enqueue(keys(4).map((k) => ({ channel: "hook", notification: testNotification(k) })));
    await runUntil(clock, o, () => o.breakerStates().get("hook") === "open", 100);
    const whenOpened = r.requests.length;
    await clock.advance(29_000);
    await quiesce(o);
    expect(r.requests.length).toBe(whenOpened); // nothing sent while open
    r.mode = "up";
    await runUntil(clock, o, () => r.processed.length === 4);
    expect(r.duplicates()).toEqual([]);
    expect(o.breakerStates().get("hook")).toBe("closed");
  });

  it.each([
    { fallback: false, state: "failed" },
    { fallback: true, state: "fell_back" },
  ])(
    "fails a rejected message at once without retrying (fallback: $fallback)",
    async ({ fallback, state }) => {
      const r = await receiver();
      const other = await receiver();
      r.mode = "rejecting";
      const clock = new ManualClock(T0);
      const o = outbox(database(), clock, {
        channels: [new LoopbackChannel("hook", r.url), new LoopbackChannel("other", other.url)],
        ...(fallback ? { policies: { hook: { fallback: "other" } } } : {}),
      });
      o.start();
      o.enqueue({ channel: "hook", notification: testNotification("bad") });
      await runUntil(clock, o, () => o.history("bad")!.state !== "pending");
      await clock.advance(60_000);
      await quiesce(o);
      expect(r.requests).toHaveLength(1);
      const h = o.history("bad")!;
      expect(h.state).toBe(state);
      expect(h.attempts).toMatchObject([{ outcome: "failed", status: 400, error: "HTTP 400" }]);
      expect(o.breakerStates().get("hook")).toBe("closed"); // the message's fault, not the channel's
      expect(other.processed).toEqual(fallback ? ["bad>other"] : []);
    },
  );

  it("gives up after max attempts when there is no fallback", async () => {
    const r = await receiver();
    r.mode = "failing";
    const clock = new ManualClock(T0);
    const o = outbox(database(), clock, {
      channels: [new LoopbackChannel("hook", r.url)],
      policies: { hook: { maxAttempts: 3, breaker: { failureThreshold: 100, coolDownMs: 1000 } } },
    });
    o.start();
    o.enqueue({ channel: "hook", notification: testNotification("k") });
    await runUntil(clock, o, () => o.history("k")!.state === "failed");
    expect(r.requests).toHaveLength(3);
    expect(o.history("k")!.lastError).toBe("gave up after 3 attempts: HTTP 503");
    // Stored retry times followed the shared backoff: 1 s, then 1.5 s after each failure.
    const a = o.history("k")!.attempts;
    expect(a[1]!.startedAt - a[0]!.finishedAt).toBe(1000);
    expect(a[2]!.startedAt - a[1]!.finishedAt).toBe(1500);
  });

  it("keeps to the rate limit: excess messages wait for their token and none is dropped", async () => {
    const r = await receiver();
    const clock = new ManualClock(T0);
    const o = outbox(database(), clock, {
      channels: [new LoopbackChannel("hook", r.url)],
      policies: { hook: { rateLimit: { perSecond: 2, burst: 2 } } },
    });
    o.start();
    o.enqueue(keys(10).map((k) => ({ channel: "hook", notification: testNotification(k) })));
    for (let elapsed = 0; elapsed <= 5000; elapsed += 250) {
      await quiesce(o);
      // burst 2 at once, then one every 500 ms: exactly the bucket's allowance, never more.
      expect(r.processed.length, `at +${elapsed} ms`).toBe(Math.min(10, 2 + Math.floor(elapsed / 500)));
      await clock.advance(250);
    }
    expect(r.processed).toEqual(keys(10)); // in enqueue order
    expect(r.duplicates()).toEqual([]);
  });
});

describe("Outbox storage", () => {
  it("stores messages in the caller's transaction: a rollback leaves nothing to send", async () => {
    const r = await receiver();
    const clock = new ManualClock(T0);
    const db = database();
    db.exec("CREATE TABLE incident_probe (id TEXT PRIMARY KEY)");
    const o = outbox(db, clock, { channels: [new LoopbackChannel("hook", r.url)] });
    o.start();
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO incident_probe (id) VALUES ('a')").run();
        o.enqueue({ channel: "hook", notification: testNotification("rolled-back") });
        throw new Error("the incident change failed");
      })(),
    ).toThrow("the incident change failed");
    db.transaction(() => {
      db.prepare("INSERT INTO incident_probe (id) VALUES ('b')").run();
      o.enqueue({ channel: "hook", notification: testNotification("committed") });
    })();
    await runUntil(clock, o, () => r.processed.length > 0);
    expect(o.history("rolled-back")).toBeUndefined();
    expect(db.prepare("SELECT id FROM incident_probe").all()).toEqual([{ id: "b" }]);
    expect(r.processed).toEqual(["committed"]);
  });

  it("treats a key enqueued again as the same message, whatever its state", async () => {
    const r = await receiver();
    const clock = new ManualClock(T0);
    const o = outbox(database(), clock, { channels: [new LoopbackChannel("hook", r.url)] });
    o.start();
    expect(o.enqueue({ channel: "hook", notification: testNotification("k") })).toBe(1);
    expect(o.enqueue({ channel: "hook", notification: testNotification("k") })).toBe(0);
    await runUntil(clock, o, () => o.history("k")!.state === "delivered");
    expect(o.enqueue([{ channel: "hook", notification: testNotification("k") }])).toBe(0);
    await clock.advance(10_000);
    await quiesce(o);
    expect(r.requests.map((x) => x.key)).toEqual(["k"]);
  });

  it.each([
    ["an empty key", { channel: "hook", notification: testNotification("") }],
    ["a key too long", { channel: "hook", notification: testNotification("k".repeat(513)) }],
    ["no channel", { channel: "", notification: testNotification("k") }],
    [
      "a notification over 1 MiB",
      {
        channel: "hook",
        notification: {
          ...testNotification("big"),
          payload: { ...testNotification("big").payload, receiver: "x".repeat(1 << 20) },
        },
      },
    ],
  ])("refuses %s, storing nothing", (_what, item) => {
    const db = database();
    const o = outbox(db, new ManualClock(T0), { channels: [] });
    expect(() => o.enqueue([{ channel: "hook", notification: testNotification("fine") }, item])).toThrow(
      expect.objectContaining({ code: OutboxErrors.invalidItem.code }),
    );
    expect(o.history("fine")).toBeUndefined();
  });

  it.each([
    ["a fallback that is not a channel", { a: { fallback: "nope" } }],
    ["a channel as its own fallback", { a: { fallback: "a" } }],
    ["a policy for an unknown channel", { zz: { maxAttempts: 2 } }],
  ])("refuses %s", (_what, policies) => {
    const channels = [new LoopbackChannel("a", "http://127.0.0.1:1/")];
    expect(() => outbox(database(), new ManualClock(T0), { channels, policies })).toThrow(
      expect.objectContaining({ code: OutboxErrors.invalidConfig.code }),
    );
  });

  it("fails a message whose channel is not configured", async () => {
    const clock = new ManualClock(T0);
    const o = outbox(database(), clock, { channels: [] });
    o.start();
    o.enqueue({ channel: "gone", notification: testNotification("k") });
    await runUntil(clock, o, () => o.history("k")!.state !== "pending");
    expect(o.history("k")).toMatchObject({ state: "failed", lastError: 'channel "gone" is not configured' });
  });

  it("resumes after a restart from the stored due times: nothing delivered is sent again, nothing is skipped", async () => {
    const r = await receiver();
    const dir = tempDir("lineops-outbox-restart-");
    const first = openDb(dir);
    const clock = new ManualClock(T0);
    const before = new Outbox({
      db: first,
      clock,
      random: () => 0.5,
      backoff: { initialMs: 1000, maxMs: 8000 },
      channels: [new LoopbackChannel("hook", r.url)],
    });
    before.start();
    before.enqueue({ channel: "hook", notification: testNotification("done") });
    await runUntil(clock, before, () => r.processed.includes("done"));
    r.mode = "failing";
    before.enqueue(keys(3).map((k) => ({ channel: "hook", notification: testNotification(k) })));
    before.enqueue({ channel: "hook", notification: testNotification("later"), notBefore: T0 + 5000 });
    await quiesce(before);
    expect(before.history("n-0")).toMatchObject({ state: "pending", nextAttemptAt: T0 + 1000 });
    await before.stop();
    first.close();

    // 600 ms later a new process opens the same file: the retries are due at T0 + 1 s, not now.
    r.mode = "up";
    const later = new ManualClock(T0 + 600);
    const o = outbox(database(dir), later, { channels: [new LoopbackChannel("hook", r.url)] });
    o.start();
    await quiesce(o);
    expect(r.processed).toEqual(["done"]);
    await later.advance(399);
    await quiesce(o);
    expect(r.processed).toEqual(["done"]);
    await later.advance(1);
    await quiesce(o);
    expect(r.processed.sort()).toEqual(["done", ...keys(3)]);
    await later.advance(3999);
    await quiesce(o);
    expect(r.processed).not.toContain("later");
    await later.advance(1);
    await quiesce(o);
    expect(r.processed).toContain("later");
    expect(r.arrivals.get("done")).toBe(1);
    expect(r.duplicates()).toEqual([]);
  });

  it("stop waits for sends in flight within the grace period, then aborts the rest and keeps them pending", async () => {
    const r = await receiver();
    const clock = new ManualClock(T0);
    const o = outbox(database(), clock, { channels: [new LoopbackChannel("hook", r.url)] });
    r.delayMs = 150;
    o.start();
    o.enqueue({ channel: "hook", notification: testNotification("quick") });
    await waitFor(() => r.inFlight === 1, 10_000, "the send to reach the receiver");
    await o.stop(10_000); // resolves when the send lands, with no clock time passing
    expect(o.history("quick")!.state).toBe("delivered");

    const clock2 = new ManualClock(T0);
    const o2 = outbox(database(), clock2, { channels: [new LoopbackChannel("hook", r.url)] });
    r.delayMs = 60_000;
    o2.start();
    o2.enqueue({ channel: "hook", notification: testNotification("slow") });
    await waitFor(() => r.inFlight === 1, 10_000, "the send to reach the receiver");
    const stopped = o2.stop(1000);
    await clock2.advance(1000);
    await stopped;
    expect(o2.inFlightCount).toBe(0);
    const h = o2.history("slow")!;
    expect(h.state).toBe("pending");
    expect(h.attempts).toMatchObject([{ outcome: "retry", error: "outbox stopping" }]);
  });
});
