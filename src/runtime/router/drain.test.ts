// Draining through real sockets: no new requests, in-flight ones finish, idle pooled connections
// close so the backend's own graceful shutdown can complete.
import { describe, expect, it } from "vitest";

import { waitFor } from "../../test-support/wait.js";
import { get } from "./test-support/backends.js";
import { routerHarness } from "./test-support/harness.js";

const { router: makeRouter, backend, agent } = routerHarness();

describe("Router drain", () => {
  it("lets a slow in-flight request finish after its instance is drained, then resolves", async () => {
    const router = makeRouter();
    const slow = await backend("slow", { hold: true });
    const other = await backend("other");
    router.setBackends("svc", [slow, other]);
    const { url } = await router.listen("svc");
    const pending = get(url); // SWRR starts with the first backend: "slow"
    await waitFor(() => slow.held() === 1, 5_000, "request held by slow");
    expect(router.backendsOf("svc").find((b) => b.instanceId === "slow")?.inFlight).toBe(1);

    const drained = router.drain("slow", 10_000);
    let settled = false;
    void drained.then(() => (settled = true));
    expect(router.backendsOf("svc").find((b) => b.instanceId === "slow")?.draining).toBe(true);
    const a = agent();
    for (let i = 0; i < 5; i++) {
      expect((await get(url, {}, a)).body).toBe("other");
    }
    expect(settled).toBe(false);
    expect(slow.hits()).toBe(1);

    slow.release();
    expect(await pending).toMatchObject({ status: 200, body: "slow" });
    expect(await drained).toEqual({ inFlight: 0, completed: true });
    // The connection that carried it is closed instead of pooled, so the backend can shut down.
    await waitFor(() => slow.openConnections() === 0, 5_000, "slow's connections closed");
    await slow.gracefulClose();
  });

  it("closes idle keep-alive connections to a drained backend at once", async () => {
    const router = makeRouter();
    const b = await backend("b");
    router.setBackends("svc", [b, await backend("other")]);
    const { url } = await router.listen("svc");
    const a = agent();
    for (let i = 0; i < 4; i++) {
      await get(url, {}, a);
    }
    expect(b.openConnections()).toBeGreaterThan(0); // pooled by the router
    expect(await router.drain("b", 10_000)).toEqual({ inFlight: 0, completed: true });
    await waitFor(() => b.openConnections() === 0, 5_000, "idle pooled connections closed");
    // server.close() (no closeAllConnections) completes: nothing of ours holds it open.
    await b.gracefulClose();
    expect((await get(url, {}, a)).body).toBe("other");
  });

  it("times out with the in-flight count when requests outlive the drain timeout", async () => {
    const router = makeRouter();
    const slow = await backend("slow", { hold: true });
    router.setBackends("svc", [slow]);
    const { url } = await router.listen("svc");
    const pending = get(url);
    await waitFor(() => slow.held() === 1, 5_000, "request held");
    expect(await router.drain("slow", 20)).toEqual({ inFlight: 1, completed: false });
    // Drained and alone: new requests get 503 rather than the draining instance.
    expect((await get(url)).status).toBe(503);
    slow.release();
    expect((await pending).status).toBe(200);
    router.undrain("slow");
    const again = get(url);
    await waitFor(() => slow.held() === 1, 5_000, "undrained backend takes requests again");
    slow.release();
    expect((await again).body).toBe("slow");
  });

  it("tracks a backend removed by setBackends until its request ends, and drain still waits for it", async () => {
    const router = makeRouter();
    const slow = await backend("slow", { hold: true });
    const next = await backend("next");
    router.setBackends("svc", [slow]);
    const { url } = await router.listen("svc");
    const pending = get(url);
    await waitFor(() => slow.held() === 1, 5_000, "request held");
    router.setBackends("svc", [next]);
    const drained = router.drain("slow", 10_000);
    expect((await get(url)).body).toBe("next");
    slow.release();
    expect((await pending).body).toBe("slow");
    expect(await drained).toEqual({ inFlight: 0, completed: true });
    await waitFor(() => slow.openConnections() === 0, 5_000, "removed backend's connections closed");
    expect(await router.drain("never-known", 10)).toEqual({ inFlight: 0, completed: true });
  });
});
