// A real local HTTP(S) webhook receiver for the notify tests: records every request and answers
// as the test's handler says (a status, a hang, a redirect).
import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
  /** Subject CN of the client certificate, when the server asked for one. */
  clientCN?: string;
};

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang";

export type TestReceiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  answer: (req: ReceivedRequest) => Answer;
  close(): Promise<void>;
};

export async function startReceiver(
  answer: (req: ReceivedRequest) => Answer = () => ({ status: 200 }),
  tls?: https.ServerOptions,
): Promise<TestReceiver> {
  const hanging = new Set<http.ServerResponse>();
  const receiver: TestReceiver = {
    url: "",
    port: 0,
    requests: [],
    answer,
    close: async () => {
      for (const res of hanging) {
        res.destroy();
      }
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      const r: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        at: Date.now(),
        ...(peer?.subject?.CN ? { clientCN: String(peer.subject.CN) } : {}),
      };
      receiver.requests.push(r);
      const a = receiver.answer(r);
      if (a === "hang") {
        hanging.add(res);
        return;
      }
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? "");
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `${tls ? "https" : "http"}://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}
