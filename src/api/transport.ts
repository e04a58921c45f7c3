// The API's transport policy, applied to every request before authentication: which Host names it
// answers to (DNS rebinding), no credentials in query strings, and the security headers on every
// response; plus the start-time rule that a listener beyond loopback needs TLS or an explicit opt-in.
import net from "node:net";
import os from "node:os";
import type { FastifyInstance } from "fastify";
import { ApiErrors } from "./errors.js";

export type HttpPolicy = {
  /** The API's listen address; "0.0.0.0" or "::" means every interface. */
  listenHost: string;
  /** web.allowed_hosts: further names clients may put in Host (a reverse proxy's, a DNS name). */
  allowedHosts: readonly string[];
  /** TLS on: responses carry HSTS. */
  tls: boolean;
};

export const DEFAULT_POLICY: HttpPolicy = { listenHost: "127.0.0.1", allowedHosts: [], tls: false };

// Proxies and access logs record URLs, not headers: a token in the query would end up there.
const CREDENTIAL_PARAMS = new Set(["token", "access_token", "authorization", "api_key", "apikey"]);

// For the coming web UI: its own scripts, styles and API only; never framed (clickjacking).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

// BlockList also matches IPv4-mapped IPv6 (::ffff:127.0.0.1) and every spelling of ::1.
const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** True for names and addresses that can only reach this machine: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = bare(host);
  if (h === "localhost" || h.endsWith(".localhost")) {
    return true; // RFC 6761: browsers resolve these to loopback themselves
  }
  const family = net.isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 6 ? "ipv6" : "ipv4");
}

export function isWildcardHost(host: string): boolean {
  const h = bare(host);
  return h === "0.0.0.0" || h === "::" || h === "";
}

/** The host a URL for a listener should name: a wildcard bind is reached through loopback. */
export function urlHost(listenHost: string): string {
  const h = isWildcardHost(listenHost) ? (bare(listenHost) === "::" ? "::1" : "127.0.0.1") : bare(listenHost);
  return net.isIPv6(h) ? `[${h}]` : h;
}

/** "[::1]:9470" → "::1", "Example.com.:80" → "example.com": the name part of a Host header. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  const end = h.indexOf("]");
  return bare(h.startsWith("[") && end > 0 ? h.slice(1, end) : h.replace(/:\d*$/, ""));
}

function bare(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
}

/**
 * The names the API answers to besides loopback. A wildcard bind adds this machine's hostname and
 * the addresses of its interfaces at start: a page served from an attacker's domain can never make
 * a browser send those, so they are safe, and they are what operators on the plant network type.
 */
export function allowedHostNames(policy: HttpPolicy): Set<string> {
  const names = new Set(policy.allowedHosts.map(bare));
  if (isWildcardHost(policy.listenHost)) {
    names.add(os.hostname().toLowerCase());
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) {
        names.add(bare(a.address.replace(/%.*$/, "")));
      }
    }
  }
  names.add(bare(policy.listenHost));
  return names;
}

/** Registers the policy's hooks; call before any other onRequest hook so it runs first. */
export function applyHttpPolicy(app: FastifyInstance, policy: HttpPolicy = DEFAULT_POLICY): void {
  const allowed = allowedHostNames(policy);
  const headers = policy.tls
    ? { ...SECURITY_HEADERS, "strict-transport-security": "max-age=31536000" }
    : SECURITY_HEADERS;

  app.addHook("onRequest", async (request) => {
    const host = request.headers.host;
    // No Host at all is an HTTP/1.0 tool, never a browser: rebinding needs a browser.
    if (host !== undefined) {
      const name = hostName(host);
      if (!isLoopbackHost(name) && !allowed.has(name)) {
        throw ApiErrors.hostNotAllowed(
          `Host "${name.slice(0, 253)}" is not one this lineops answers to: use a loopback address, the listen address, or add the name to web.allowed_hosts (this check stops DNS rebinding)`,
        );
      }
    }
    const query = request.query;
    if (query && typeof query === "object") {
      const named = Object.keys(query).find((k) => CREDENTIAL_PARAMS.has(k.toLowerCase()));
      if (named !== undefined) {
        throw ApiErrors.tokenInQuery(
          `credentials are not accepted in the query string (?${named}=): proxies and access logs record URLs; send "Authorization: Bearer <token>" instead, and revoke that token if it was real`,
        );
      }
    }
  });

  app.addHook("onSend", async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(headers)) {
      // A route's own Content-Security-Policy stays (an operations report: nothing loads, its one
      // inline style allowed by hash).
      if (name !== "content-security-policy" || !reply.hasHeader(name)) {
        reply.header(name, value);
      }
    }
    // API answers are live state; a route that serves static assets may set its own policy.
    if (!reply.hasHeader("cache-control")) {
      reply.header("cache-control", "no-store");
    }
    return payload;
  });
}

export type Listener = { what: string; host: string; tls: boolean };

/**
 * Start-time rule: a plaintext listener beyond loopback carries tokens in clear over the plant
 * network, so it is refused unless the operator opted in (web.allow_insecure / --insecure-listen).
 * Returns the warnings to log loudly when they did.
 */
export function checkListeners(listeners: readonly Listener[], allowInsecure: boolean): string[] {
  const exposed = listeners.filter((l) => !l.tls && !isLoopbackHost(l.host));
  if (exposed.length > 0 && !allowInsecure) {
    const list = exposed.map((l) => `${l.what} on ${l.host}`).join(", ");
    throw ApiErrors.insecureListen(
      `refusing to listen beyond loopback without TLS (${list}): configure web.tls_server_config (or --tls-cert-file and --tls-key-file), bind 127.0.0.1, or accept plaintext with web.allow_insecure / --insecure-listen`,
    );
  }
  return exposed.map(
    (l) =>
      `INSECURE: ${l.what} listens on ${l.host} without TLS; tokens and line data cross the network in clear text (allowed by web.allow_insecure / --insecure-listen)`,
  );
}
