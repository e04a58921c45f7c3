// Real HTTP backends for the router's tests: count hits, hold requests until released, answer
// with a chosen status, and report their open connections.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

import type { Backend } from "../backend.js";

export type TestBackend = Backend & {
  server: http.Server;
  hits: () => number;
  /** Client connections currently open to this backend. */
  openConnections: () => number;
  /** Requests waiting in hold mode; release() answers all of them. */
  held: () => number;
  release: () => void;
  setStatus: (code: number) => void;
  /** server.close() without closeAllConnections: resolves only once every connection is gone. */
  gracefulClose: () => Promise<void>;
  close: () => Promise<void>;
};

export type BackendOptions = Partial<Pick<Backend, "station" | "group" | "revision" | "weight">> & {
  /** Hold every request until release(). */
  hold?: boolean;
  handler?: http.RequestListener;
};

export async function startBackend(instanceId: string, opts: BackendOptions = {}): Promise<TestBackend> {
  let hits = 0;
  let status = 200;
  const waiting: http.ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    hits++;
    if (opts.handler) {
      opts.handler(req, res);
      return;
    }
    req.resume();
    if (opts.hold) {
      waiting.push(res);
      return;
    }
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(instanceId);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  let closed = false;
  return {
    instanceId,
    host: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
    ...(opts.station === undefined ? {} : { station: opts.station }),
    ...(opts.group === undefined ? {} : { group: opts.group }),
    ...(opts.revision === undefined ? {} : { revision: opts.revision }),
    ...(opts.weight === undefined ? {} : { weight: opts.weight }),
    server,
    hits: () => hits,
    openConnections: () => sockets.size,
    held: () => waiting.length,
    release: () => {
      for (const res of waiting.splice(0)) {
        res.end(instanceId);
      }
    },
    setStatus: (code) => {
      status = code;
    },
    gracefulClose: () =>
      new Promise<void>((resolve) => {
        closed = true;
        server.close(() => resolve());
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of waiting.splice(0)) {
          res.destroy();
        }
        server.closeAllConnections();
        if (closed) {
          resolve();
          return;
        }
        closed = true;
        server.close(() => resolve());
      }),
  };
}

/** Keep-alive GET through one agent; returns status, body and which instance answered. */
export function get(
  url: string,
  headers: http.OutgoingHttpHeaders = {},
  agent: http.Agent | false = false,
): Promise<{
  status: number;
  body: string;
  instance: string | undefined;
  headers: http.IncomingHttpHeaders;
}> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          instance: res.headers["x-lineops-instance"] as string | undefined,
          headers: res.headers,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}
