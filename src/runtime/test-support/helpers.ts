// Shared helpers for the runtime's tests: tiny HTTP calls and a port that refuses connections.
// (Condition polling is src/test-support/wait.ts, shared with every test.)
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export type HttpResult = { status: number; body: string; headers: http.IncomingHttpHeaders };

export function httpRequest(
  url: string,
  opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            headers: res.headers,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** A port nothing listens on (bound, then closed): connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
