// The traffic generator: paced requests, bounded concurrency (drop, never queue), clean stop, and
// the CLI entry running against a real line-controller.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { sampleValue, scrape } from "../test-support/metrics.js";
import { startLineService, stopAll } from "../test-support/spawn.js";
import { waitFor } from "../../src/test-support/wait.js";
import { startTrafficGenerator } from "./generator.js";
import type { TrafficGenerator } from "./generator.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function fakeLine(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});
afterAll(stopAll);

function track(gen: TrafficGenerator) {
  cleanups.push(() => gen.stop());
  return gen;
}

describe("startTrafficGenerator", () => {
  it("POSTs work orders to /work-orders and counts answers by outcome", async () => {
    let n = 0;
    const paths = new Set<string>();
    const line = await fakeLine((req, res) => {
      paths.add(`${req.method} ${req.url}`);
      res.writeHead(++n % 2 === 0 ? 503 : 201).end("{}");
    });
    cleanups.push(() => void line.server.close());
    const results: number[] = [];
    const gen = track(
      startTrafficGenerator({
        url: line.url + "/",
        ratePerSecond: 50,
        onResult: (r) => results.push(r.status ?? 0),
      }),
    );
    await waitFor(() => (gen.stats().sent >= 10 ? true : undefined), 5_000, "10 requests");
    await gen.stop();
    const stats = gen.stats();
    expect(paths).toEqual(new Set(["POST /work-orders"]));
    expect(stats.inFlight).toBe(0);
    expect(stats.succeeded + stats.failed).toBe(stats.sent);
    expect(stats.failed).toBeGreaterThan(0);
    expect(results).toHaveLength(stats.sent);
    // Every request issued reached the server, and the server saw no others.
    expect(n).toBe(stats.sent);
  });

  it("caps in-flight requests and drops ticks instead of queueing them", async () => {
    const held: ServerResponse[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const line = await fakeLine((_req, res) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      res.on("close", () => concurrent--);
      held.push(res);
    });
    cleanups.push(() => {
      line.server.closeAllConnections();
      line.server.close();
    });
    const gen = track(startTrafficGenerator({ url: line.url, ratePerSecond: 200, maxInFlight: 3 }));
    // On a loaded machine the three requests may reach the server well after they were sent.
    await waitFor(
      () => (gen.stats().dropped >= 10 && concurrent === 3 ? true : undefined),
      5_000,
      "dropped ticks with three requests held by the server",
    );
    expect(gen.stats()).toMatchObject({ sent: 3, inFlight: 3 });
    expect(maxConcurrent).toBe(3);
    for (const res of held) {
      res.writeHead(201).end("{}");
    }
    await gen.stop();
    expect(gen.stats().inFlight).toBe(0);
  });

  it("counts unreachable targets as errors and rejects a non-positive rate", async () => {
    const gen = track(startTrafficGenerator({ url: "http://127.0.0.1:1", ratePerSecond: 20 }));
    await waitFor(() => (gen.stats().errors >= 2 ? true : undefined), 5_000, "connection errors");
    await gen.stop();
    expect(gen.stats().succeeded).toBe(0);
    expect(() => startTrafficGenerator({ url: "http://x", ratePerSecond: 0 })).toThrow(RangeError);
  });
});

describe("traffic CLI", () => {
  it("drives a real line-controller and exits 0 on SIGTERM", async () => {
    const line = await startLineService("line-controller");
    const child = spawn(process.execPath, ["--import", "tsx", "line/traffic/main.ts"], {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      env: { PATH: process.env.PATH ?? "", LINE_CONTROLLER_URL: line.url, TRAFFIC_RATE: "20" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    cleanups.push(() => {
      child.kill("SIGKILL");
    });
    await waitFor(
      async () =>
        (sampleValue(await scrape(line.url), "work_orders_total", { result: "completed" }) ?? 0) >= 5 ||
        undefined,
      10_000,
      "work orders from the CLI",
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });
});
