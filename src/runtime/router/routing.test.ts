// End-to-end routing through real sockets: weights, stickiness, stations with canaries, blue-green
// switches, the preview route, and the metrics hook.
import type http from "node:http";

import { describe, expect, it } from "vitest";

import { waitFor } from "../../test-support/wait.js";
import type { RequestEvent } from "./metrics.js";
import { get } from "./test-support/backends.js";
import { routerHarness } from "./test-support/harness.js";

const { router: makeRouter, backend, agent } = routerHarness();

function keepAliveAgent(): http.Agent {
  return agent({ maxSockets: 8 });
}

async function tally(
  url: string,
  n: number,
  headers: http.OutgoingHttpHeaders = {},
): Promise<Map<string, number>> {
  const agent = keepAliveAgent();
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const res = await get(url, headers, agent);
    expect(res.status).toBe(200);
    seen.set(res.body, (seen.get(res.body) ?? 0) + 1);
  }
  return seen;
}

describe("Router routing", () => {
  it("splits traffic between groups by weight, and within a group by backend", async () => {
    const router = makeRouter();
    const bs = [
      await backend("s1", { group: "stable" }),
      await backend("s2", { group: "stable" }),
      await backend("c1", { group: "canary" }),
    ];
    router.setBackends("svc", bs);
    router.setWeights("svc", { stable: 75, canary: 25 });
    const { url } = await router.listen("svc");
    const seen = await tally(url, 200);
    // SWRR is exact over a full cycle; allow slack anyway so the test states the contract, not the algorithm.
    expect(Math.abs((seen.get("c1") ?? 0) - 50)).toBeLessThanOrEqual(2);
    expect(Math.abs((seen.get("s1") ?? 0) - 75)).toBeLessThanOrEqual(2);
    expect(Math.abs((seen.get("s2") ?? 0) - 75)).toBeLessThanOrEqual(2);
    expect(router.weightsOf("svc")).toEqual({ stable: 75, canary: 25 });
  });

  it("rejects invalid weights with a code and keeps the previous ones", async () => {
    const router = makeRouter();
    router.setWeights("svc", { stable: 90, canary: 10 });
    expect(() => router.setWeights("svc", { stable: 90, canary: 20 })).toThrow(
      expect.objectContaining({
        code: "LINEOPS_ERR_INVALID_WEIGHTS",
        message: expect.stringContaining("110"),
      }),
    );
    expect(() => router.setWeights("svc", { stable: 100, canary: -0.5 })).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_INVALID_WEIGHTS" }),
    );
    expect(router.weightsOf("svc")).toEqual({ stable: 90, canary: 10 });
  });

  it("keeps a sticky header value on one group, and a growing canary keeps its users", async () => {
    const router = makeRouter();
    router.setBackends("svc", [
      await backend("s", { group: "stable" }),
      await backend("c", { group: "canary" }),
    ]);
    router.setWeights("svc", { stable: 50, canary: 50 });
    router.setStickiness("svc", { header: "X-Operator" });
    const { url } = await router.listen("svc");
    const agent = keepAliveAgent();
    const groupOf = new Map<string, string>();
    for (let u = 0; u < 20; u++) {
      for (let i = 0; i < 4; i++) {
        const res = await get(url, { "x-operator": `op-${u}` }, agent);
        const prev = groupOf.get(`op-${u}`);
        expect(prev === undefined || prev === res.body).toBe(true);
        groupOf.set(`op-${u}`, res.body);
      }
    }
    const canaryUsers = [...groupOf].filter(([, g]) => g === "c").map(([u]) => u);
    expect(canaryUsers.length).toBeGreaterThan(0);
    expect(canaryUsers.length).toBeLessThan(20);
    router.setWeights("svc", { stable: 20, canary: 80 });
    for (const u of canaryUsers) {
      expect((await get(url, { "x-operator": u }, agent)).body).toBe("c");
    }
    // Requests without the header still follow the weights.
    const seen = await tally(url, 10);
    expect(seen.get("c")).toBe(8);
  });

  it("mints a sticky cookie when the client has none, and honours it afterwards", async () => {
    const router = makeRouter();
    router.setBackends("svc", [
      await backend("s", { group: "stable" }),
      await backend("c", {
        group: "canary",
        handler: (_req, res) => {
          res.setHeader("set-cookie", "app=1");
          res.end("c");
        },
      }),
    ]);
    router.setWeights("svc", { stable: 50, canary: 50 });
    router.setStickiness("svc", { cookie: "lineops_group" });
    const { url } = await router.listen("svc");
    const sawGroups = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const first = await get(url);
      const setCookie = first.headers["set-cookie"] ?? [];
      const ours = setCookie.find((c) => c.startsWith("lineops_group="));
      expect(ours).toMatch(/^lineops_group=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
      if (first.body === "c") {
        expect(setCookie).toContain("app=1");
      }
      const cookie = (ours as string).split(";")[0] as string;
      for (let j = 0; j < 3; j++) {
        const again = await get(url, { cookie: `other=x; ${cookie}` });
        expect(again.body).toBe(first.body);
        expect(again.headers["set-cookie"]?.some((c) => c.startsWith("lineops_group="))).not.toBe(true);
      }
      sawGroups.add(first.body);
    }
    expect(sawGroups.size).toBe(2);
  });

  it("routes a station's requests to that station's canary by weight, other stations untouched", async () => {
    const router = makeRouter();
    const s1 = await backend("st1", { station: "1", group: "stable" });
    const s3 = await backend("st3", { station: "3", group: "stable" });
    const c3 = await backend("st3-canary", { station: "3", group: "canary" });
    router.setBackends("vision", [s1, s3, c3]);
    router.setWeights("vision", { stable: 90, canary: 10 });
    const { url } = await router.listen("vision");
    expect(await tally(url, 20, { "x-lineops-station": "1" })).toEqual(new Map([["st1", 20]]));
    expect(await tally(url, 20, { "x-lineops-station": "3" })).toEqual(
      new Map([
        ["st3", 18],
        ["st3-canary", 2],
      ]),
    );
    // Station 3 fully on its canary (its stable instance replaced): every station-3 request goes there.
    router.setBackends("vision", [s1, c3]);
    expect(await tally(url, 5, { "x-lineops-station": "3" })).toEqual(new Map([["st3-canary", 5]]));
    expect((await get(url, { "x-lineops-station": "2" })).status).toBe(503);
  });

  it("switches blue to green atomically: after switchTo returns no request reaches blue", async () => {
    const router = makeRouter();
    const blue = [await backend("blue-1", { group: "blue" }), await backend("blue-2", { group: "blue" })];
    const green = [
      await backend("green-1", { group: "green" }),
      await backend("green-2", { group: "green" }),
    ];
    router.setBackends("svc", [...blue, ...green]);
    router.switchTo("svc", "blue");
    const { url } = await router.listen("svc");
    const agent = keepAliveAgent();
    let switched = false;
    let stop = false;
    const afterSwitch: string[] = [];
    const beforeSwitch: string[] = [];
    // 8 concurrent clients loop until told to stop (bounded by count as well).
    const clients = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 200 && !stop; i++) {
        const issuedAfter = switched;
        const res = await get(url, {}, agent);
        expect(res.status).toBe(200);
        (issuedAfter ? afterSwitch : beforeSwitch).push(res.body);
      }
    });
    while (beforeSwitch.length < 40) {
      await new Promise((r) => setImmediate(r));
    }
    router.switchTo("svc", "green");
    switched = true;
    while (afterSwitch.length < 40) {
      await new Promise((r) => setImmediate(r));
    }
    stop = true;
    await Promise.all(clients);
    expect(beforeSwitch.filter((b) => b.startsWith("blue")).length).toBeGreaterThanOrEqual(40);
    expect(afterSwitch.length).toBeGreaterThanOrEqual(40);
    expect(afterSwitch.every((b) => b.startsWith("green"))).toBe(true);
    expect(router.weightsOf("svc")).toEqual({ green: 100 });
    // Flip back and forth: the very next request follows each switch.
    for (let i = 0; i < 6; i++) {
      const to = i % 2 === 0 ? "blue" : "green";
      router.switchTo("svc", to);
      expect((await get(url, {}, agent)).body.startsWith(to)).toBe(true);
    }
    expect(() => router.switchTo("svc", "grene")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_NO_BACKEND" }),
    );
  });

  it("sends preview-header requests to the preview group even at 0 % of normal traffic", async () => {
    const router = makeRouter();
    router.setBackends("svc", [
      await backend("s", { group: "stable" }),
      await backend("p", { group: "preview" }),
    ]);
    const { url } = await router.listen("svc");
    expect(await tally(url, 6)).toEqual(new Map([["s", 6]]));
    expect(await tally(url, 3, { "x-lineops-preview": "1" })).toEqual(new Map([["p", 3]]));
    router.setWeights("svc", { stable: 100 });
    expect(await tally(url, 3, { "x-lineops-preview": "true" })).toEqual(new Map([["p", 3]]));
    expect(await tally(url, 3, { "x-lineops-preview": "0" })).toEqual(new Map([["s", 3]]));
    router.setPreview("svc", { header: "X-Try-New" });
    expect(await tally(url, 2, { "x-try-new": "1" })).toEqual(new Map([["p", 2]]));
    router.setBackends("svc", [await backend("s2", { group: "stable" })]);
    const res = await get(url, { "x-try-new": "1" });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toBe("no ready instance of service svc in group preview");
  });

  it("reports every request to the hook and counts them per group and code", async () => {
    const events: RequestEvent[] = [];
    const router = makeRouter({ onRequest: (e) => events.push(e) });
    const ok = await backend("ok", { group: "stable", revision: "r1" });
    const bad = await backend("bad", { group: "canary", revision: "r2" });
    bad.setStatus(500);
    router.setBackends("svc", [ok, bad]);
    router.setWeights("svc", { stable: 50, canary: 50 });
    const { url } = await router.listen("svc");
    const agent = keepAliveAgent();
    for (let i = 0; i < 4; i++) {
      await get(url, {}, agent);
    }
    await get(url, { "x-lineops-station": "7" }, agent);
    // The hook fires on the response's close, which may trail the client's 'end' by a tick.
    await waitFor(() => events.length >= 5, 5_000, "5 request events");
    expect(events).toHaveLength(5);
    expect(
      events.filter((e) => e.code === 200).every((e) => e.revision === "r1" && e.instanceId === "ok"),
    ).toBe(true);
    expect(events.filter((e) => e.code === 500)).toHaveLength(2);
    expect(events.every((e) => e.service === "svc" && e.durationMs >= 0)).toBe(true);
    expect(router.stats("svc")).toEqual({
      requests: 5,
      groups: { stable: { "200": 2 }, canary: { "500": 2 }, "": { "503": 1 } },
    });
  });

  it("sets X-Forwarded-* and drops hop-by-hop headers, including ones named in Connection", async () => {
    const router = makeRouter();
    let seen: http.IncomingHttpHeaders = {};
    router.setBackends("svc", [
      await backend("h", {
        handler: (req, res) => {
          seen = req.headers;
          res.setHeader("connection", "x-internal");
          res.setHeader("x-internal", "secret");
          res.end("ok");
        },
      }),
    ]);
    const { url, host, port } = await router.listen("svc");
    const res = await get(url, {
      "x-forwarded-for": "10.0.0.9",
      connection: "x-hop",
      "x-hop": "1",
      "x-keep": "2",
    });
    expect(res.status).toBe(200);
    expect(seen["x-forwarded-for"]).toBe("10.0.0.9, 127.0.0.1");
    expect(seen["x-forwarded-proto"]).toBe("http");
    expect(seen["x-forwarded-host"]).toBe(`${host}:${port}`);
    expect(seen["x-hop"]).toBeUndefined();
    expect(seen["x-keep"]).toBe("2");
    expect(res.headers["x-internal"]).toBeUndefined();
    expect(res.instance).toBe("h");
  });
});
