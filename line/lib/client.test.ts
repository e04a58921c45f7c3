// The dependency client against a real local HTTP server: skip when unwired, classify failures.
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDependency, DependencyError } from "./client.js";

let server: Server;
let base: string;
const seenHeaders: Record<string, string | string[] | undefined>[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.url === "/hang") {
      return; // never answers: exercises the timeout
    }
    const status = req.url === "/fail" ? 503 : 200;
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function counter() {
  return new Counter({
    name: "dep_calls",
    help: "test",
    labelNames: ["dependency", "outcome"] as const,
    registers: [new Registry()],
  });
}

describe("createDependency", () => {
  it("skips the call when the URL is not configured", async () => {
    const calls = counter();
    const dep = createDependency({ name: "mes", baseUrl: undefined, calls });
    expect(dep.configured).toBe(false);
    expect(await dep.post("/reports", {})).toBeUndefined();
    expect((await calls.get()).values[0]?.labels).toEqual({ dependency: "mes", outcome: "skipped" });
  });

  it("posts JSON with extra headers and returns the parsed answer", async () => {
    const dep = createDependency({ name: "station", baseUrl: base });
    expect(await dep.post("/process", { a: 1 }, { "x-lineops-station": "2" })).toEqual({ path: "/process" });
    expect(seenHeaders.at(-1)?.["x-lineops-station"]).toBe("2");
  });

  it("classifies non-2xx, timeouts and refused connections", async () => {
    const dep = createDependency({ name: "q", baseUrl: base, timeoutMs: 100 });
    await expect(dep.post("/fail", {})).rejects.toMatchObject({ kind: "http_error", status: 503 });
    await expect(dep.post("/hang", {})).rejects.toMatchObject({ kind: "timeout" });
    const refused = createDependency({ name: "gone", baseUrl: "http://127.0.0.1:1" });
    const err = await refused.post("/x", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ kind: "network_error", dependency: "gone" });
  });
});
