// Header rewriting at the front door: hop-by-hop headers stay on their connection, X-Forwarded-*
// tell the backend who really called, and error answers use the API's JSON envelope.
import { STATUS_CODES } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Request header that pins a request to the instance serving one station. */
export const STATION_HEADER = "x-lineops-station";
/** Response header naming the instance that served the request (debugging, tests). */
export const INSTANCE_HEADER = "x-lineops-instance";
/** Default request header that sends a request to the preview group. */
export const PREVIEW_HEADER = "x-lineops-preview";

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and must not be forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function extraHopHeaders(connection: string | undefined): string[] | undefined {
  if (!connection) {
    return undefined;
  }
  let extra: string[] | undefined;
  for (const raw of connection.split(",")) {
    const t = raw.trim().toLowerCase();
    if (t && t !== "keep-alive" && t !== "close" && t !== "upgrade") {
      (extra ??= []).push(t);
    }
  }
  return extra;
}

function copyEndToEnd(from: IncomingHttpHeaders, to: OutgoingHttpHeaders): void {
  const extra = extraHopHeaders(from.connection);
  for (const k in from) {
    const v = from[k];
    if (v !== undefined && !HOP_BY_HOP.has(k) && !extra?.includes(k)) {
      to[k] = v;
    }
  }
}

/** Headers for the backend request; `upgrade` keeps Connection/Upgrade for a WebSocket handshake. */
export function forwardHeaders(req: IncomingMessage, upgrade: boolean): OutgoingHttpHeaders {
  const h = req.headers;
  const out: OutgoingHttpHeaders = {};
  copyEndToEnd(h, out);
  const remote = req.socket.remoteAddress;
  if (remote) {
    const prior = h["x-forwarded-for"];
    out["x-forwarded-for"] = prior ? `${String(prior)}, ${remote}` : remote;
  }
  // An upstream proxy's view of proto/host is the client's; only fill what nobody set.
  out["x-forwarded-proto"] ??= "http";
  if (h.host !== undefined) {
    out["x-forwarded-host"] ??= h.host;
  }
  if (upgrade) {
    out.connection = "upgrade";
    if (h.upgrade !== undefined) {
      out.upgrade = h.upgrade;
    }
  }
  return out;
}

export function responseHeaders(from: IncomingHttpHeaders, instanceId: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  copyEndToEnd(from, out);
  out[INSTANCE_HEADER] = instanceId;
  return out;
}

export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Value of one cookie from a Cookie header, without allocating a parsed map. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) {
    return undefined;
  }
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

function errorBody(error: string): string {
  return JSON.stringify({ status: "error", errorType: "unavailable", error });
}

export function sendError(res: ServerResponse, status: number, error: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(error);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** The same JSON error, written raw on a socket whose request was an upgrade (no ServerResponse exists). */
export function sendSocketError(socket: Duplex, status: number, error: string): void {
  if (socket.destroyed) {
    return;
  }
  const body = errorBody(error);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}
