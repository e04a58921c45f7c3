// A minimal RFC 6455 echo server and client (text frames only, payload < 64 KiB): enough to prove
// that an upgrade handshake and frames pass through the router unchanged.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import net from "node:net";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

function frame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text, "utf8");
  const len = payload.length;
  const header = Buffer.alloc(len < 126 ? 2 : 4);
  header[0] = 0x81; // FIN + text
  if (len < 126) {
    header[1] = len | (mask ? 0x80 : 0);
  } else {
    header[1] = 126 | (mask ? 0x80 : 0);
    header.writeUInt16BE(len, 2);
  }
  if (!mask) {
    return Buffer.concat([header, payload]);
  }
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ (key[i % 4] as number)));
  return Buffer.concat([header, key, masked]);
}

/** Parses complete text frames from buf; returns them and the unconsumed rest. */
function parseFrames(buf: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) {
      break;
    }
    const b1 = buf[off + 1] as number;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length - off < 4) {
        break;
      }
      len = buf.readUInt16BE(off + 2);
      p = off + 4;
    }
    const keyStart = p;
    if (masked) {
      p += 4;
    }
    if (buf.length < p + len) {
      break;
    }
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (masked) {
      for (let i = 0; i < len; i++) {
        payload[i] = (payload[i] as number) ^ (buf[keyStart + (i % 4)] as number);
      }
    }
    texts.push(payload.toString("utf8"));
    off = p + len;
  }
  return { texts, rest: buf.subarray(off) };
}

/** An HTTP server that upgrades /ws and echoes every text frame back prefixed with its id. */
export async function startEchoServer(id: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => res.end(id));
  server.on("upgrade", (req: http.IncomingMessage, socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const key = req.headers["sec-websocket-key"];
    if (typeof key !== "string" || req.headers.upgrade?.toLowerCase() !== "websocket") {
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
      return;
    }
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    );
    let buf: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      const { texts, rest } = parseFrames(Buffer.concat([buf, chunk]));
      buf = rest;
      for (const t of texts) {
        socket.write(frame(`${id}:${t}`, false));
      }
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) {
          s.destroy();
        }
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type WsClient = {
  /** Status line and headers of the handshake answer. */
  status: number;
  headers: Record<string, string>;
  send: (text: string) => void;
  /** Next text frame received. */
  receive: () => Promise<string>;
  socket: Socket;
};

/** Opens a WebSocket over a raw socket and checks nothing but the status; tests assert the rest. */
export function connectWs(
  port: number,
  path: string,
  extraHeaders: Record<string, string> = {},
): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString("base64");
    const socket = net.connect(port, "127.0.0.1");
    let buf: Buffer = Buffer.alloc(0);
    let client: WsClient | undefined;
    const queue: string[] = [];
    const waiters: ((t: string) => void)[] = [];
    socket.on("error", reject);
    socket.on("connect", () => {
      const extra = Object.entries(extraHeaders)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("");
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!client) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
        buf = buf.subarray(end + 4);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(":");
          headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        client = {
          status: Number((lines[0] ?? "").split(" ")[1]),
          headers: { ...headers, "x-expected-accept": acceptKey(key) },
          send: (text) => socket.write(frame(text, true)),
          receive: () =>
            new Promise<string>((r) => {
              const t = queue.shift();
              if (t !== undefined) {
                r(t);
              } else {
                waiters.push(r);
              }
            }),
          socket,
        };
        resolve(client);
      }
      const { texts, rest } = parseFrames(buf);
      buf = rest;
      for (const t of texts) {
        const w = waiters.shift();
        if (w) {
          w(t);
        } else {
          queue.push(t);
        }
      }
    });
  });
}
