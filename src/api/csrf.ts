// Cross-site request forgery defence for browser sessions. A cookie is an ambient credential: the
// browser attaches it to whatever a page asks for, so a change made through a session must prove it
// came from lineops's own page — the session's X-CSRF-Token, a same-origin Origin / Sec-Fetch-Site,
// and never a form body (the one kind of cross-site POST a browser sends without asking the server).
// Bearer-token requests carry no ambient credential and need none of this.
import type { FastifyReply, FastifyRequest } from "fastify";
import { BODY_METHODS } from "./auth.js";
import { ApiErrors } from "./errors.js";
import { CSRF_HEADER, csrfMatches } from "./session.js";

/** Form bodies: a cross-site <form> can send them without a CORS preflight. */
const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

const mediaType = (header: string | undefined): string =>
  (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/**
 * Refuses (403 LINEOPS_ERR_CSRF) a request a browser says came from another site: Sec-Fetch-Site
 * other than same-origin, or an Origin whose host is not the Host the request was sent to. Absent
 * headers pass (curl, older browsers): the CSRF token is what every session change must carry anyway.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") {
    throw ApiErrors.csrf(
      `refused: the browser reports this request came from another site (Sec-Fetch-Site: ${String(site)})`,
    );
  }
  const origin = request.headers.origin;
  if (origin === undefined) {
    return;
  }
  if (!sameHost(origin, request.headers.host)) {
    throw ApiErrors.csrf(
      `refused: Origin ${JSON.stringify(origin.slice(0, 200))} is not this lineops's own page`,
    );
  }
}

/**
 * Whether the Origin names the host and port the request was sent to. Host, not scheme: behind a
 * TLS-terminating proxy the page is https and lineops sees http; the Host header is read with the
 * origin's scheme so a port left implicit on either side means that scheme's default.
 */
function sameHost(origin: string, hostHeader: string | undefined): boolean {
  try {
    const o = new URL(origin); // "null" (sandboxed frames, file:) and garbage throw
    if ((o.protocol !== "http:" && o.protocol !== "https:") || hostHeader === undefined) {
      return false;
    }
    return new URL(`${o.protocol}//${hostHeader}`).host === o.host;
  } catch {
    return false;
  }
}

/** onRequest hook after authentication: the checks above plus the token, for session changes only. */
export async function csrfHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const session = request.session;
  if (session === undefined || !BODY_METHODS.has(request.method)) {
    return;
  }
  refuseCrossSite(request);
  const hasBody =
    Number(request.headers["content-length"] ?? 0) > 0 || request.headers["transfer-encoding"] !== undefined;
  const media = mediaType(request.headers["content-type"]);
  if (hasBody && FORM_TYPES.has(media)) {
    throw ApiErrors.csrf(`refused: a signed-in browser's request may not carry a ${media} body (send JSON)`);
  }
  // Strict for every method that may change something, readOnly POSTs (PromQL) included: one rule
  // the web app always follows is safer than a list of exceptions.
  if (request.headers[CSRF_HEADER] === undefined) {
    throw ApiErrors.csrf(
      `refused: ${request.method} with a session cookie needs the X-CSRF-Token header (the csrfToken of GET /api/v1/session)`,
    );
  }
  if (!csrfMatches(session.id, request.headers[CSRF_HEADER])) {
    throw ApiErrors.csrf("refused: X-CSRF-Token does not match this session's token");
  }
}
