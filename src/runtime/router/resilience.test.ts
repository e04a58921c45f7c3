// Retries and passive health through real sockets: retry only when nothing reached a backend,
// eject backends that keep failing and take them back when the ejection ends.
import http from "node:http";

import { describe, expect, it } from "vitest";

import { httpRequest, refusedPort } from "../test-support/helpers.js";
import { waitFor } from "../../test-support/wait.js";
import type { Backend } from "./backend.js";
import { get } from "./test-support/backends.js";
import { routerHarness } from "./test-support/harness.js";

const { router: makeRouter, backend } = routerHarness();

describe("Router retries", () => {
  it("retries a refused connection on another backend, resending a large body intact", async () => {
    const router = makeRouter();
    let received = 0;
    const live = await backend("live", {
      handler: (req, res) => {
        let n = 0;
        req.on("data", (c: Buffer) => (n += c.length));
        req.on("end", () => {
          received = n;
          res.end("live");
        });
      },
    });
    const dead: Backend = { instanceId: "dead", host: "127.0.0.1", port: await refusedPort() };
    router.setBackends("s", [dead, live]);
    const { url } = await router.listen("s");
    // The body is read from the client only once a backend connection is up: nothing to buffer.
    const body = "y".repeat(2 * 1024 * 1024);
    const res = await httpRequest(url, { method: "POST", body });
    expect(res).toMatchObject({ status: 200, body: "live" });
    expect(received).toBe(body.length);
    expect(router.backendsOf("s").find((b) => b.instanceId === "dead")?.consecutiveFailures).toBe(1);
  });

  it("answers 502 and does not retry when the backend drops the connection after reading the request", async () => {
    const router = makeRouter();
    const dropper = await backend("dropper", {
      handler: (req) => {
        req.resume();
        req.on("end", () => req.socket.destroy());
      },
    });
    const other = await backend("other");
    router.setBackends("s", [dropper, other]);
    const { url } = await router.listen("s");
    const res = await httpRequest(url, { method: "POST", body: "z".repeat(100_000) });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error).toContain("instance dropper of service s failed");
    expect(dropper.hits()).toBe(1);
    expect(other.hits()).toBe(0);
  });

  it("counts a request whose client left first as 499, drops its upstream request and frees the backend", async () => {
    const router = makeRouter();
    const slow = await backend("slow", { hold: true });
    router.setBackends("s", [slow]);
    const { url } = await router.listen("s");
    const req = http.get(url, { agent: false });
    req.on("error", () => {});
    await waitFor(() => slow.held() === 1, 5_000, "request held");
    req.destroy();
    await waitFor(() => router.stats("s").groups.stable?.["499"] === 1, 5_000, "abandoned request counted");
    expect(router.backendsOf("s")[0]?.inFlight).toBe(0);
    await waitFor(() => slow.openConnections() === 0, 5_000, "upstream connection closed");
  });

  it("gives up after maxAttempts refused connections with 503", async () => {
    const router = makeRouter({ maxAttempts: 2 });
    const port = await refusedPort();
    const live = await backend("live");
    const deads: Backend[] = ["d1", "d2"].map((instanceId) => ({ instanceId, host: "127.0.0.1", port }));
    router.setBackends("s", [...deads, live]);
    router.setHealth("s", { failureThreshold: 100 });
    const { url } = await router.listen("s");
    // SWRR order with equal weights is d1, d2, live: the first request fails twice and stops.
    const res = await get(url);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toBe("no ready instance of service s accepted the connection");
    expect(live.hits()).toBe(0);
  });
});

describe("Router passive health", () => {
  it("ejects a backend after N consecutive 5xx, doubles the ejection on repeat, and takes it back", async () => {
    let now = 1_000_000;
    const router = makeRouter({ now: () => now });
    const flaky = await backend("flaky");
    const good = await backend("good");
    flaky.setStatus(503);
    router.setBackends("s", [flaky, good]);
    router.setHealth("s", { failureThreshold: 3, ejectionMs: 1_000 });
    const { url } = await router.listen("s");
    const statusOf = () => router.backendsOf("s").find((b) => b.instanceId === "flaky");

    // Alternating picks: 3 failures after 6 requests. 5xx answers are passed through, not retried.
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      codes.push((await get(url)).status);
    }
    expect(codes.filter((c) => c === 503)).toHaveLength(3);
    expect(statusOf()).toMatchObject({ ejected: true, ejectedUntil: now + 1_000, ejections: 1 });
    for (let i = 0; i < 5; i++) {
      expect((await get(url)).body).toBe("good");
    }
    expect(flaky.hits()).toBe(3);

    now += 1_000; // ejection over: back in rotation, still failing -> ejected again for twice as long
    expect(statusOf()?.ejected).toBe(false);
    for (let i = 0; i < 6; i++) {
      await get(url);
    }
    expect(statusOf()).toMatchObject({ ejected: true, ejectedUntil: now + 2_000, ejections: 2 });

    now += 2_000;
    flaky.setStatus(200);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      seen.add((await get(url)).body);
    }
    expect(seen).toEqual(new Set(["flaky", "good"]));
    // failureThreshold successes in a row reset the doubling.
    expect(statusOf()).toMatchObject({ ejected: false, ejections: 0, consecutiveFailures: 0 });
  });

  it("ejects a backend whose connections are refused, so later requests don't pay the retry", async () => {
    const router = makeRouter();
    const live = await backend("live");
    const dead: Backend = { instanceId: "dead", host: "127.0.0.1", port: await refusedPort() };
    router.setBackends("s", [dead, live]);
    router.setHealth("s", { failureThreshold: 2 });
    const { url } = await router.listen("s");
    for (let i = 0; i < 6; i++) {
      expect((await get(url)).body).toBe("live");
    }
    expect(router.backendsOf("s").find((b) => b.instanceId === "dead")?.ejected).toBe(true);
    expect(() => router.setHealth("s", { failureThreshold: 0 })).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_INVALID_ROUTER_CONFIG" }),
    );
  });
});
