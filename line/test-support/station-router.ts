// Test stand-in for lineops's router: one front door for the station-controller instances that
// forwards each request to the instance named by the x-lineops-station header.
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { STATION_ROUTING_HEADER } from "../index.js";

export async function startStationRouter(
  stations: Record<string, string>,
): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const station = req.headers[STATION_ROUTING_HEADER];
    const target = typeof station === "string" ? stations[station] : undefined;
    seen.push(String(station));
    if (target === undefined) {
      res
        .writeHead(502, { "content-type": "application/json" })
        .end(JSON.stringify({ error: "no such station" }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      fetch(target + (req.url ?? "/"), {
        method: req.method ?? "GET",
        headers: { "content-type": "application/json" },
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      })
        .then(async (upstream) => {
          res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
        })
        .catch(() => {
          res.writeHead(502).end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
