// The session cookie on the wire: its name and attributes, reading it from a Cookie header, and the
// CSRF token that belongs to a session. The token is an HMAC of the session id, so it is never
// stored: whoever reads the database learns neither, and only the cookie's holder can compute it.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "lineops_session";
export const CSRF_HEADER = "x-csrf-token";

/** Session ids are 32 random bytes, base64url: anything else in the cookie is not one of ours. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The session id in a Cookie header, or undefined. Several cookies of our name (one planted by a
 * sibling host, "cookie tossing") give every well-formed candidate; the caller tries each.
 */
export function sessionIdsFromCookie(header: string | undefined): string[] {
  if (!header) {
    return [];
  }
  const ids: string[] = [];
  // Bounded: a Cookie header is at most the server's header limit (16 KiB by default).
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      if (SESSION_ID.test(value) && ids.length < 4) {
        ids.push(value);
      }
    }
  }
  return ids;
}

/**
 * Set-Cookie for a new session: HttpOnly (no script reads it), SameSite=Strict (no other site's
 * page sends it), Path=/ (the app and the API), Secure whenever lineops serves TLS, Max-Age the
 * session's remaining absolute lifetime (the idle timeout is kept on the server).
 */
export function sessionCookie(id: string, maxAgeMs: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}

/** Set-Cookie that makes the browser drop the session cookie (sign-out, a dead session). */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", 0, secure);
}

export function csrfTokenFor(sessionId: string): string {
  return createHmac("sha256", sessionId).update("lineops csrf token v1").digest("base64url");
}

/** Constant time whatever `presented` is: both sides are hashed to equal length first. */
export function csrfMatches(sessionId: string, presented: string | string[] | undefined): boolean {
  if (typeof presented !== "string") {
    return false; // absent, or sent twice
  }
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(csrfTokenFor(sessionId)), digest(presented));
}
