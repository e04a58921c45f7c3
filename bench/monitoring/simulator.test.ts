import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition } from "../../src/monitoring/scrape/parser.js";
import { startSimulator, type Simulator } from "./sim-process.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator(3, 120);
});
afterAll(async () => {
  await sim?.stop();
});

async function scrape(port: number, gzip: boolean): Promise<{ body: string; encoding: string | null }> {
  // fetch() would gunzip transparently; read the raw bytes to see what was sent.
  const http = await import("node:http");
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: "127.0.0.1", port, path: "/metrics", headers: gzip ? { "accept-encoding": "gzip" } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const raw = Buffer.concat(chunks);
            const encoding = res.headers["content-encoding"] ?? null;
            resolve({ body: (encoding === "gzip" ? gunzipSync(raw) : raw).toString("utf8"), encoding });
          });
        },
      )
      .on("error", reject);
  });
}

function count(body: string): number {
  let n = 0;
  parseExposition(body, "text", { sample: () => void n++ });
  return n;
}

describe("simulator process", () => {
  it("serves each target on its own port, gzip only when asked", async () => {
    expect(new Set(sim.ports).size).toBe(3);
    const plain = await scrape(sim.ports[0] as number, false);
    const gz = await scrape(sim.ports[2] as number, true);
    expect(plain.encoding).toBeNull();
    expect(gz.encoding).toBe("gzip");
    expect(count(plain.body)).toBe(120);
    expect(count(gz.body)).toBe(120);
  });

  it("resizes every target in place and counts requests", async () => {
    const before = (await sim.stats()).requests;
    await sim.resize(250);
    expect(count((await scrape(sim.ports[1] as number, true)).body)).toBe(250);
    const after = await sim.stats();
    expect(after.requests).toBe(before + 1);
    expect(after.series).toBe(250);
  });
});
